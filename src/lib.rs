//! # cognito-wasm
//!
//! Amazon Cognito in the browser, as WebAssembly: managed-login sign-in (authorization code + PKCE),
//! token storage and refresh safe across tabs, local verification of Cognito ID and access tokens,
//! identity-pool AWS credentials and SigV4 signing.
//!
//! The protocol core ([`config`], [`options`], [`pkce`], [`oauth`], [`session`], [`identity`],
//! [`sigv4`], [`jwt`]) does no I/O and takes time as an argument, so it runs and is tested natively. On `wasm32`,
//! `platform` adds the browser (fetch, storage, Web Locks, BroadcastChannel): `CognitoAuth` and
//! `JwtVerifier`, and the JS facade exported to npm (`import init, { CognitoAuth } from 'cognito-wasm'`).
//!
//! ```
//! use cognito_wasm::jwt::{TokenUse, Verifier, VerifierConfig};
//! let config = VerifierConfig::new("us-east-1_AbC123", Some(TokenUse::Id), Some(vec!["client".into()]))?;
//! let verifier = Verifier::new(config, Some(br#"{"keys":[]}"#))?;
//! let err = verifier.verify_cached("not.a.token", 0).unwrap_err();
//! assert_eq!(err.code(), "ERR_JWT_MALFORMED");
//! # Ok::<(), cognito_wasm::Error>(())
//! ```

#![warn(missing_docs)]

pub mod account;
pub mod awsjson;
mod base64url;
mod bigint;
pub mod config;
mod contract;
pub mod engine;
pub mod error;
pub mod event;
pub mod http;
pub mod identity;
pub mod json;
pub mod jwt;
pub mod oauth;
pub mod options;
pub mod passkey;
pub mod pkce;
pub mod secret;
pub mod session;
pub mod signin;
pub mod signup;
pub mod sigv4;
mod srp;
pub mod view;

#[cfg(test)]
mod testing;

#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
pub mod platform;

pub use error::{Error, ErrorKind, Result};

/// talc as the global allocator (cargo feature `talc`); wasm32-unknown-unknown in the browser runs this
/// module on one thread, which talc's wasm allocator assumes.
#[cfg(all(target_arch = "wasm32", feature = "talc"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
#[cfg(target_arch = "wasm32")]
pub use platform::{CognitoAuth, JwtVerifier};
