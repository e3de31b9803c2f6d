//! AWS Signature Version 4 (SigV4): signed headers and presigned URLs, for S3 and any AWS API.
//!
//! Pure functions: no I/O, no clock. The caller passes the request as data ([`Request`]), the
//! credentials ([`Credentials`], from the identity pool) and the signing time in epoch seconds
//! ([`SigningParams::time`]); [`sign_headers`] returns the headers to add, [`presign_url`] returns a
//! URL that carries the signature in its query. Both also return the canonical request and the
//! string to sign, which is what to compare when a service answers `SignatureDoesNotMatch`.
//!
//! ```
//! use cognito_wasm::sigv4::{sign_headers, Credentials, Request, SigningParams, SigningSettings};
//! let creds = Credentials::new("AKIDEXAMPLE", "secret", Some("session-token".into()));
//! let headers = [("content-type".to_string(), "image/png".to_string())];
//! let req = Request {
//!     method: "PUT",
//!     url: "https://bucket.s3.us-east-1.amazonaws.com/private/us-east-1:0c1d/avatar.png",
//!     headers: &headers,
//!     body: b"\x89PNG...",
//! };
//! let params = SigningParams {
//!     service: "s3",
//!     region: "us-east-1",
//!     time: 1_700_000_000,
//!     settings: SigningSettings::s3(),
//! };
//! let signed = sign_headers(&req, &creds, &params)?;
//! let names: Vec<&str> = signed.headers.iter().map(|(name, _)| name.as_str()).collect();
//! assert_eq!(names, ["authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"]);
//! assert_eq!(signed.signed_headers, "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
//! # Ok::<(), cognito_wasm::Error>(())
//! ```
//!
//! # The URL
//! Give the URL as it goes on the wire, percent-encoded (what `new URL(u).href` returns in JS).
//! For S3 ([`SigningSettings::double_uri_encode`] `false`) each path segment is decoded and encoded
//! once, so `/a b`, `/a%20b`, `/a:b` and `/a%3Ab` sign as the object key they name. For the other
//! services the path is encoded once more, as SigV4 asks ("twice"). In the query, `+` is a plus
//! sign, not a space: write spaces as `%20`. A `#fragment` is not signed.
//!
//! # Headers
//! `host` is always signed and always taken from the URL (with its port when not the scheme's
//! default); a `host` header given by the caller is ignored. The signer owns `authorization`,
//! `x-amz-date`, `x-amz-content-sha256` and `x-amz-security-token`: values the caller passes for
//! them are ignored and the returned ones are to be sent. With
//! [`SigningSettings::skip_browser_headers`] (the default), the headers a browser sets or controls
//! itself ([`BROWSER_HEADERS`], plus any name starting with `proxy-` or `sec-`) are left unsigned
//! even when the caller passes them, since the browser may send another value or none.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};

/// The signing algorithm name, first word of the `Authorization` header and `X-Amz-Algorithm`.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash that says "the body is not signed" (S3 presigned URLs, streaming uploads).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The longest validity of a presigned URL that AWS accepts: 7 days, in seconds.
pub const MAX_EXPIRES_IN: u64 = 604_800;

/// Header names (lower case) that [`SigningSettings::skip_browser_headers`] leaves unsigned: the
/// Fetch standard's forbidden request headers, which a page cannot set (the browser sends its own
/// value, or none), and `user-agent`, which browsers set and rewrite. Names starting with `proxy-`
/// or `sec-` are skipped as well.
pub const BROWSER_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "via",
];

/// Header names the signer sets itself; caller values for them are ignored.
const OWNED_HEADERS: &[&str] = &[
    "host",
    "authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
];

pub use crate::secret::{Secret, SecretAccessKey, SessionToken};

/// AWS credentials, typically temporary ones from the identity pool's `GetCredentialsForIdentity`.
///
/// `Debug` shows the access key id (it is sent in clear in every request) and redacts the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id, e.g. `ASIA…` for temporary credentials.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretAccessKey,
    /// The session token of temporary credentials (`None` for long-term keys).
    pub session_token: Option<SessionToken>,
}

impl Credentials {
    /// Credentials from their three parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretAccessKey::new(secret_access_key),
            session_token: session_token.map(SessionToken::new),
        }
    }
}

/// What goes in the payload-hash line of the canonical request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadHash {
    /// The hex SHA-256 of [`Request::body`] (the empty body's hash when there is none).
    Body,
    /// The literal `UNSIGNED-PAYLOAD` ([`UNSIGNED_PAYLOAD`]): S3 only; the body is not covered.
    Unsigned,
    /// A value computed by the caller (a hex SHA-256, or another marker a service documents).
    Precomputed(String),
}

/// How to sign. [`Default`] suits every AWS service except S3; [`SigningSettings::s3`] and
/// [`SigningSettings::s3_presign`] suit S3; [`SigningSettings::for_service`] picks by service name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    /// Normalise the path before signing: remove `.` and `..` segments (RFC 3986
    /// remove_dot_segments) and collapse repeated slashes. Default `true`; `false` for S3, whose
    /// keys may contain `//` and `..`.
    pub normalize_path: bool,
    /// Encode the (already percent-encoded) path once more, as SigV4 asks of every service except
    /// S3. Default `true`; `false` for S3, where each segment is decoded and encoded exactly once.
    pub double_uri_encode: bool,
    /// The payload hash. Default [`PayloadHash::Body`].
    pub payload: PayloadHash,
    /// Add and sign an `x-amz-content-sha256` header carrying the payload hash (S3 requires it).
    /// Header signing only: presigned URLs never carry it. Default `false`; `true` for S3.
    pub content_sha256_header: bool,
    /// Leave the session token out of the signature and add it afterwards (as an unsigned
    /// `x-amz-security-token` header, or an unsigned `X-Amz-Security-Token` query parameter), as a
    /// few services require. Default `false`: the token is signed.
    pub omit_session_token: bool,
    /// How long a presigned URL stays valid, in seconds (1 to [`MAX_EXPIRES_IN`]). Presigning only.
    /// Default 900 (15 minutes).
    pub expires_in: u64,
    /// Leave unsigned the headers the browser controls ([`BROWSER_HEADERS`], `proxy-*`, `sec-*`)
    /// when the caller passes them. Default `true`. Set it to `false` only for requests that are
    /// not sent by a browser (test vectors, servers).
    pub skip_browser_headers: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            normalize_path: true,
            double_uri_encode: true,
            payload: PayloadHash::Body,
            content_sha256_header: false,
            omit_session_token: false,
            expires_in: 900,
            skip_browser_headers: true,
        }
    }
}

impl SigningSettings {
    /// Settings for S3 requests signed in headers: no path normalisation, single encoding, the
    /// body's SHA-256 as payload hash, sent in `x-amz-content-sha256`.
    pub fn s3() -> Self {
        Self {
            normalize_path: false,
            double_uri_encode: false,
            content_sha256_header: true,
            ..Self::default()
        }
    }

    /// Settings for S3 presigned URLs valid for `expires_in` seconds: as [`SigningSettings::s3`],
    /// with `UNSIGNED-PAYLOAD` as the payload hash (what S3 expects of query-signed requests).
    pub fn s3_presign(expires_in: u64) -> Self {
        Self {
            payload: PayloadHash::Unsigned,
            expires_in,
            ..Self::s3()
        }
    }

    /// [`SigningSettings::s3`] for the service `s3`, the [`Default`] for any other service.
    pub fn for_service(service: &str) -> Self {
        if service == "s3" {
            Self::s3()
        } else {
            Self::default()
        }
    }
}

/// Who signs for what, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningParams<'a> {
    /// The signing name of the service: `s3`, `execute-api`, `cognito-idp`, …
    pub service: &'a str,
    /// The region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing time, in seconds since the Unix epoch (UTC). AWS rejects requests more than
    /// 5 minutes away from its clock: pass a time corrected for the measured server offset.
    pub time: u64,
    /// How to sign.
    pub settings: SigningSettings,
}

/// The request to sign, as data.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method. `GET`, `HEAD`, `POST`, `PUT`, `DELETE` and `OPTIONS` are upper-cased (as
    /// `fetch` does); other methods are signed as given.
    pub method: &'a str,
    /// The absolute `http` or `https` URL, percent-encoded as sent (see the module docs).
    pub url: &'a str,
    /// The headers that will be sent, as (name, value) pairs, in order; repeated names are
    /// allowed. See the module docs for the headers that are ignored or left unsigned.
    pub headers: &'a [(String, String)],
    /// The body (empty for none). Hashed when [`SigningSettings::payload`] is [`PayloadHash::Body`].
    pub body: &'a [u8],
}

/// The result of [`sign_headers`]. The values that authorize the request are [`Secret`]s, redacted in
/// `Debug`: the header values, the signature and the canonical request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// The headers to add to the request, names in lower case: `authorization`, `x-amz-date`,
    /// then `x-amz-content-sha256` when [`SigningSettings::content_sha256_header`] is set, and
    /// `x-amz-security-token` when the credentials have a session token. They replace any header
    /// of the same name. The values (`value.expose()`) carry the signature and the session token.
    pub headers: Vec<(String, Secret)>,
    /// The signature, 64 lower-case hex digits: with the request, it authorizes it until it expires.
    pub signature: Secret,
    /// The signed header names, `;`-separated, as in the `Authorization` header.
    pub signed_headers: String,
    /// The canonical request that was signed (it contains the session token when that is signed).
    pub canonical_request: Secret,
    /// The string to sign.
    pub string_to_sign: String,
}

/// The result of [`presign_url`]. The URL, the signature and the canonical request are [`Secret`]s,
/// redacted in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    /// The presigned URL: the request URL with `X-Amz-Algorithm`, `X-Amz-Credential`,
    /// `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Expires`, `X-Amz-Security-Token` (with a
    /// session token) and `X-Amz-Signature` appended to its query. Anyone holding it can make the
    /// request until it expires (`url.expose()` is the URL).
    pub url: Secret,
    /// The signature, 64 lower-case hex digits.
    pub signature: Secret,
    /// The signed header names, `;`-separated (`host` unless the request has other headers to
    /// sign, which must then be sent with the URL).
    pub signed_headers: String,
    /// The canonical request that was signed (it contains the session token when that is signed).
    pub canonical_request: Secret,
    /// The string to sign.
    pub string_to_sign: String,
}

/// Signs `req` in headers (the `Authorization` header).
///
/// # Errors
/// [`ErrorKind::Config`] when the method is empty or not an HTTP token, the URL is not an absolute
/// `http`/`https` URL (or has user info or a bad port), a header name is not an HTTP token, the
/// service, region or access key id is empty or contains `/` or whitespace, or the time is
/// after the year 9999.
pub fn sign_headers(
    req: &Request<'_>,
    creds: &Credentials,
    params: &SigningParams<'_>,
) -> Result<SignedHeaders> {
    let s = &params.settings;
    let p = Prepared::new(req, creds, params)?;
    let mut headers = p.headers.clone();
    headers.push(("x-amz-date".into(), p.amz_date.clone()));
    if s.content_sha256_header {
        headers.push(("x-amz-content-sha256".into(), p.payload_hash.clone()));
    }
    let token = creds.session_token.as_ref().map(SessionToken::expose);
    if let (Some(token), false) = (token, s.omit_session_token) {
        headers.push(("x-amz-security-token".into(), token.to_owned()));
    }
    let (canonical_headers, signed_headers) = canonical_headers(headers);
    let mut pairs = query_pairs(p.url.query);
    let (canonical_request, string_to_sign, signature) =
        p.sign(creds, &mut pairs, &canonical_headers, &signed_headers);

    let authorization = format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.access_key_id, p.scope
    );
    let mut out = vec![
        ("authorization".to_owned(), authorization.into()),
        ("x-amz-date".to_owned(), p.amz_date.into()),
    ];
    if s.content_sha256_header {
        out.push(("x-amz-content-sha256".to_owned(), p.payload_hash.into()));
    }
    if let Some(token) = token {
        out.push(("x-amz-security-token".to_owned(), token.into()));
    }
    Ok(SignedHeaders {
        headers: out,
        signature: signature.into(),
        signed_headers,
        canonical_request: canonical_request.into(),
        string_to_sign,
    })
}

/// Signs `req` in its query string: a URL that anyone can use for the request until
/// [`SigningSettings::expires_in`] seconds after [`SigningParams::time`].
///
/// [`SigningSettings::content_sha256_header`] does not apply. For S3 use
/// [`SigningSettings::s3_presign`] (payload `UNSIGNED-PAYLOAD`).
///
/// # Errors
/// As [`sign_headers`], and [`ErrorKind::Config`] when `expires_in` is 0 or more than
/// [`MAX_EXPIRES_IN`], or the URL already carries an `X-Amz-Signature`.
pub fn presign_url(
    req: &Request<'_>,
    creds: &Credentials,
    params: &SigningParams<'_>,
) -> Result<PresignedUrl> {
    let s = &params.settings;
    if s.expires_in == 0 || s.expires_in > MAX_EXPIRES_IN {
        return Err(invalid(
            "sigv4: expires_in must be between 1 and 604800 seconds",
        ));
    }
    let p = Prepared::new(req, creds, params)?;
    let (canonical_headers, signed_headers) = canonical_headers(p.headers.clone());
    let mut pairs = query_pairs(p.url.query);
    if pairs.iter().any(|(k, _)| k == "X-Amz-Signature") {
        return Err(invalid("sigv4: the URL is already presigned"));
    }
    let credential = format!("{}/{}", creds.access_key_id, p.scope);
    let expires = s.expires_in.to_string();
    let token = creds.session_token.as_ref().map(SessionToken::expose);
    let mut added: Vec<(&str, &str)> = vec![
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", &p.amz_date),
        ("X-Amz-SignedHeaders", &signed_headers),
        ("X-Amz-Expires", &expires),
    ];
    if let Some(token) = token {
        added.push(("X-Amz-Security-Token", token));
    }
    for &(k, v) in &added {
        if k != "X-Amz-Security-Token" || !s.omit_session_token {
            pairs.push((encode(k.as_bytes(), false), encode(v.as_bytes(), false)));
        }
    }
    let (canonical_request, string_to_sign, signature) =
        p.sign(creds, &mut pairs, &canonical_headers, &signed_headers);

    let mut url = String::with_capacity(p.url.base.len() + 512);
    url.push_str(p.url.base);
    if !p.url.base.ends_with('?') {
        url.push(if p.url.query.is_empty() { '?' } else { '&' });
    }
    added.push(("X-Amz-Signature", &signature));
    for (i, (k, v)) in added.iter().enumerate() {
        if i > 0 {
            url.push('&');
        }
        url.push_str(k);
        url.push('=');
        encode_into(&mut url, v.as_bytes(), false);
    }
    url.push_str(p.url.fragment);
    Ok(PresignedUrl {
        url: url.into(),
        signature: signature.into(),
        signed_headers,
        canonical_request: canonical_request.into(),
        string_to_sign,
    })
}

/// What header and query signing share: validated inputs, dates, scope, payload hash, the
/// caller's headers to sign (host first).
struct Prepared<'a> {
    method: String,
    url: Url<'a>,
    amz_date: String,
    date: String,
    scope: String,
    payload_hash: String,
    headers: Vec<(String, String)>,
    canonical_uri: String,
    region: &'a str,
    service: &'a str,
}

impl<'a> Prepared<'a> {
    fn new(req: &Request<'a>, creds: &Credentials, params: &SigningParams<'a>) -> Result<Self> {
        let s = &params.settings;
        let method = method(req.method)?;
        let url = Url::parse(req.url)?;
        check_scope_part("service", params.service)?;
        check_scope_part("region", params.region)?;
        check_scope_part("access key id", &creds.access_key_id)?;
        let (amz_date, date) = amz_date(params.time)?;
        let scope = format!("{date}/{}/{}/aws4_request", params.region, params.service);
        let payload_hash = match &s.payload {
            PayloadHash::Body => hex(&Sha256::digest(req.body)),
            PayloadHash::Unsigned => UNSIGNED_PAYLOAD.to_owned(),
            PayloadHash::Precomputed(hash) => hash.clone(),
        };
        let mut headers = vec![("host".to_owned(), url.host.clone())];
        for (name, value) in req.headers {
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(invalid("sigv4: a header name is not a valid HTTP token"));
            }
            let browser = BROWSER_HEADERS.contains(&name.as_str())
                || name.starts_with("proxy-")
                || name.starts_with("sec-");
            if OWNED_HEADERS.contains(&name.as_str()) || (s.skip_browser_headers && browser) {
                continue;
            }
            headers.push((name, value.clone()));
        }
        let canonical_uri = canonical_uri(url.path, s.normalize_path, s.double_uri_encode);
        Ok(Self {
            method,
            url,
            amz_date,
            date,
            scope,
            payload_hash,
            headers,
            canonical_uri,
            region: params.region,
            service: params.service,
        })
    }

    /// Canonical request, string to sign and signature; `pairs` are the encoded query pairs.
    fn sign(
        &self,
        creds: &Credentials,
        pairs: &mut [(String, String)],
        canonical_headers: &str,
        signed_headers: &str,
    ) -> (String, String, String) {
        insertion_sort(pairs, |a, b| a <= b);
        let mut query = String::new();
        for (k, v) in pairs.iter() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(k);
            query.push('=');
            query.push_str(v);
        }
        let canonical_request = format!(
            "{}\n{}\n{query}\n{canonical_headers}\n{signed_headers}\n{}",
            self.method, self.canonical_uri, self.payload_hash
        );
        let string_to_sign = format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            hex(&Sha256::digest(canonical_request.as_bytes()))
        );
        let key = signing_key(
            creds.secret_access_key.expose(),
            &self.date,
            self.region,
            self.service,
        );
        let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
        (canonical_request, string_to_sign, signature)
    }
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::Config, message)
}

/// The derived signing key: HMAC chain `AWS4`+secret → date → region → service → `aws4_request`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut key = Vec::with_capacity(4 + secret.len());
    key.extend_from_slice(b"AWS4");
    key.extend_from_slice(secret.as_bytes());
    let k = hmac(&key, date.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    hmac(&k, b"aws4_request")
}

/// HMAC-SHA256 of `data` under `key` (SigV4's and SRP's).
pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// `(YYYYMMDD'T'HHMMSS'Z', YYYYMMDD)` of a time in epoch seconds.
fn amz_date(time: u64) -> Result<(String, String)> {
    // 9999-12-31T23:59:59Z: four-digit years only.
    if time > 253_402_300_799 {
        return Err(invalid("sigv4: the signing time is after the year 9999"));
    }
    let (y, m, d) = civil_from_days(time / 86_400);
    let secs = time % 86_400;
    let date = format!("{y:04}{m:02}{d:02}");
    let stamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    Ok((stamp, date))
}

/// Year, month (1–12), day (1–31) of a count of days since 1970-01-01 (Howard Hinnant's
/// civil_from_days, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// RFC 9110 token character.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn method(method: &str) -> Result<String> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(invalid("sigv4: the method is empty or not an HTTP token"));
    }
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    Ok(
        match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(method)) {
            Some(m) => (*m).to_owned(),
            None => method.to_owned(),
        },
    )
}

fn check_scope_part(what: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.bytes().any(|b| b == b'/' || b <= b' ' || b == 0x7f) {
        return Err(Error::new(
            ErrorKind::Config,
            format!("sigv4: the {what} is empty or contains '/' or whitespace"),
        ));
    }
    Ok(())
}

/// An absolute URL split into the parts signing needs.
#[derive(Debug, PartialEq, Eq)]
struct Url<'a> {
    /// The `host` header value: lower-case authority without a default port.
    host: String,
    /// The path as given (`/` when empty).
    path: &'a str,
    /// The query without `?` (empty when none).
    query: &'a str,
    /// The URL without its fragment.
    base: &'a str,
    /// The fragment with its `#`, or empty.
    fragment: &'a str,
}

impl<'a> Url<'a> {
    fn parse(url: &'a str) -> Result<Self> {
        let not_absolute = || invalid("sigv4: the URL is not an absolute http or https URL");
        let (base, fragment) = url.split_at(url.find('#').unwrap_or(url.len()));
        let (scheme, rest) = crate::http::split_scheme(base).ok_or_else(not_absolute)?;
        let default_port = if scheme.eq_ignore_ascii_case("https") {
            "443"
        } else if scheme.eq_ignore_ascii_case("http") {
            "80"
        } else {
            return Err(not_absolute());
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if authority.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(not_absolute());
        }
        if authority.contains('@') {
            return Err(invalid("sigv4: the URL must not contain user info (user@)"));
        }
        // The port follows the last ':' after the host name or the IPv6 literal `[…]`.
        let name_end = match authority.strip_prefix('[') {
            Some(v6) => v6.find(']').map(|i| i + 2).ok_or_else(not_absolute)?,
            None => authority.find(':').unwrap_or(authority.len()),
        };
        let (name, port) = authority.split_at(name_end);
        let port = match port.strip_prefix(':') {
            Some(port) => port,
            None if port.is_empty() => "",
            None => return Err(not_absolute()),
        };
        if name.is_empty() {
            return Err(not_absolute());
        }
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("sigv4: the URL's port is not a number"));
        }
        let mut host = name.to_ascii_lowercase();
        if !port.is_empty() && port != default_port {
            host.push(':');
            host.push_str(port);
        }
        let path_and_query = &rest[authority_end..];
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Ok(Self {
            host,
            path: if path.is_empty() { "/" } else { path },
            query,
            base,
            fragment,
        })
    }
}

/// Appends `bytes` percent-encoded: everything but the unreserved set `A-Z a-z 0-9 - . _ ~`
/// (and `/` when `keep_slash`) becomes `%XX` with upper-case hex.
fn encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(DIGITS[usize::from(b >> 4)] as char);
            out.push(DIGITS[usize::from(b & 15)] as char);
        }
    }
}

fn encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    encode_into(&mut out, bytes, keep_slash);
    out
}

/// Decodes `%XX` escapes (a `%` not followed by two hex digits stays as is; `+` stays `+`).
fn decode(s: &str) -> Vec<u8> {
    fn hex_value(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The canonical URI of a path given as on the wire.
fn canonical_uri(path: &str, normalize: bool, double_encode: bool) -> String {
    let normalized;
    let path = if normalize {
        normalized = normalize_path(path);
        normalized.as_str()
    } else {
        path
    };
    if double_encode {
        return encode(path.as_bytes(), true);
    }
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_into(&mut out, &decode(segment), false);
    }
    out
}

/// RFC 3986 remove_dot_segments on an absolute path, also collapsing repeated slashes.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    for segment in path.split('/') {
        trailing_slash = true;
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => {
                segments.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if trailing_slash || out.is_empty() {
        out.push('/');
    }
    out
}

/// The query's `(key, value)` pairs, each decoded then encoded with the SigV4 unreserved set
/// (`key` without `=` gives an empty value).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(&decode(k), false), encode(&decode(v), false))
        })
        .collect()
}

/// Sorts `items` stably by `in_order(a, b)` ("a may stay before b"). A request has a handful of headers
/// and query parameters, so an insertion sort is as fast as std's sort and links far less code into the
/// wasm (std's sort is ~4 KB gzipped).
fn insertion_sort<T>(items: &mut [T], in_order: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && !in_order(&items[j - 1], &items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// `(canonical headers block, signed header names)` of (lower-case name, value) pairs: values
/// trimmed with inner whitespace runs collapsed to one space, repeated names joined with `,` in
/// order, names sorted. The block ends with a newline.
fn canonical_headers(mut headers: Vec<(String, String)>) -> (String, String) {
    insertion_sort(&mut headers, |a, b| a.0 <= b.0); // stable: repeated names keep their order
    let mut block = String::new();
    let mut names = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &headers {
        if previous == Some(name.as_str()) {
            block.pop(); // the newline
            block.push(',');
        } else {
            if previous.is_some() {
                names.push(';');
            }
            names.push_str(name);
            block.push_str(name);
            block.push(':');
        }
        let mut first = true;
        for word in value
            .split([' ', '\t', '\r', '\n'])
            .filter(|w| !w.is_empty())
        {
            if !first {
                block.push(' ');
            }
            block.push_str(word);
            first = false;
        }
        block.push('\n');
        previous = Some(name);
    }
    (block, names)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
