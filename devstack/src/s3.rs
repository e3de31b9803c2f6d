//! S3 on its own port, path style (`/<bucket>/<key>`), on the `s3s` crate: s3s parses the S3 protocol and
//! verifies SigV4 (header-signed and presigned) with the secret of the access key; devstack adds the
//! checks that belong to temporary credentials (session token, expiry) and the policy of their role (by
//! default `private/<identityId>/`), stores objects on disk, lists them (ListObjectsV2), and answers CORS
//! per bucket.

use std::path::PathBuf;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use bytes::Bytes;
use futures::TryStreamExt;
use md5::{Digest, Md5};
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::dto::*;
use s3s::path::S3Path;
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{s3_error, S3Request, S3Response, S3Result};
use serde::{Deserialize, Serialize};

use crate::config::CorsRule;
use crate::state::Shared;
use crate::wire::xml_error;

/// The S3 port's router; `lib.rs` wraps it in `admin::s3_layer` (injected faults and the log line).
pub fn router(app: Shared) -> Router {
    let fs = Store { app: app.clone() };
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(Auth { app: app.clone() });
    builder.set_access(Policy { app: app.clone() });
    let service = builder.build();
    Router::new().fallback(handle).with_state((app, service))
}

async fn handle(State((app, service)): State<(Shared, S3Service)>, req: Request) -> Response {
    let headers = req.headers().clone();
    let path = req.uri().path().to_string();
    if req.method() == Method::OPTIONS {
        return preflight(&app, &headers, &path);
    }
    let req = req.map(s3s::Body::http_body_unsync);
    let resp = match service.call(req).await {
        Ok(r) => r.map(AxumBody::new).into_response(),
        Err(e) => xml_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            &format!("{e:?}"),
        ),
    };
    with_cors(&app, &headers, &path, resp)
}

fn bucket_of(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or("")
}

fn origin_matches(rule: &CorsRule, origin: &str) -> bool {
    rule.allowed_origins.iter().any(|o| o == "*" || o == origin)
}

fn matching_rule<'a>(
    app: &'a Shared,
    path: &str,
    origin: &str,
    method: &str,
) -> Option<&'a CorsRule> {
    let bucket = app.config.bucket(bucket_of(path))?;
    bucket.cors.iter().find(|r| {
        origin_matches(r, origin)
            && r.allowed_methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method))
    })
}

fn preflight(app: &Shared, headers: &HeaderMap, path: &str) -> Response {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let method = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let requested: Vec<String> = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    if origin.is_empty() || method.is_empty() {
        return xml_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Insufficient information. Origin request header needed.",
        );
    }
    let rule = matching_rule(app, path, origin, method).filter(|r| {
        requested.iter().all(|h| {
            r.allowed_headers
                .iter()
                .any(|a| a == "*" || a.eq_ignore_ascii_case(h))
        })
    });
    let Some(rule) = rule else {
        return xml_error(
            StatusCode::FORBIDDEN,
            "AccessForbidden",
            "CORSResponse: This CORS request is not allowed.",
        );
    };
    let mut r = StatusCode::OK.into_response();
    let h = r.headers_mut();
    let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") {
        "*"
    } else {
        origin
    };
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_str(allow_origin).expect("header value"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_str(&rule.allowed_methods.join(", ")).expect("ascii"),
    );
    if !requested.is_empty() {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_str(&requested.join(", ")).expect("ascii"),
        );
    }
    if !rule.expose_headers.is_empty() {
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_str(&rule.expose_headers.join(", ")).expect("ascii"),
        );
    }
    if let Some(age) = rule.max_age_seconds {
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(age));
    }
    h.insert(
        header::VARY,
        HeaderValue::from_static(
            "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        ),
    );
    r
}

/// Adds CORS headers to an actual (non-preflight) response when the bucket's rules allow the origin.
pub fn with_cors(
    app: &Shared,
    req_headers: &HeaderMap,
    path: &str,
    mut resp: Response,
) -> Response {
    let Some(origin) = req_headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return resp;
    };
    let bucket = app.config.bucket(bucket_of(path));
    let rule = bucket.and_then(|b| b.cors.iter().find(|r| origin_matches(r, origin)));
    if let Some(rule) = rule {
        let h = resp.headers_mut();
        let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") {
            "*"
        } else {
            origin
        };
        if let Ok(v) = HeaderValue::from_str(allow_origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if !rule.expose_headers.is_empty() {
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_str(&rule.expose_headers.join(", ")).expect("ascii"),
            );
        }
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

struct Auth {
    app: Shared,
}

#[async_trait::async_trait]
impl S3Auth for Auth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        let store = self.app.store();
        match store.credentials.get(access_key) {
            Some(c) => Ok(SecretKey::from(c.secret_key.clone())),
            None => Err(s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            )),
        }
    }
}

/// The policy of the credentials' role (`config::Config::policy`; by default PutObject, GetObject,
/// HeadObject and DeleteObject on `<bucket>/private/<identityId>/*` for credentials from the bucket's
/// identity pool).
struct Policy {
    app: Shared,
}

#[async_trait::async_trait]
impl S3Access for Policy {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let Some(creds) = cx.credentials() else {
            return Err(s3_error!(AccessDenied, "Anonymous access is not allowed"));
        };
        let record = self
            .app
            .store()
            .credentials
            .get(&creds.access_key)
            .cloned()
            .ok_or_else(|| {
                s3_error!(
                    InvalidAccessKeyId,
                    "The AWS Access Key Id you provided does not exist in our records."
                )
            })?;
        let query_token = query_param(cx.uri().query(), "X-Amz-Security-Token");
        let header_token = cx
            .headers()
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        match header_token.or(query_token) {
            None => {
                return Err(s3_error!(
                    InvalidToken,
                    "Temporary credentials need their session token (x-amz-security-token)"
                ))
            }
            Some(t) if t != record.session_token => {
                return Err(s3_error!(
                    InvalidToken,
                    "The provided token is malformed or otherwise invalid."
                ))
            }
            Some(_) => {}
        }
        if self.app.now() >= record.expires_at {
            return Err(s3_error!(ExpiredToken, "The provided token has expired."));
        }
        let op = cx.s3_op().name();
        let app = &self.app;
        let role = credential_role(app, &record);
        let (bucket, key) = match cx.s3_path() {
            S3Path::Object { bucket, key } => (bucket.to_string(), key.to_string()),
            S3Path::Bucket { bucket } => (bucket.to_string(), String::new()),
            S3Path::Root => (String::new(), String::new()),
        };
        if !bucket.is_empty() && app.config.bucket(&bucket).is_none() {
            return Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist"
            ));
        }
        // The IAM action of the operation (HeadObject is allowed by s3:GetObject).
        let action = match op {
            "HeadObject" => "GetObject",
            "GetObject" | "PutObject" | "DeleteObject" => op,
            "ListObjects" | "ListObjectsV2" => "ListBucket",
            other => other,
        };
        let object = matches!(cx.s3_path(), S3Path::Object { .. });
        // ListBucket is checked against the listing's `prefix` (as a policy's `s3:prefix` condition).
        let listing = !object && action == "ListBucket";
        let key = if listing {
            query_param(cx.uri().query(), "prefix").unwrap_or_default()
        } else {
            key
        };
        let allowed = (object || listing)
            && app
                .config
                .identity_pool(&record.identity_pool_id)
                .map(|pool| app.config.policy(pool, &role))
                .is_some_and(|policy| {
                    policy
                        .s3
                        .iter()
                        .any(|st| st.allows(action, &bucket, &key, &record.identity_id))
                });
        if !allowed {
            let resource = if object {
                format!("arn:aws:s3:::{bucket}/{key}")
            } else {
                format!("arn:aws:s3:::{bucket}")
            };
            let name = crate::config::role_name(&role);
            let account = crate::config::ACCOUNT;
            return Err(s3_error!(
                AccessDenied,
                "User: arn:aws:sts::{account}:assumed-role/{name}/CognitoIdentityCredentials is not authorized to perform: s3:{action} on resource: \"{resource}\" because no identity-based policy allows the s3:{action} action"
            ));
        }
        Ok(())
    }
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The role of credentials: the one GetCredentialsForIdentity resolved, or (credentials saved before
/// roles existed) the pool's default role.
fn credential_role(app: &Shared, record: &crate::state::CredentialRecord) -> String {
    if let Some(r) = &record.role_arn {
        return r.clone();
    }
    let authenticated = app
        .store()
        .identities
        .get(&record.identity_id)
        .is_some_and(|i| i.login.is_some());
    app.config
        .identity_pool(&record.identity_pool_id)
        .map(|p| p.default_role_arn(authenticated))
        .unwrap_or_default()
}

#[derive(Serialize, Deserialize)]
struct Meta {
    content_type: Option<String>,
    etag: String,
    last_modified: i64,
    size: u64,
}

struct Store {
    app: Shared,
}

impl Store {
    fn paths(&self, bucket: &str, key: &str) -> S3Result<(PathBuf, PathBuf)> {
        if self.app.config.bucket(bucket).is_none() {
            return Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist"
            ));
        }
        let name: String =
            percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        let dir = self.app.data_dir.join("s3").join(bucket);
        Ok((
            dir.join(format!("{name}.data")),
            dir.join(format!("{name}.meta.json")),
        ))
    }

    fn read_meta(&self, bucket: &str, key: &str) -> S3Result<(PathBuf, Meta)> {
        let (data, meta) = self.paths(bucket, key)?;
        let text = std::fs::read_to_string(&meta)
            .map_err(|_| s3_error!(NoSuchKey, "The specified key does not exist."))?;
        let meta: Meta = serde_json::from_str(&text).map_err(S3Error_internal)?;
        Ok((data, meta))
    }
}

/// A key as a listing returns it: URL-encoded when the request asked for `encoding-type=url`.
fn encode_key(key: &str, encoding: &Option<EncodingType>) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    match encoding {
        Some(e) if e.as_str() == EncodingType::URL => {
            percent_encoding::utf8_percent_encode(key, KEEP).collect()
        }
        _ => key.to_string(),
    }
}

#[allow(non_snake_case)]
fn S3Error_internal<E: std::error::Error + Send + Sync + 'static>(e: E) -> s3s::S3Error {
    s3s::S3Error::internal_error(e)
}

fn timestamp(secs: i64) -> Timestamp {
    Timestamp::from(
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

#[async_trait::async_trait]
impl s3s::S3 for Store {
    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let input = req.input;
        let (data_path, meta_path) = self.paths(&input.bucket, &input.key)?;
        let body: Vec<Bytes> = match input.body {
            Some(b) => b
                .try_collect()
                .await
                .map_err(|e| s3_error!(IncompleteBody, "reading body: {e}"))?,
            None => vec![],
        };
        let body: Vec<u8> = body.concat();
        let etag = format!("{:x}", Md5::digest(&body));
        let meta = Meta {
            content_type: input.content_type.map(|c| c.to_string()),
            etag: etag.clone(),
            last_modified: crate::ids::unix_now(),
            size: body.len() as u64,
        };
        if let Some(dir) = data_path.parent() {
            std::fs::create_dir_all(dir).map_err(S3Error_internal)?;
        }
        std::fs::write(&data_path, &body).map_err(S3Error_internal)?;
        std::fs::write(
            &meta_path,
            serde_json::to_vec(&meta).map_err(S3Error_internal)?,
        )
        .map_err(S3Error_internal)?;
        let output = PutObjectOutput {
            e_tag: Some(ETag::Strong(etag)),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let (data_path, meta) = self.read_meta(&req.input.bucket, &req.input.key)?;
        let bytes = std::fs::read(&data_path)
            .map_err(|_| s3_error!(NoSuchKey, "The specified key does not exist."))?;
        let len = bytes.len() as i64;
        let blob = StreamingBlob::from(s3s::Body::from(Bytes::from(bytes)));
        let output = GetObjectOutput {
            body: Some(blob),
            content_length: Some(len),
            content_type: meta.content_type.and_then(|c| c.parse().ok()),
            e_tag: Some(ETag::Strong(meta.etag)),
            last_modified: Some(timestamp(meta.last_modified)),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let (_, meta) = self.read_meta(&req.input.bucket, &req.input.key)?;
        let output = HeadObjectOutput {
            content_length: Some(meta.size as i64),
            content_type: meta.content_type.and_then(|c| c.parse().ok()),
            e_tag: Some(ETag::Strong(meta.etag)),
            last_modified: Some(timestamp(meta.last_modified)),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let (probe, _) = self.paths(&input.bucket, "")?;
        let dir = probe.parent().map(PathBuf::from).unwrap_or_default();
        let prefix = input.prefix.clone().unwrap_or_default();
        let max_keys = input.max_keys.unwrap_or(1000).clamp(0, 1000) as usize;
        let after = match &input.continuation_token {
            Some(t) => Some(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(t)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        s3_error!(
                            InvalidArgument,
                            "The continuation token provided is incorrect"
                        )
                    })?,
            ),
            None => input.start_after.clone(),
        };
        let mut keys: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let encoded = name.strip_suffix(".meta.json")?;
                percent_encoding::percent_decode_str(encoded)
                    .decode_utf8()
                    .ok()
                    .map(|k| k.into_owned())
            })
            .filter(|k| k.starts_with(&prefix))
            .filter(|k| after.as_ref().is_none_or(|a| k > a))
            .collect();
        keys.sort();
        // With a delimiter, keys with it after the prefix roll up into common prefixes (each counts once).
        let mut contents = Vec::new();
        let mut common: Vec<String> = Vec::new();
        let mut last = None;
        let mut truncated = false;
        for k in keys {
            let rolled = input
                .delimiter
                .as_deref()
                .filter(|d| !d.is_empty())
                .and_then(|d| {
                    k[prefix.len()..]
                        .find(d)
                        .map(|i| k[..prefix.len() + i + d.len()].to_string())
                });
            if let Some(p) = &rolled {
                if common.last() == Some(p) {
                    last = Some(k);
                    continue;
                }
            }
            if contents.len() + common.len() == max_keys {
                truncated = true;
                break;
            }
            match rolled {
                Some(p) => common.push(p),
                None => {
                    let (_, meta) = self.read_meta(&input.bucket, &k)?;
                    contents.push(Object {
                        key: Some(encode_key(&k, &input.encoding_type)),
                        size: Some(meta.size as i64),
                        e_tag: Some(ETag::Strong(meta.etag)),
                        last_modified: Some(timestamp(meta.last_modified)),
                        storage_class: Some(ObjectStorageClass::from_static(
                            ObjectStorageClass::STANDARD,
                        )),
                        ..Default::default()
                    });
                }
            }
            last = Some(k);
        }
        let key_count = (contents.len() + common.len()) as i32;
        let output = ListObjectsV2Output {
            name: Some(input.bucket.clone()),
            prefix: Some(encode_key(&prefix, &input.encoding_type)),
            delimiter: input.delimiter.clone(),
            max_keys: Some(max_keys as i32),
            key_count: Some(key_count),
            is_truncated: Some(truncated),
            continuation_token: input.continuation_token.clone(),
            next_continuation_token: last
                .filter(|_| truncated)
                .map(|k| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k)),
            start_after: input.start_after.clone(),
            encoding_type: input.encoding_type.clone(),
            contents: Some(contents),
            common_prefixes: (!common.is_empty()).then(|| {
                common
                    .iter()
                    .map(|p| CommonPrefix {
                        prefix: Some(encode_key(p, &input.encoding_type)),
                    })
                    .collect()
            }),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let (data_path, meta_path) = self.paths(&req.input.bucket, &req.input.key)?;
        let _ = std::fs::remove_file(data_path);
        let _ = std::fs::remove_file(meta_path);
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }
}
