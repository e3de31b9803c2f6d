//! devstack: a local Amazon Cognito (managed login, OAuth endpoints, JWKS, the user-pool and identity-pool
//! JSON APIs), a SigV4-verifying S3 and DynamoDB, for cognito-wasm's demo and tests. See README.md.
//!
//! # Layout
//!
//! Bottom-up: each module uses only modules listed before it (`tests/it/layering.rs` checks this; a
//! module's submodules, in `src/<module>/`, count as the module).
//!
//! 1. [`ids`]: random ids and UUIDs, the real clock; [`html`]: escaping and the page shell of every page.
//! 2. [`knobs`]: test knob data (clock offset, lifetime overrides, injected faults).
//! 3. [`config`]: the TOML configuration and its built-in default.
//! 4. [`keys`]: each user pool's RS256 signing keys and their JWKS; [`srp`]: the server side of
//!    Cognito's SRP-6a (USER_SRP_AUTH), pure arithmetic.
//! 5. [`passwords`]: passwords at rest: a salted PBKDF2 hash and the SRP salt and verifier.
//! 6. [`wire`]: errors in the wire formats (AWS JSON 1.1 and 1.0, OAuth, S3 XML), injected faults in each.
//! 7. [`state`]: the shared server state: the persisted store, codes and sessions in memory; above it,
//!    a layer of its own, [`triggers`]: Lambda triggers (Cognito's event shapes) run as local commands
//!    or HTTP URLs.
//! 8. [`codes`]: every one-time code (sign-up, password reset, attribute verification, the SMS / email
//!    codes of MFA and USER_AUTH): issued to the outbox, checked by one rule (trim, tries, expiry).
//! 9. [`tokens`]: issuing, refreshing, revoking and verifying tokens.
//! 10. [`users`]: which user a sign-in name means, user statuses, the password policy, the app client of a
//!     request and its auth flows, the user of an access token.
//! 11. [`sign_up`]: sign-up, its confirmation and the password reset; [`mfa`]: a user's MFA settings
//!     (TOTP software tokens, the SMS and email factors).
//! 12. [`sign_in`]: the sign-in flows and their challenges (the MFA step, SELECT_MFA_TYPE, MFA_SETUP,
//!     PASSWORD_VERIFIER, USER_AUTH, NEW_PASSWORD_REQUIRED), shared by managed login and the JSON API.
//! 13. [`sigv4`]: SigV4 verification with the `aws-sigv4` signer (for DynamoDB).
//! 14. [`iam`]: identity-pool role resolution (default roles, `Token` and `Rules` role mappings,
//!     `CustomRoleArn`).
//! 15. [`federation`]: Cognito's side of federation: a provider's endpoints (OIDC discovery), the
//!     back channel (ID token verification, Facebook's `/me`), federated and linked users.
//!     [`passkeys`]: the WebAuthn relying party (webauthn-rs-core): the passkey operations and
//!     USER_AUTH's WEB_AUTHN challenge, which `user_pool` and `self_service` hand over.
//! 16. One module per API; they do not use each other:
//!    - [`oauth`]: managed login (authorize, the sign-in page) and the OAuth 2.0 / OIDC endpoints,
//!      discovery, JWKS;
//!    - [`user_pool`]: the user-pool JSON API (InitiateAuth, GetTokensFromRefreshToken, RevokeToken, ...);
//!    - [`my_account`]: the user-pool operations on the signed-in user's own account
//!      (UpdateUserAttributes, VerifyUserAttribute, ChangePassword, DeleteUser, ...);
//!    - [`self_service`]: the user-pool JSON API's self-service operations (SignUp, ConfirmSignUp,
//!      ForgotPassword, the TOTP operations, RespondToAuthChallenge);
//!    - [`identity_pool`]: the identity-pool JSON API (GetId, GetCredentialsForIdentity);
//!    - [`s3`]: S3 on its own port (SigV4, the role's policy, by default `private/<identityId>/`, CORS);
//!    - [`dynamodb`]: DynamoDB on its own port (SigV4, the role's LeadingKeys policy, items in redb),
//!      with DynamoDB's data and expression language in its submodules (`dynamodb/`: numbers, typed
//!      values, document paths, the expression parser, conditions, updates, projections, key
//!      conditions), which use no other devstack module;
//!    - [`local_idp`]: the local identity providers: the one that plays Google (`/_google/*`), and
//!      those of `[[local_idps]]` (`/_idp/<slug>/*`: an OIDC provider, a Facebook).
//! 17. [`login_pages`]: managed login's other pages, on top of `oauth`'s authorize checks: sign-up and
//!     confirmation, forgot password, the MFA step (the choice of a factor, the code), the return from an identity provider;
//!     [`passkey_pages`]: passkeys in managed login (sign-in on `/login`, Cognito's `/passkeys/add`).
//! 18. [`dispatch`]: `POST /`, routed on `X-Amz-Target` to `my_account`, `passkeys`, `self_service`,
//!     `user_pool` or `identity_pool`.
//! 19. [`admin`]: the `/_devstack/*` knob endpoints and the fault-injection and logging middleware.
//! 20. This file: [`start`] builds the three routers and serves them.

pub mod admin;
pub mod codes;
pub mod config;
pub mod dispatch;
pub mod dynamodb;
pub mod federation;
pub mod html;
pub mod iam;
pub mod identity_pool;
pub mod ids;
pub mod keys;
pub mod knobs;
pub mod local_idp;
pub mod login_pages;
pub mod mfa;
pub mod my_account;
pub mod oauth;
pub mod passkey_pages;
pub mod passkeys;
pub mod passwords;
pub mod s3;
pub mod self_service;
pub mod sign_in;
pub mod sign_up;
pub mod sigv4;
pub mod srp;
pub mod state;
pub mod tokens;
pub mod triggers;
pub mod user_pool;
pub mod users;
pub mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::http::{header, HeaderName, Method};
use axum::routing::post;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

pub use config::Config;
pub use knobs::{Fault, Knobs};
use state::{App, Memory, Shared};

/// How to start devstack.
pub struct Options {
    pub config: Config,
    pub data_dir: PathBuf,
    /// Delete the data directory's contents first.
    pub reset: bool,
    /// Override the configured ports (0 = any free port).
    pub cognito_port: Option<u16>,
    pub s3_port: Option<u16>,
    pub dynamodb_port: Option<u16>,
    /// Start values of the test knobs.
    pub knobs: Knobs,
    pub log_requests: bool,
}

impl Options {
    pub fn new(config: Config, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            config,
            data_dir: data_dir.into(),
            reset: false,
            cognito_port: None,
            s3_port: None,
            dynamodb_port: None,
            knobs: Knobs::default(),
            log_requests: true,
        }
    }
}

/// A running devstack.
pub struct Running {
    pub app: Shared,
    pub cognito_addr: SocketAddr,
    pub s3_addr: SocketAddr,
    pub dynamodb_addr: SocketAddr,
    /// `http://<public_host>:<port>` of each listener.
    pub cognito_url: String,
    pub s3_url: String,
    pub dynamodb_url: String,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops the listeners, letting requests in flight finish.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }

    pub fn issuer(&self, pool_id: &str) -> String {
        self.app.issuer(pool_id)
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<_> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("x-amzn-errortype"),
            HeaderName::from_static("x-amzn-requestid"),
            HeaderName::from_static(iam::ROLE_HEADER),
            header::DATE,
            header::WWW_AUTHENTICATE,
        ])
        .max_age(Duration::from_secs(600))
}

/// CORS of the DynamoDB port: the same origins, the headers the AWS SDKs send.
fn dynamodb_cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<_> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    let allow = [
        "authorization",
        "content-type",
        "x-amz-content-sha256",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-target",
        "x-amz-user-agent",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
    ];
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allow.map(HeaderName::from_static))
        .expose_headers([
            HeaderName::from_static("x-amzn-requestid"),
            HeaderName::from_static("x-amz-crc32"),
            header::DATE,
        ])
        .max_age(Duration::from_secs(600))
}

/// Binds the listeners and serves until [`Running::stop`].
pub async fn start(opts: Options) -> anyhow::Result<Running> {
    let config = opts.config;
    config.validate()?;
    if opts.reset && opts.data_dir.exists() {
        for entry in std::fs::read_dir(&opts.data_dir)? {
            let p = entry?.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p)?;
            } else {
                std::fs::remove_file(&p)?;
            }
        }
    }
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("creating {}", opts.data_dir.display()))?;
    let bind = &config.server.bind;
    let cognito_listener = TcpListener::bind((
        bind.as_str(),
        opts.cognito_port.unwrap_or(config.server.cognito_port),
    ))
    .await
    .with_context(|| format!("binding the Cognito port on {bind}"))?;
    let s3_listener =
        TcpListener::bind((bind.as_str(), opts.s3_port.unwrap_or(config.server.s3_port)))
            .await
            .with_context(|| format!("binding the S3 port on {bind}"))?;
    let dynamodb_listener = TcpListener::bind((
        bind.as_str(),
        opts.dynamodb_port.unwrap_or(config.server.dynamodb_port),
    ))
    .await
    .with_context(|| format!("binding the DynamoDB port on {bind}"))?;
    let cognito_addr = cognito_listener.local_addr()?;
    let s3_addr = s3_listener.local_addr()?;
    let dynamodb_addr = dynamodb_listener.local_addr()?;
    let dynamodb_url = format!(
        "http://{}:{}",
        config.server.public_host,
        dynamodb_addr.port()
    );
    let base_url = format!(
        "http://{}:{}",
        config.server.public_host,
        cognito_addr.port()
    );
    let s3_url = format!("http://{}:{}", config.server.public_host, s3_addr.port());

    let mut keys = HashMap::new();
    for pool in &config.user_pools {
        let dir = opts.data_dir.join("keys").join(&pool.id);
        keys.insert(pool.id.clone(), keys::PoolKeys::load_or_create(&dir)?);
    }
    let mut idp_keys = HashMap::new();
    if config.google.is_some() {
        let path = opts
            .data_dir
            .join("keys")
            .join("_google")
            .join("signing.pem");
        idp_keys.insert("google".to_string(), keys::load_or_create_key(&path)?);
    }
    for l in config.local_idps.iter().filter(|l| l.protocol == "oidc") {
        let dir = format!("_idp_{}", l.slug);
        let path = opts.data_dir.join("keys").join(dir).join("signing.pem");
        idp_keys.insert(l.slug.clone(), keys::load_or_create_key(&path)?);
    }
    let store = state::load_store(&opts.data_dir, &config)?;
    state::save_store(&opts.data_dir, &store)?;
    let tables = dynamodb::open(&opts.data_dir)?;

    let app: Shared = Arc::new(App {
        config: config.clone(),
        data_dir: opts.data_dir.clone(),
        base_url: base_url.clone(),
        s3_url: s3_url.clone(),
        keys,
        store: Mutex::new(store),
        mem: Mutex::new(Memory::default()),
        knobs: Mutex::new(opts.knobs),
        log_requests: opts.log_requests,
        idp_keys,
    });
    triggers::provision(&app, &dynamodb_url);

    let cognito = oauth::router()
        .merge(login_pages::router())
        .merge(passkey_pages::router())
        .merge(local_idp::router())
        .merge(admin::admin_router())
        .route("/", post(dispatch::dispatch))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::cognito_faults,
        ))
        .layer(cors(&config.server.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::cognito_log,
        ))
        .with_state(app.clone());
    let s3 = s3::router(app.clone()).layer(axum::middleware::from_fn_with_state(
        app.clone(),
        admin::s3_layer,
    ));
    let dynamodb = dynamodb::router(app.clone(), tables)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::dynamodb_faults,
        ))
        .layer(dynamodb_cors(&config.server.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            admin::dynamodb_log,
        ));

    let (tx, rx) = watch::channel(false);
    let serve = |listener: TcpListener, router: Router, mut rx: watch::Receiver<bool>| {
        tokio::spawn(async move {
            let signal = async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(signal)
                .await
            {
                eprintln!("devstack: server error: {e}");
            }
        })
    };
    let tasks = vec![
        serve(cognito_listener, cognito, rx.clone()),
        serve(s3_listener, s3, rx.clone()),
        serve(dynamodb_listener, dynamodb, rx),
    ];
    Ok(Running {
        app,
        cognito_addr,
        s3_addr,
        dynamodb_addr,
        cognito_url: base_url,
        s3_url,
        dynamodb_url,
        shutdown: tx,
        tasks,
    })
}
