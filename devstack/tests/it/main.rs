//! devstack integration tests: every endpoint over real HTTP, including the refusals.

mod common;

mod identity;
mod knobs;
mod oauth;
mod s3;
mod user_pool_api;
