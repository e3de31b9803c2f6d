//! A small Rust front-end app on [`cognito_wasm::CognitoAuth`]: sign in with the managed login or with the
//! app's own form (SRP, then TOTP or a new password when Cognito asks), show the signed-in user, sign out.
//! `trunk serve` in this folder runs it on http://localhost:8080/ against devstack (`./scripts/demo.sh`
//! starts devstack; stop its trunk first, or run `cargo run -p devstack` alone).
//! `config.json` holds the options (the same names as the JS constructor's).

#[cfg(target_arch = "wasm32")]
mod app;

fn main() {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(app::run());
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("this example runs in the browser: `trunk serve` in examples/rust-app");
}
