//! SigV4 verification for devstack's AWS JSON services (DynamoDB; S3 has its own in `s3s`): reads the
//! `Authorization` header and recomputes the signature with AWS's own signer, the `aws-sigv4` crate from
//! smithy-rs, over the request as it arrived (method, path, query, the headers listed in `SignedHeaders`,
//! the hash of the body) with the secret of the access key, then compares. Which key, which secret and
//! whether the credentials are still good is the caller's business.

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use axum::http::HeaderMap;

/// How far the request time may be from the server's real clock (as AWS allows).
pub const MAX_SKEW_SECONDS: u64 = 15 * 60;

/// The parts of an `AWS4-HMAC-SHA256` Authorization header.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub access_key: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    pub region: String,
    pub service: String,
    /// Lower case, as listed.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Why a request's signature is refused; [`SigError::ty`] and [`SigError::message`] give AWS's error.
#[derive(Debug, Clone, PartialEq)]
pub enum SigError {
    /// No Authorization header.
    Missing,
    /// The header or the date is malformed or incomplete.
    Incomplete(String),
    /// The credential scope does not fit (date, region, service).
    Scope(String),
    /// The request time is too far from the server clock.
    Skew(String),
    /// The signature is not the one the secret gives.
    Mismatch,
}

impl SigError {
    /// The `__type` of the AWS JSON error.
    pub fn ty(&self) -> &'static str {
        match self {
            SigError::Missing => "com.amazon.coral.service#MissingAuthenticationTokenException",
            SigError::Incomplete(_) => "com.amazon.coral.service#IncompleteSignatureException",
            SigError::Scope(_) | SigError::Skew(_) | SigError::Mismatch => {
                "com.amazon.coral.service#InvalidSignatureException"
            }
        }
    }

    pub fn message(&self) -> String {
        match self {
            SigError::Missing => "Request is missing Authentication Token".into(),
            SigError::Incomplete(m) | SigError::Scope(m) | SigError::Skew(m) => m.clone(),
            SigError::Mismatch => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
        }
    }
}

/// Parses `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request,
/// SignedHeaders=a;b, Signature=<hex>`.
pub fn parse_authorization(headers: &HeaderMap) -> Result<Authorization, SigError> {
    let Some(value) = headers.get("authorization") else {
        return Err(SigError::Missing);
    };
    let value = value
        .to_str()
        .map_err(|_| SigError::Incomplete("Authorization header is not ASCII".into()))?;
    let incomplete = |what: &str| {
        SigError::Incomplete(format!(
            "Authorization header requires '{what}' parameter. Authorization={value}"
        ))
    };
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(SigError::Incomplete(format!(
            "Unsupported Authorization Type: only AWS4-HMAC-SHA256 is supported. Authorization={value}"
        )));
    };
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let credential = credential.ok_or_else(|| incomplete("Credential"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope[..] else {
        return Err(SigError::Incomplete(format!(
            "Credential should be of the form <key>/<date>/<region>/<service>/aws4_request, not {credential}"
        )));
    };
    Ok(Authorization {
        access_key: access_key.into(),
        date: date.into(),
        region: region.into(),
        service: service.into(),
        signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
        signature: signature.into(),
    })
}

/// `YYYYMMDDTHHMMSSZ` → epoch seconds.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let month = time::Month::try_from(num(4..6)? as u8).ok()?;
    let date = time::Date::from_calendar_date(num(0..4)? as i32, month, num(6..8)? as u8).ok()?;
    let t = date
        .with_hms(num(9..11)? as u8, num(11..13)? as u8, num(13..15)? as u8)
        .ok()?;
    Some(t.assume_utc().unix_timestamp())
}

fn amz_date(secs: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Verifies the signature of a request (`path_and_query` as received) against `secret`, at the real
/// time `now` (epoch seconds).
pub fn verify(
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    auth: &Authorization,
    secret: &str,
    now: i64,
) -> Result<(), SigError> {
    let Some(date) = headers.get("x-amz-date").and_then(|v| v.to_str().ok()) else {
        return Err(SigError::Incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .into(),
        ));
    };
    let Some(at) = parse_amz_date(date) else {
        return Err(SigError::Incomplete(format!(
            "X-Amz-Date must be in the ISO8601 basic format (YYYYMMDD'T'HHMMSS'Z'), not {date}"
        )));
    };
    if !date.starts_with(&auth.date) || auth.date.len() != 8 {
        return Err(SigError::Scope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{date}'.",
            auth.date,
            &date[..8]
        )));
    }
    let skew = MAX_SKEW_SECONDS as i64;
    if at < now - skew {
        return Err(SigError::Skew(format!(
            "Signature expired: {date} is now earlier than {} ({} - 15 min.)",
            amz_date(now - skew),
            amz_date(now)
        )));
    }
    if at > now + skew {
        return Err(SigError::Skew(format!(
            "Signature not yet current: {date} is still later than {} ({} + 15 min.)",
            amz_date(now + skew),
            amz_date(now)
        )));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(SigError::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    // Exactly the signed headers, as received (several values of one name are joined by the signer).
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in &auth.signed_headers {
        for v in headers.get_all(name.as_str()) {
            signed.push((name.as_str(), v.to_str().map_err(|_| SigError::Mismatch)?));
        }
    }
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .ok_or(SigError::Mismatch)?;
    // The signer adds x-amz-security-token itself when the identity has a session token: give it the
    // one the request signed (the caller checks it is the right one), or none when it was not signed.
    let token = auth
        .signed_headers
        .iter()
        .any(|h| h == "x-amz-security-token")
        .then(|| headers.get("x-amz-security-token"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let identity: Identity =
        Credentials::new(&auth.access_key, secret, token, None, "devstack").into();
    let mut settings = SigningSettings::default();
    // Only the signed headers are handed over; none of them is to be dropped.
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(UNIX_EPOCH + Duration::from_secs(at.max(0) as u64))
        .settings(settings)
        .build()
        .map_err(|_| SigError::Mismatch)?
        .into();
    let request = SignableRequest::new(
        method,
        format!("http://{host}{path_and_query}"),
        signed.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|_| SigError::Mismatch)?;
    let expected = sign(request, &params).map_err(|_| SigError::Mismatch)?;
    if expected.signature() != auth.signature {
        return Err(SigError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use axum::http::{HeaderName, HeaderValue};

    use super::*;

    /// A raw request of the AWS SigV4 test suite: (method, path and query, headers, body).
    fn parse_raw(text: &str) -> (String, String, HeaderMap, Vec<u8>) {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let first = lines.next().unwrap();
        let method = first.split(' ').next().unwrap().to_string();
        let target = first[method.len() + 1..first.rfind(" HTTP/").unwrap()].to_string();
        let mut headers = HeaderMap::new();
        let mut last: Option<HeaderName> = None;
        for line in lines {
            if line.starts_with(' ') || line.starts_with('\t') {
                // A folded value continues the previous header (get-header-value-multiline).
                let name = last.clone().unwrap();
                let prev = headers.remove(&name).unwrap();
                let joined = format!("{} {}", prev.to_str().unwrap(), line.trim());
                headers.insert(name, HeaderValue::from_str(&joined).unwrap());
                continue;
            }
            let (k, v) = line.split_once(':').unwrap();
            let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap();
            headers.append(name.clone(), HeaderValue::from_str(v).unwrap());
            last = Some(name);
        }
        (method, target, headers, body.as_bytes().to_vec())
    }

    /// Every header-signed request of the suite (cases with normalised paths, as every service but S3
    /// signs) verifies with the suite's secret, and fails with another secret or another body.
    #[test]
    fn verifies_the_aws_signing_test_suite() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigv4");
        let mut checked = 0;
        for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        {
            let dir = entry.unwrap().path();
            let Ok(context) = std::fs::read_to_string(dir.join("context.json")) else {
                continue;
            };
            let context: serde_json::Value = serde_json::from_str(&context).unwrap();
            let Ok(raw) = std::fs::read_to_string(dir.join("header-signed-request.txt")) else {
                continue;
            };
            if context["normalize"] == false {
                continue;
            }
            let (method, raw_target, headers, body) = parse_raw(&raw);
            // On the wire the target is percent-encoded. Services other than S3 sign that encoded path
            // encoded once more (aws-sigv4's default), where the suite encodes the raw path once: skip
            // the cases whose path needs encoding.
            const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');
            let target = percent_encoding::utf8_percent_encode(&raw_target, SET).to_string();
            let path = |t: &str| t.split('?').next().unwrap_or("").to_string();
            if path(&target) != path(&raw_target) {
                continue;
            }
            let auth = parse_authorization(&headers).unwrap();
            let secret = context["credentials"]["secret_access_key"]
                .as_str()
                .unwrap();
            let now = parse_amz_date(headers["x-amz-date"].to_str().unwrap()).unwrap();
            let case = dir.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(
                verify(&method, &target, &headers, &body, &auth, secret, now),
                Ok(()),
                "{case}"
            );
            assert_eq!(
                verify(&method, &target, &headers, &body, &auth, "wrong", now),
                Err(SigError::Mismatch),
                "{case}"
            );
            assert_eq!(
                verify(
                    &method,
                    &target,
                    &headers,
                    b"other body",
                    &auth,
                    secret,
                    now
                ),
                Err(SigError::Mismatch),
                "{case}"
            );
            assert!(matches!(
                verify(&method, &target, &headers, &body, &auth, secret, now + 3600),
                Err(SigError::Skew(_))
            ));
            checked += 1;
        }
        eprintln!("sigv4 suite: {checked} header-signed cases verified");
        assert!(
            checked >= 25,
            "only {checked} cases of the suite were checked"
        );
    }

    #[test]
    fn refuses_incomplete_authorization() {
        let mut h = HeaderMap::new();
        assert_eq!(parse_authorization(&h), Err(SigError::Missing));
        h.insert("authorization", HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/dynamodb/aws4_request, Signature=00"));
        assert!(
            matches!(parse_authorization(&h), Err(SigError::Incomplete(m)) if m.contains("SignedHeaders"))
        );
        h.insert("authorization", HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/dynamodb/aws4_request, SignedHeaders=host;X-Amz-Date, Signature=00"));
        let a = parse_authorization(&h).unwrap();
        assert_eq!(
            (a.service.as_str(), a.signed_headers[1].as_str()),
            ("dynamodb", "x-amz-date")
        );
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
    }
}
