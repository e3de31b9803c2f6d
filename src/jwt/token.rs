//! Splitting a compact JWS into its parts and checking the shape of header and claims.
//!
//! Nothing here is trusted: the verifier checks the signature before any claim is believed.

use crate::error::{malformed, Error, ErrorKind, Result};
use crate::json::{Number, Object, Value};

/// The claims of a token: its payload as a JSON object (numbers keep their exact text).
pub type Claims = Object;

/// The longest token accepted, in bytes. Cognito's tokens are a few KB; the bound keeps the work done
/// on an unverified token small.
pub const MAX_TOKEN_LENGTH: usize = 32 * 1024;

/// A token split into its parts, with header and payload decoded and type-checked (not yet verified).
#[derive(Debug)]
pub(crate) struct Decomposed<'a> {
    pub alg: String,
    pub kid: Option<String>,
    pub claims: Claims,
    pub signing_input: &'a str,
    pub signature: &'a str,
}

/// Splits `token` into three base64url segments and decodes header and payload as JSON objects.
pub(crate) fn decompose(token: &str) -> Result<Decomposed<'_>> {
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(malformed("the token is longer than 32 KB"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a JWT has three dot-separated segments"));
    };
    if s.is_empty() || !s.bytes().all(is_base64url) {
        return Err(malformed("the signature segment is not base64url"));
    }
    let header = decode_object(h, "header")?;
    let claims = decode_object(p, "payload")?;

    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.clone(),
        Some(_) => return Err(malformed("header alg must be a string")),
        None => return Err(Error::new(ErrorKind::JwtAlg, "the header has no alg")),
    };
    let kid = match header.get("kid") {
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(malformed("header kid must be a string")),
        None => None,
    };
    check_claim_types(&claims)?;
    Ok(Decomposed {
        alg,
        kid,
        claims,
        signing_input: &token[..h.len() + 1 + p.len()],
        signature: s,
    })
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn decode_object(segment: &str, what: &str) -> Result<Claims> {
    // The decoder refuses any character outside the alphabet; an empty segment decodes, but is no object.
    let bytes = crate::base64url::decode(segment.as_bytes())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| malformed(format!("the {what} segment is not base64url")))?;
    match Value::parse_bytes(&bytes) {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(malformed(format!("the {what} is not a JSON object"))),
    }
}

/// Claims whose type is fixed by RFC 7519 or by Cognito.
fn check_claim_types(claims: &Claims) -> Result<()> {
    const NUMBERS: [&str; 4] = ["exp", "nbf", "iat", "auth_time"];
    const STRINGS: [&str; 10] = [
        "iss",
        "sub",
        "token_use",
        "client_id",
        "scope",
        "nonce",
        "jti",
        "origin_jti",
        "username",
        "cognito:username",
    ];
    if !claims.contains_key("exp") {
        return Err(malformed("the token has no exp claim"));
    }
    for name in NUMBERS {
        if let Some(v) = claims.get(name) {
            if v.as_number().and_then(Number::as_whole_u64).is_none() {
                return Err(malformed(format!(
                    "claim {name} must be a non-negative number of seconds"
                )));
            }
        }
    }
    for name in STRINGS {
        if claims.get(name).is_some_and(|v| !v.is_string()) {
            return Err(malformed(format!("claim {name} must be a string")));
        }
    }
    match claims.get("aud") {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(_) => {
            return Err(malformed(
                "claim aud must be a string or an array of strings",
            ))
        }
    }
    match claims.get("cognito:groups") {
        None => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(_) => {
            return Err(malformed(
                "claim cognito:groups must be an array of strings",
            ))
        }
    }
    Ok(())
}

/// The claims of `token` without any verification, for reading `iat` before the verifier runs.
/// Never trust what this returns.
pub(crate) fn peek_claims(token: &str) -> Result<Claims> {
    decompose(token).map(|d| d.claims)
}

/// A numeric claim as whole seconds (a fraction, which RFC 7519 allows, is truncated).
pub(crate) fn seconds(claims: &Claims, name: &str) -> Option<u64> {
    claims
        .get(name)
        .and_then(Value::as_number)
        .and_then(Number::as_whole_u64)
}

/// A string claim.
pub(crate) fn string<'a>(claims: &'a Claims, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// The strings of an array claim (or of a single string claim).
pub(crate) fn strings<'a>(claims: &'a Claims, name: &str) -> Vec<&'a str> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        crate::base64url::encode(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(payload))
    }

    #[test]
    fn splits_a_well_formed_token() {
        let t = token(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"exp":10,"aud":["a","b"]}"#,
        );
        let d = decompose(&t).unwrap();
        assert_eq!(d.alg, "RS256");
        assert_eq!(d.kid.as_deref(), Some("k1"));
        assert_eq!(seconds(&d.claims, "exp"), Some(10));
        assert_eq!(strings(&d.claims, "aud"), ["a", "b"]);
        assert_eq!(d.signature, "c2ln");
        assert_eq!(format!("{}.{}", d.signing_input, d.signature), t);
    }

    #[test]
    fn rejects_malformed_tokens() {
        let ok_h = b64(r#"{"alg":"RS256"}"#);
        let ok_p = b64(r#"{"exp":1}"#);
        let cases = [
            String::new(),
            "a.b".into(),
            format!("{ok_h}.{ok_p}"),
            format!("{ok_h}.{ok_p}.sig.extra"),
            format!("{ok_h}.{ok_p}."),
            format!("{ok_h}.{ok_p}.si+g"),
            format!("{ok_h}=.{ok_p}.sig"),
            format!(".{ok_p}.sig"),
            format!("{}.{ok_p}.sig", b64("[1]")),
            format!("{}.{ok_p}.sig", b64("not json")),
            format!("{ok_h}.{}.sig", b64("\"str\"")),
            format!("{ok_h}.{}.sig", b64("{}")),
            format!("{ok_h}.{}.sig", b64(r#"{"exp":"1"}"#)),
            format!("{ok_h}.{}.sig", b64(r#"{"exp":-1}"#)),
            format!("{ok_h}.{}.sig", b64(r#"{"exp":1,"nbf":"0"}"#)),
            format!("{ok_h}.{}.sig", b64(r#"{"exp":1,"iss":5}"#)),
            format!("{ok_h}.{}.sig", b64(r#"{"exp":1,"aud":[1]}"#)),
            format!(
                "{ok_h}.{}.sig",
                b64(r#"{"exp":1,"cognito:groups":"admin"}"#)
            ),
            format!("{ok_h}.{}.sig", b64(r#"{"exp":1,"token_use":null}"#)),
            format!("{}.{ok_p}.sig", b64(r#"{"alg":"RS256","kid":7}"#)),
        ];
        for t in cases {
            let err = decompose(&t).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::JwtMalformed, "{t}: {err}");
        }
    }

    #[test]
    fn numeric_dates_may_have_a_fraction() {
        let t = token(r#"{"alg":"RS256"}"#, r#"{"exp":1300819380.75,"iat":5}"#);
        let d = decompose(&t).unwrap();
        assert_eq!(seconds(&d.claims, "exp"), Some(1_300_819_380));
        let t = token(r#"{"alg":"RS256"}"#, r#"{"exp":1.3E9}"#);
        assert_eq!(
            seconds(&decompose(&t).unwrap().claims, "exp"),
            Some(1_300_000_000)
        );
        for bad in [
            r#"{"exp":-1}"#,
            r#"{"exp":-0.5}"#,
            r#"{"exp":18446744073709551616}"#,
        ] {
            let t = token(r#"{"alg":"RS256"}"#, bad);
            assert_eq!(
                decompose(&t).unwrap_err().kind(),
                ErrorKind::JwtMalformed,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_oversized_token_is_malformed() {
        let t = token(
            r#"{"alg":"RS256"}"#,
            &format!(r#"{{"exp":1,"x":"{}"}}"#, "a".repeat(MAX_TOKEN_LENGTH)),
        );
        assert_eq!(decompose(&t).unwrap_err().kind(), ErrorKind::JwtMalformed);
    }

    #[test]
    fn a_header_without_alg_is_an_alg_error() {
        let t = token(r#"{"kid":"k"}"#, r#"{"exp":1}"#);
        assert_eq!(decompose(&t).unwrap_err().kind(), ErrorKind::JwtAlg);
    }
}
