//! devstack integration tests: every endpoint over real HTTP, including the refusals; and the check that
//! the modules of `src/` use only modules below them (`layering`).

mod common;

mod account;
mod dynamodb;
mod identity;
mod knobs;
mod layering;
mod oauth;
mod s3;
mod user_pool_api;
