//! devstack integration tests: every endpoint over real HTTP, including the refusals; and the check that
//! the modules of `src/` use only modules below them (`layering`).

mod common;

mod account;
mod dynamodb;
mod federation;
mod identity;
mod knobs;
mod layering;
mod mfa;
mod oauth;
mod oidc;
mod passkeys;
#[path = "../../../tests/support/rust_paths.rs"]
mod rust_paths;
mod s3;
mod sign_up;
mod srp;
mod triggers;
mod user_pool_api;
