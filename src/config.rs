//! User-pool identifiers and the endpoints derived from them.

use crate::error::{config, quoted, Result};

/// A validated Cognito user-pool id such as `us-east-1_AbC123`.
///
/// The region is the part before the first `_`; it must look like an AWS region
/// (`us-east-1`, `eu-central-2`, `us-gov-west-1`), and the rest must be a non-empty
/// run of letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPoolId {
    id: String,
    region_len: usize,
}

impl UserPoolId {
    /// Parses and validates a user-pool id.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) naming `userPoolId` when the id is not of
    /// the form `<region>_<id>`.
    pub fn parse(id: &str) -> Result<Self> {
        let invalid = || {
            config(format!(
                "userPoolId: {} is not a user pool id of the form <region>_<id>, e.g. us-east-1_AbC123",
                quoted(id)
            ))
        };
        let (region, rest) = id.split_once('_').ok_or_else(invalid)?;
        if !is_region(region)
            || rest.is_empty()
            || !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(invalid());
        }
        Ok(Self {
            id: id.to_owned(),
            region_len: region.len(),
        })
    }

    /// The whole id.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The AWS region, e.g. `us-east-1`.
    pub fn region(&self) -> &str {
        &self.id[..self.region_len]
    }

    /// The issuer of the pool's tokens: `https://cognito-idp.<region>.amazonaws.com/<id>`.
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region(),
            self.id
        )
    }
}

/// `<issuer>/.well-known/jwks.json`, the key set of a pool with that issuer.
pub fn jwks_uri_for_issuer(issuer: &str) -> String {
    format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'))
}

/// An AWS region: dash-separated lower-case alphanumeric parts, at least three, the last all digits.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Validates that `url` is an absolute `https:` URL, or `http:` on a loopback host (local development).
pub(crate) fn check_url(field: &str, url: &str) -> Result<()> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(config(format!(
                "{field}: {} uses http:, which is only allowed for localhost",
                quoted(url)
            )));
        }
        rest
    } else {
        return Err(config(format!(
            "{field}: {} is not an absolute https: URL",
            quoted(url)
        )));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(config(format!("{field}: {} has no host", quoted(url))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn derives_region_and_issuer() {
        let id = UserPoolId::parse("us-east-1_AbC123").unwrap();
        assert_eq!(id.region(), "us-east-1");
        assert_eq!(
            id.issuer(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
        );
        assert_eq!(
            jwks_uri_for_issuer(&id.issuer()),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json"
        );
        assert_eq!(
            UserPoolId::parse("us-gov-west-1_x_Y").unwrap().region(),
            "us-gov-west-1"
        );
    }

    #[test]
    fn rejects_invalid_pool_ids() {
        for bad in [
            "",
            "us-east-1",
            "us-east-1_",
            "_abc",
            "useast1_abc",
            "us-east-x_abc",
            "US-EAST-1_abc",
            "us-east-1_ab/c",
            "us-east-1_ab c",
            "us--1_abc",
        ] {
            let err = UserPoolId::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad:?}");
            assert!(err.message().starts_with("userPoolId"), "{bad:?}");
        }
    }

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(check_url("jwksUri", "https://example.com/jwks.json").is_ok());
        assert!(check_url("jwksUri", "http://localhost:9230/x").is_ok());
        assert!(check_url("jwksUri", "http://127.0.0.1/x").is_ok());
        assert!(check_url("jwksUri", "http://[::1]:80/x").is_ok());
        for bad in [
            "http://example.com/x",
            "ftp://x",
            "https://",
            "https:///x",
            "jwks.json",
        ] {
            let err = check_url("jwksUri", bad).unwrap_err();
            assert!(err.message().starts_with("jwksUri"), "{bad}");
        }
    }
}
