//! Shared helpers: start devstack in-process on free ports with a temp data dir, speak HTTP to it,
//! drive the managed-login flow, and sign S3 requests with an independent SigV4 implementation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use devstack::{Config, Options, Running};
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const POOL: &str = "us-east-1_ShopSphr1";
pub const CLIENT: &str = "shopspheredemoclient000001";
pub const ROTATING: &str = "shopsphererotating00000001";
pub const REDIRECT: &str = "http://localhost:8080/";
pub const IDENTITY_POOL: &str = "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c";
pub const PROVIDER: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_ShopSphr1";
/// The default config's editors' role and the identity pool's default roles.
pub const EDITOR_ROLE: &str = "arn:aws:iam::000000000000:role/ShopSphereEditors";
pub const AUTH_ROLE: &str = "arn:aws:iam::000000000000:role/Cognito_ShopSphereidentitiesAuth_Role";
pub const UNAUTH_ROLE: &str =
    "arn:aws:iam::000000000000:role/Cognito_ShopSphereidentitiesUnauth_Role";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// RSA keys generated once per test binary and copied into every data dir (key generation is the
/// slow part of a first start).
fn key_cache() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        devstack::keys::PoolKeys::load_or_create(&dir.path().join(POOL)).unwrap();
        for idp in ["_google", "_idp_acme"] {
            devstack::keys::load_or_create_key(&dir.path().join(idp).join("signing.pem")).unwrap();
        }
        dir
    })
    .path()
}

/// The configuration without its Lambda triggers.
pub fn without_triggers(mut config: Config) -> Config {
    for pool in &mut config.user_pools {
        pool.triggers = Default::default();
    }
    config
}

pub struct Stack {
    pub running: Option<Running>,
    pub data: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    pub http: Client,
    pub base: String,
    pub s3: String,
    pub dynamodb: String,
}

impl Stack {
    pub async fn start() -> Stack {
        Self::start_with(Config::default_config()).await
    }

    /// Starts with another configuration (with the default pool id, whose keys are cached), without its
    /// Lambda triggers.
    pub async fn start_with(config: Config) -> Stack {
        Self::start_fresh(without_triggers(config)).await
    }

    /// Starts with a configuration and its Lambda triggers (the other starts drop them: the default
    /// config's run node, and its PostConfirmation calls devstack's DynamoDB, which needs a
    /// multi-threaded test runtime).
    pub async fn start_with_triggers(config: Config) -> Stack {
        Self::start_fresh(config).await
    }

    async fn start_fresh(config: Config) -> Stack {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().to_path_buf();
        let keys = data.join("keys").join(POOL);
        std::fs::create_dir_all(&keys).unwrap();
        for f in ["id.pem", "access.pem"] {
            std::fs::copy(key_cache().join(POOL).join(f), keys.join(f)).unwrap();
        }
        for idp in ["_google", "_idp_acme"] {
            std::fs::create_dir_all(data.join("keys").join(idp)).unwrap();
            std::fs::copy(
                key_cache().join(idp).join("signing.pem"),
                data.join("keys").join(idp).join("signing.pem"),
            )
            .unwrap();
        }
        let mut s = Self::launch(&data, config, false).await;
        s._tmp = Some(tmp);
        s
    }

    /// Starts (again) on an existing data dir.
    pub async fn start_on(data: &Path) -> Stack {
        Self::start_custom(data, Config::default_config(), false).await
    }

    /// Starts on an existing data dir with a configuration, emptying the dir first when `reset`.
    pub async fn start_custom(data: &Path, config: Config, reset: bool) -> Stack {
        Self::launch(data, without_triggers(config), reset).await
    }

    async fn launch(data: &Path, config: Config, reset: bool) -> Stack {
        let mut opts = Options::new(config, data);
        opts.reset = reset;
        opts.cognito_port = Some(0);
        opts.s3_port = Some(0);
        opts.dynamodb_port = Some(0);
        opts.log_requests = std::env::var_os("DEVSTACK_TEST_LOG").is_some();
        let running = devstack::start(opts).await.unwrap();
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{}", running.cognito_addr.port());
        let s3 = format!("http://127.0.0.1:{}", running.s3_addr.port());
        let dynamodb = format!("http://127.0.0.1:{}", running.dynamodb_addr.port());
        Stack {
            running: Some(running),
            data: data.to_path_buf(),
            _tmp: None,
            http,
            base,
            s3,
            dynamodb,
        }
    }

    /// Stops the server and keeps the data dir (for restart tests).
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        self.running.take().unwrap().stop().await;
        self._tmp.take()
    }

    pub fn issuer(&self) -> String {
        self.running.as_ref().unwrap().issuer(POOL)
    }

    pub fn public_base(&self) -> String {
        self.running.as_ref().unwrap().cognito_url.clone()
    }

    pub async fn get(&self, path_and_query: &str) -> Response {
        self.http
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_with_cookie(&self, path_and_query: &str, cookie: &str) -> Response {
        self.http
            .get(format!("{}{path_and_query}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/_devstack/{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "admin {path}");
        r.json().await.unwrap()
    }

    /// Shifts the server clock by `secs` from now on (absolute offset).
    pub async fn clock(&self, secs: i64) {
        self.admin("clock", json!({ "offsetSeconds": secs })).await;
    }

    /// A JSON API call: (status, body, x-amzn-errortype header).
    pub async fn api(&self, target: &str, body: Value) -> (StatusCode, Value, Option<String>) {
        let r = self
            .http
            .post(format!("{}/", self.base))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let et = r
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            et,
        )
    }

    pub async fn idp(&self, op: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .api(&format!("AWSCognitoIdentityProviderService.{op}"), body)
            .await;
        (s, v)
    }

    /// GetCredentialsForIdentity: (status, body, the role devstack's `x-devstack-role-arn` names).
    pub async fn credentials_for(&self, body: Value) -> (StatusCode, Value, Option<String>) {
        let r = self
            .http
            .post(format!("{}/", self.base))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                "AWSCognitoIdentityService.GetCredentialsForIdentity",
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let role = r
            .headers()
            .get("x-devstack-role-arn")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap(), role)
    }

    /// GetId and GetCredentialsForIdentity (with `CustomRoleArn` when given) for a user's ID token:
    /// (identity id, status, body, role).
    pub async fn role_credentials(
        &self,
        id_token: &str,
        custom: Option<&str>,
    ) -> (String, StatusCode, Value, Option<String>) {
        let logins = json!({ PROVIDER: id_token });
        let (st, v) = self
            .identity(
                "GetId",
                json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": logins }),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        let id = v["IdentityId"].as_str().unwrap().to_string();
        let mut body = json!({ "IdentityId": id, "Logins": logins });
        if let Some(c) = custom {
            body["CustomRoleArn"] = json!(c);
        }
        let (st, v, role) = self.credentials_for(body).await;
        (id, st, v, role)
    }

    pub async fn identity(&self, op: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self
            .api(&format!("AWSCognitoIdentityService.{op}"), body)
            .await;
        (s, v)
    }

    /// The newest code in the outbox for the user and purpose (`SignUp`, `ForgotPassword`).
    pub async fn outbox_code(&self, username: &str, purpose: &str) -> String {
        let all = self.outbox(username, purpose).await;
        let last =
            all.as_array().unwrap().last().unwrap_or_else(|| {
                panic!("no {purpose} message for {username} in the outbox: {all}")
            });
        last["code"].as_str().unwrap().to_string()
    }

    pub async fn outbox(&self, username: &str, purpose: &str) -> Value {
        self.http
            .get(format!(
                "{}/_devstack/outbox?username={}&purpose={purpose}",
                self.base,
                enc(username)
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// GET a page: (status, HTML).
    pub async fn page(&self, path_and_query: &str) -> (StatusCode, String) {
        let r = self.get(path_and_query).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Submits a page's form: its hidden fields plus `fields`, POSTed to `path`.
    pub async fn submit(&self, html: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form = hidden_fields(html);
        for (k, v) in fields {
            form.retain(|(name, _)| name != k);
            form.push((k.to_string(), v.to_string()));
        }
        self.http
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Follows a same-site redirect (a path) and returns the page.
    pub async fn follow(&self, r: &Response) -> (StatusCode, String) {
        let to = location(r);
        assert!(to.starts_with('/'), "expected a devstack page, got {to}");
        self.page(&to).await
    }

    /// The sign-in page of an authorize request (`query`), submitted with `user` and `password`: its
    /// answer.
    pub async fn submit_sign_in(&self, query: &str, user: &str, password: &str) -> Response {
        let r = self.get(query).await;
        let (_, login) = self.follow(&r).await;
        self.submit(
            &login,
            "/login",
            &[("username", user), ("password", password)],
        )
        .await
    }

    /// `demo` signed in on the sign-in page with the `openid` scope only (without
    /// `aws.cognito.signin.user.admin`), the code exchanged: the token response.
    pub async fn openid_only_tokens(&self) -> Value {
        let q = authorize_query(CLIENT, "").replace(
            &enc("openid email profile aws.cognito.signin.user.admin"),
            "openid",
        );
        let r = self.submit_sign_in(&q, "demo", "ShopSphere!2026").await;
        let code = query_param(&location(&r), "code").unwrap();
        self.exchange(CLIENT, &code, VERIFIER)
            .await
            .json()
            .await
            .unwrap()
    }

    /// InitiateAuth USER_PASSWORD_AUTH → AuthenticationResult.
    pub async fn password_login(&self, client: &str, user: &str, password: &str) -> Value {
        let (s, v) = self
            .idp("InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": { "USERNAME": user, "PASSWORD": password } }))
            .await;
        assert_eq!(s, 200, "{v}");
        v["AuthenticationResult"].clone()
    }

    pub async fn demo_login(&self) -> Value {
        self.password_login(CLIENT, "demo", "ShopSphere!2026").await
    }

    /// Goes through authorize → login form → redirect; returns (code, session cookie).
    pub async fn browser_login(&self, client: &str, extra: &str) -> (String, String) {
        let r = self.get(&authorize_query(client, extra)).await;
        assert_eq!(
            r.status(),
            302,
            "authorize should send the browser to the login page"
        );
        let login = location(&r);
        assert!(login.starts_with("/login?"), "{login}");
        let page = self.get(&login).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("<form") && html.contains("name=password"),
            "{html}"
        );
        let mut form = hidden_fields(&html);
        form.push(("username".into(), "demo".into()));
        form.push(("password".into(), "ShopSphere!2026".into()));
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        let cookie = session_cookie(r.headers()).expect("session cookie");
        let code = query_param(&location(&r), "code").expect("code");
        (code, cookie)
    }

    /// Signs `demo` in through the login form and exchanges the code: the token response.
    pub async fn signed_in_tokens(&self, client: &str) -> Value {
        let (code, _) = self.browser_login(client, "").await;
        self.exchange(client, &code, VERIFIER)
            .await
            .json()
            .await
            .unwrap()
    }

    pub async fn exchange(&self, client: &str, code: &str, verifier: &str) -> Response {
        self.form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ],
        )
        .await
    }

    pub async fn refresh(&self, client: &str, token: &str) -> Response {
        self.form(
            "/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client),
                ("refresh_token", token),
            ],
        )
        .await
    }

    /// GetId + GetCredentialsForIdentity for an ID token → (identityId, credentials JSON).
    pub async fn credentials(&self, id_token: &str) -> (String, Value) {
        let logins = json!({ PROVIDER: id_token });
        let (s, v) = self
            .identity(
                "GetId",
                json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": logins }),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let id = v["IdentityId"].as_str().unwrap().to_string();
        let (s, v) = self
            .identity(
                "GetCredentialsForIdentity",
                json!({ "IdentityId": id, "Logins": logins }),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        (id, v["Credentials"].clone())
    }
}

/// A local identity provider's account chooser (`chooser`, under `prefix`: `/_google` or
/// `/_idp/<slug>`, element ids `<ids>Allow` / `<ids>Deny`) → account `n` → consent (`allow` or `deny`) →
/// devstack's /oauth2/idpresponse: its answer (the redirect to the app).
pub async fn choose_and_consent(
    s: &Stack,
    chooser: &str,
    prefix: &str,
    ids: &str,
    account: usize,
    consent: &str,
) -> Response {
    let r = s
        .submit(
            chooser,
            &format!("{prefix}/authorize"),
            &[("account", &account.to_string())],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("id={ids}Allow")) && page.contains(&format!("id={ids}Deny")));
    let r = s
        .submit(&page, &format!("{prefix}/consent"), &[("consent", consent)])
        .await;
    assert_eq!(r.status(), 302);
    let back = location(&r);
    assert!(
        back.starts_with(&format!("{}/oauth2/idpresponse?", s.public_base())),
        "{back}"
    );
    s.get(&path_of(&back)).await
}

/// The app's redirect after a sign-in through an identity provider (`state` `st4te`): its code
/// exchanged, the token response.
pub async fn tokens_from(s: &Stack, r: &Response) -> Value {
    assert_eq!(r.status(), 302);
    let to = location(r);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    let code = query_param(&to, "code").unwrap_or_else(|| panic!("a code for the app: {to}"));
    let t = s.exchange(CLIENT, &code, VERIFIER).await;
    assert_eq!(t.status(), 200);
    t.json().await.unwrap()
}

/// A TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of a base32 secret at `unix` seconds, with the crate
/// devstack uses.
pub fn totp_at(secret: &str, unix: u64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap();
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .unwrap()
        .generate(unix)
        .to_string()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn authorize_query(client: &str, extra: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&client_id={client}&redirect_uri={}&scope={}&state=st4te&nonce=n0nce&code_challenge_method=S256&code_challenge={}{extra}",
        enc(REDIRECT),
        enc("openid email profile aws.cognito.signin.user.admin"),
        challenge(VERIFIER)
    )
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get(LOCATION)
        .expect("Location")
        .to_str()
        .unwrap()
        .to_string()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn session_cookie(h: &HeaderMap) -> Option<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            let first = c.split(';').next()?.trim();
            first.starts_with("cognito=").then(|| first.to_string())
        })
}

/// `<input type=hidden name="k" value="v">` pairs of the login page.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let unesc = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.lines()
        .filter(|l| l.starts_with("<input type=hidden"))
        .map(|l| {
            let name = l
                .split("name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let value = l
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (unesc(name), unesc(value))
        })
        .collect()
}

/// The claims of a JWT, unverified (tests verify signatures separately).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn header(jwt: &str) -> Value {
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

/// Flips one character of the signature.
pub fn tamper(jwt: &str) -> String {
    let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
    let sig = &mut parts[2];
    let c = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(0..1, c);
    parts.join(".")
}

// ---------------------------------------------------------------------------------------------
// SigV4, written here from the AWS documentation (independent of s3s and of the workspace's signer).

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).unwrap();
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// AWS URI encoding (unreserved characters kept, everything else %XX), optionally keeping '/'.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub struct Creds {
    pub akid: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Creds {
    pub fn from_json(v: &Value) -> Creds {
        Creds {
            akid: v["AccessKeyId"].as_str().unwrap().into(),
            secret: v["SecretKey"].as_str().unwrap().into(),
            token: Some(v["SessionToken"].as_str().unwrap().into()),
        }
    }
}

pub fn amz_now() -> String {
    amz_date_at(time::OffsetDateTime::now_utc())
}

pub fn amz_date_at(t: time::OffsetDateTime) -> String {
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

/// Signs an S3 request: returns the signature for the canonical request built from the given parts.
#[allow(clippy::too_many_arguments)]
pub fn signature(
    method: &str,
    canonical_uri: &str,
    query: &BTreeMap<String, String>,
    headers: &BTreeMap<String, String>,
    payload_hash: &str,
    secret: &str,
    amz_date: &str,
    region: &str,
) -> String {
    signature_for(
        "s3",
        method,
        canonical_uri,
        query,
        headers,
        payload_hash,
        secret,
        amz_date,
        region,
    )
}

/// The same for any service.
#[allow(clippy::too_many_arguments)]
pub fn signature_for(
    service: &str,
    method: &str,
    canonical_uri: &str,
    query: &BTreeMap<String, String>,
    headers: &BTreeMap<String, String>,
    payload_hash: &str,
    secret: &str,
    amz_date: &str,
    region: &str,
) -> String {
    let canonical_query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", uri_encode(k, false), uri_encode(v, false)))
        .collect();
    let canonical_headers: String = headers
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let signed: Vec<&str> = headers.keys().map(String::as_str).collect();
    let creq = format!(
        "{method}\n{canonical_uri}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        canonical_query.join("&"),
        signed.join(";")
    );
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(creq.as_bytes()))
    );
    let k = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k = hmac(&k, region);
    let k = hmac(&k, service);
    let k = hmac(&k, "aws4_request");
    hex(&hmac(&k, &sts))
}

/// A header-signed S3 request. `path` is the raw path (`/bucket/key`), encoded here once.
pub async fn s3_request(
    http: &Client,
    base: &str,
    method: &str,
    path: &str,
    body: &[u8],
    creds: &Creds,
    extra: &[(&str, &str)],
) -> Response {
    s3_request_sending(http, base, method, path, body, body, creds, extra).await
}

/// Signs `body` but sends `sent` (to check that the payload hash is verified).
#[allow(clippy::too_many_arguments)]
pub async fn s3_request_sending(
    http: &Client,
    base: &str,
    method: &str,
    path: &str,
    body: &[u8],
    sent: &[u8],
    creds: &Creds,
    extra: &[(&str, &str)],
) -> Response {
    let host = base.trim_start_matches("http://").to_string();
    let canonical_uri = uri_encode(path, true);
    let amz_date = amz_now();
    let payload_hash = hex(&Sha256::digest(body));
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host);
    headers.insert("x-amz-content-sha256".to_string(), payload_hash.clone());
    headers.insert("x-amz-date".to_string(), amz_date.clone());
    if let Some(t) = &creds.token {
        headers.insert("x-amz-security-token".to_string(), t.clone());
    }
    for (k, v) in extra {
        headers.insert(k.to_string(), v.to_string());
    }
    let sig = signature(
        method,
        &canonical_uri,
        &BTreeMap::new(),
        &headers,
        &payload_hash,
        &creds.secret,
        &amz_date,
        "us-east-1",
    );
    let signed: Vec<&str> = headers.keys().map(String::as_str).collect();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{}/us-east-1/s3/aws4_request, SignedHeaders={}, Signature={sig}",
        creds.akid,
        &amz_date[..8],
        signed.join(";")
    );
    let mut req = http
        .request(method.parse().unwrap(), format!("{base}{canonical_uri}"))
        .header("authorization", auth);
    for (k, v) in &headers {
        if k != "host" {
            req = req.header(k, v);
        }
    }
    req.body(sent.to_vec())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"))
}

/// A presigned GET URL.
pub fn presign(base: &str, path: &str, creds: &Creds, expires: u64) -> String {
    presign_at(base, path, creds, expires, &amz_now())
}

/// A presigned GET URL signed at `amz_date` (YYYYMMDDTHHMMSSZ).
pub fn presign_at(base: &str, path: &str, creds: &Creds, expires: u64, amz_date: &str) -> String {
    presign_query(base, path, &[], creds, expires, amz_date)
}

/// A presigned GET URL with more query parameters (a listing's `list-type`, `prefix`, ...).
pub fn presign_query(
    base: &str,
    path: &str,
    extra: &[(&str, &str)],
    creds: &Creds,
    expires: u64,
    amz_date: &str,
) -> String {
    let host = base.trim_start_matches("http://").to_string();
    let canonical_uri = uri_encode(path, true);
    let amz_date = amz_date.to_string();
    let mut q: BTreeMap<String, String> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    q.insert(
        "X-Amz-Algorithm".to_string(),
        "AWS4-HMAC-SHA256".to_string(),
    );
    q.insert(
        "X-Amz-Credential".to_string(),
        format!(
            "{}/{}/us-east-1/s3/aws4_request",
            creds.akid,
            &amz_date[..8]
        ),
    );
    q.insert("X-Amz-Date".to_string(), amz_date.clone());
    q.insert("X-Amz-Expires".to_string(), expires.to_string());
    q.insert("X-Amz-SignedHeaders".to_string(), "host".to_string());
    if let Some(t) = &creds.token {
        q.insert("X-Amz-Security-Token".to_string(), t.clone());
    }
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host);
    let sig = signature(
        "GET",
        &canonical_uri,
        &q,
        &headers,
        "UNSIGNED-PAYLOAD",
        &creds.secret,
        &amz_date,
        "us-east-1",
    );
    let query: Vec<String> = q
        .iter()
        .map(|(k, v)| format!("{}={}", uri_encode(k, false), uri_encode(v, false)))
        .collect();
    format!(
        "{base}{canonical_uri}?{}&X-Amz-Signature={sig}",
        query.join("&")
    )
}

pub async fn s3_code(r: Response) -> (StatusCode, String) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let code = text
        .split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or("")
        .to_string();
    (status, code)
}

/// The path and query of an absolute URL on devstack (the tests talk to 127.0.0.1, the URLs say localhost).
pub fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}
