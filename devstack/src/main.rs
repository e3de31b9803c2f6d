//! The devstack binary: parses flags, starts the servers, prints where they are, stops on SIGINT/SIGTERM.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use devstack::{Config, Fault, Knobs, Options};

#[derive(Parser, Debug)]
#[command(
    name = "devstack",
    version,
    about = "A local Amazon Cognito (and SigV4-verifying S3 and DynamoDB) for development and tests"
)]
struct Cli {
    /// Configuration file (TOML). Default: the built-in devstack.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where keys, users, tokens, identities, S3 objects and DynamoDB items persist.
    #[arg(long, default_value = ".devstack")]
    data_dir: PathBuf,
    /// Start with an empty data directory.
    #[arg(long)]
    reset: bool,
    /// Port of the Cognito side (0 = any free port). Default from the config (9230).
    #[arg(long)]
    cognito_port: Option<u16>,
    /// Port of the S3 side (0 = any free port). Default from the config (9231).
    #[arg(long)]
    s3_port: Option<u16>,
    /// Port of the DynamoDB side (0 = any free port). Default from the config (9232).
    #[arg(long)]
    dynamodb_port: Option<u16>,
    /// Print the default configuration and exit.
    #[arg(long)]
    print_default_config: bool,
    /// Do not log one line per request.
    #[arg(long)]
    quiet: bool,
    /// Knob: ID and access token lifetime in seconds (overrides every app client).
    #[arg(long)]
    token_lifetime: Option<u64>,
    /// Knob: refresh token lifetime in seconds.
    #[arg(long)]
    refresh_lifetime: Option<u64>,
    /// Knob: authorization code lifetime in seconds.
    #[arg(long)]
    code_lifetime: Option<u64>,
    /// Knob: managed-login session cookie lifetime in seconds.
    #[arg(long)]
    session_lifetime: Option<u64>,
    /// Knob: identity-pool credentials lifetime in seconds.
    #[arg(long)]
    credentials_lifetime: Option<u64>,
    /// Knob: server clock offset in seconds (may be negative: --clock-offset=-600).
    #[arg(long, allow_hyphen_values = true)]
    clock_offset: Option<i64>,
    /// Knob: inject a failure, `endpoint:status[:count[:latencyMs]]` (repeatable), e.g. `token:500:2`.
    #[arg(long = "fault")]
    faults: Vec<Fault>,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    if cli.print_default_config {
        print!("{}", devstack::config::DEFAULT_CONFIG);
        return Ok(());
    }
    let config = match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::default_config(),
    };
    let mut knobs = Knobs {
        clock_offset: cli.clock_offset.unwrap_or(0),
        faults: cli.faults.clone(),
        ..Knobs::default()
    };
    knobs.lifetimes.access_token_seconds = cli.token_lifetime;
    knobs.lifetimes.id_token_seconds = cli.token_lifetime;
    knobs.lifetimes.refresh_token_seconds = cli.refresh_lifetime;
    knobs.lifetimes.code_seconds = cli.code_lifetime;
    knobs.lifetimes.session_seconds = cli.session_lifetime;
    knobs.lifetimes.credentials_seconds = cli.credentials_lifetime;
    let opts = Options {
        config: config.clone(),
        data_dir: cli.data_dir.clone(),
        reset: cli.reset,
        cognito_port: cli.cognito_port,
        s3_port: cli.s3_port,
        dynamodb_port: cli.dynamodb_port,
        knobs,
        log_requests: !cli.quiet,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    rt.block_on(async move {
        let running = devstack::start(opts).await?;
        println!(
            "devstack: cognito {} s3 {} dynamodb {}",
            running.cognito_url, running.s3_url, running.dynamodb_url
        );
        for pool in &config.user_pools {
            println!(
                "devstack: user pool {} issuer {}",
                pool.id,
                running.issuer(&pool.id)
            );
            for c in &pool.clients {
                println!(
                    "devstack:   app client {} ({})",
                    c.id,
                    if c.refresh_token_rotation {
                        "rotation on"
                    } else {
                        "rotation off"
                    }
                );
            }
            for u in &pool.users {
                let temporary = if u.force_change_password {
                    " (temporary: NEW_PASSWORD_REQUIRED)"
                } else {
                    ""
                };
                println!(
                    "devstack:   user {} / {}{temporary}",
                    u.username, u.password
                );
            }
        }
        if let Some(g) = &config.google {
            let accounts: Vec<&str> = g.accounts.iter().map(|a| a.email.as_str()).collect();
            println!(
                "devstack: google {}/_google (accounts {})",
                running.cognito_url,
                accounts.join(", ")
            );
        }
        for l in &config.local_idps {
            let accounts: Vec<&str> = l.accounts.iter().map(|a| a.email.as_str()).collect();
            println!(
                "devstack: {} ({}) {}/_idp/{} (accounts {})",
                l.slug,
                l.brand,
                running.cognito_url,
                l.slug,
                accounts.join(", ")
            );
        }
        for ip in &config.identity_pools {
            println!(
                "devstack: identity pool {}{}",
                ip.id,
                if ip.allow_unauthenticated {
                    " (guests allowed)"
                } else {
                    ""
                }
            );
        }
        for b in &config.buckets {
            println!("devstack: bucket {}/{}/", running.s3_url, b.name);
        }
        for t in &config.dynamodb_tables {
            let sort = t
                .sort_key
                .as_ref()
                .map(|k| format!(", sort key {k} ({})", t.sort_key_type))
                .unwrap_or_default();
            println!(
                "devstack: table {} (partition key {} ({}){sort}) at {}",
                t.name, t.partition_key, t.partition_key_type, running.dynamodb_url
            );
        }
        println!("devstack: data in {}", cli.data_dir.display());
        println!("devstack: ready in {} ms", started.elapsed().as_millis());
        shutdown_signal().await;
        println!("devstack: shutting down");
        running.stop().await;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
