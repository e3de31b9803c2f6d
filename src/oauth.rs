//! The managed-login and token endpoints as plain data: URLs and requests to send, responses to parse.
//! Nothing here does I/O; the engine sends [`HttpRequest`]s and hands back [`HttpResponse`]s. The
//! user-pool JSON API calls of a session (`GetTokensFromRefreshToken`, `GlobalSignOut`) are built with
//! [`crate::awsjson`], which also classifies every failure.

use crate::awsjson::{classify_failure, json_api, Grant};
use crate::config::{AuthConfig, RefreshWith};
use crate::error::{config, Error, ErrorKind, Result};
use crate::http::{encode_component, HttpRequest, HttpResponse};
use crate::json::Value;
use crate::options::SignInOptions;
use crate::secret::{AccessToken, AuthorizationCode, IdToken, PkceVerifier, RefreshToken};

fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&encode_component(v));
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The managed-login `/oauth2/authorize` URL for a sign-in with PKCE S256.
pub fn authorize_url(
    config: &AuthConfig,
    state: &str,
    nonce: &str,
    code_challenge: &str,
    options: &SignInOptions,
) -> Result<String> {
    // A configuration for in-app sign-in only has neither.
    for (name, value) in [
        ("domain", &config.endpoints.authorize),
        ("redirectUri", &config.redirect_uri),
    ] {
        if value.is_empty() {
            return Err(crate::error::config(crate::error::concat(&[
                name,
                ": required for the managed login",
            ])));
        }
    }
    let scopes = options.scopes.as_ref().unwrap_or(&config.scopes);
    if !scopes.iter().any(|s| s == "openid") {
        return Err(config_err("scopes: must include 'openid'"));
    }
    let scope = crate::error::joined(scopes.iter().map(String::as_str), " ");
    let mut pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &config.redirect_uri),
        ("scope", &scope),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge_method", "S256"),
        ("code_challenge", code_challenge),
    ];
    if let Some(p) = &options.identity_provider {
        // Amplify's names of the two social providers Cognito names otherwise.
        let p = match p.as_str() {
            "Apple" => "SignInWithApple",
            "Amazon" => "LoginWithAmazon",
            p => p,
        };
        pairs.push(("identity_provider", p));
    }
    for (name, value) in [
        ("idp_identifier", &options.idp_identifier),
        ("login_hint", &options.login_hint),
        ("lang", &options.lang),
        ("prompt", &options.prompt),
    ] {
        if let Some(v) = value {
            pairs.push((name, v));
        }
    }
    let authorize = config.endpoints.authorize.as_str();
    let base = match authorize.strip_suffix("/oauth2/authorize") {
        Some(domain) if options.sign_up => format!("{domain}/signup"),
        _ if options.sign_up => {
            return Err(config_err(
                "screen: 'signup' needs the managed login's /oauth2/authorize endpoint (its domain has /signup)",
            ))
        }
        _ => authorize.to_owned(),
    };
    Ok(format!("{base}?{}", query(&pairs)))
}

fn config_err(message: &str) -> Error {
    config(message)
}

/// The managed-login `/logout` URL (`client_id` + `logout_uri`).
pub fn logout_url(config: &AuthConfig) -> Result<String> {
    let logout_uri = config
        .logout_uri
        .as_deref()
        .ok_or_else(|| config_err("logoutUri: required for the sign-out redirect (signed out here; redirect: false skips it)"))?;
    Ok(format!(
        "{}?{}",
        config.endpoints.logout,
        query(&[("client_id", &config.client_id), ("logout_uri", logout_uri)])
    ))
}

fn form_post(url: &str, body: String) -> HttpRequest {
    HttpRequest {
        method: "POST",
        url: url.to_owned(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: body.into(),
    }
}

/// `POST /oauth2/token` exchanging an authorization code with its PKCE verifier.
pub fn code_exchange(
    config: &AuthConfig,
    code: &AuthorizationCode,
    verifier: &PkceVerifier,
) -> HttpRequest {
    form_post(
        &config.endpoints.token,
        form(&[
            ("grant_type", "authorization_code"),
            ("client_id", &config.client_id),
            ("code", code.expose()),
            ("redirect_uri", &config.redirect_uri),
            ("code_verifier", verifier.expose()),
        ]),
    )
}

/// Redeems a refresh token: the `refresh_token` grant or `GetTokensFromRefreshToken`, per the config;
/// always the latter for tokens of an in-app sign-in (`via_api`).
pub fn refresh(config: &AuthConfig, refresh_token: &RefreshToken, via_api: bool) -> HttpRequest {
    match if via_api {
        RefreshWith::Api
    } else {
        config.refresh_with
    } {
        RefreshWith::TokenEndpoint => form_post(
            &config.endpoints.token,
            form(&[
                ("grant_type", "refresh_token"),
                ("client_id", &config.client_id),
                ("refresh_token", refresh_token.expose()),
            ]),
        ),
        RefreshWith::Api => json_api(
            &config.endpoints.cognito_idp,
            "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
            &[
                ("RefreshToken", refresh_token.expose()),
                ("ClientId", &config.client_id),
            ],
        ),
    }
}

/// `POST /oauth2/revoke` for a refresh token.
pub fn revoke(config: &AuthConfig, refresh_token: &RefreshToken, via_api: bool) -> HttpRequest {
    if via_api {
        // A session of the in-app sign-in: the user-pool API's RevokeToken (no domain needed).
        return json_api(
            &config.endpoints.cognito_idp,
            "AWSCognitoIdentityProviderService.RevokeToken",
            &[
                ("Token", refresh_token.expose()),
                ("ClientId", &config.client_id),
            ],
        );
    }
    form_post(
        &config.endpoints.revoke,
        form(&[
            ("token", refresh_token.expose()),
            ("client_id", &config.client_id),
        ]),
    )
}

/// `GlobalSignOut` with an access token: ends every session of the user.
pub fn global_sign_out(config: &AuthConfig, access_token: &AccessToken) -> HttpRequest {
    json_api(
        &config.endpoints.cognito_idp,
        "AWSCognitoIdentityProviderService.GlobalSignOut",
        &[("AccessToken", access_token.expose())],
    )
}

/// Tokens from the token endpoint or `GetTokensFromRefreshToken`. `Debug` redacts the tokens (they are
/// [secret types](crate::secret)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The ID token (absent only without the `openid` scope).
    pub id_token: Option<IdToken>,
    /// The access token.
    pub access_token: AccessToken,
    /// A refresh token: always on a code exchange; on a refresh only with rotation.
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
}

/// Parses a token response, or turns a failure into a typed error:
/// - no response, 5xx, 429, throttling → [`ErrorKind::Network`] (transient: keep the session, retry);
/// - `invalid_grant` / `NotAuthorizedException` on a refresh → [`ErrorKind::SessionEnded`];
/// - any other refusal → [`ErrorKind::OAuth`] / [`ErrorKind::Aws`] with the server's error type;
/// - a body longer than [`MAX_RESPONSE_LENGTH`](crate::http::MAX_RESPONSE_LENGTH) (not parsed), or
///   not JSON → [`ErrorKind::Network`].
pub fn parse_token_response(response: &HttpResponse, grant: Grant) -> Result<TokenResponse> {
    if !(200..300).contains(&response.status) {
        return Err(classify_failure(response, grant));
    }
    let value = Value::parse(response.bounded_body()?)
        .ok_or_else(|| Error::new(ErrorKind::Network, "the token response is not JSON"))?;
    // GetTokensFromRefreshToken wraps the tokens in AuthenticationResult with PascalCase names.
    let (result, id, access, refresh, expires) = match value.get("AuthenticationResult") {
        Some(r) => (r, "IdToken", "AccessToken", "RefreshToken", "ExpiresIn"),
        None => (
            &value,
            "id_token",
            "access_token",
            "refresh_token",
            "expires_in",
        ),
    };
    let text = |name: &str| result.get(name).and_then(Value::as_str).map(str::to_owned);
    let access_token = text(access)
        .ok_or_else(|| Error::new(ErrorKind::Network, "the token response has no access token"))?;
    let expires_in = result
        .get(expires)
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::new(ErrorKind::Network, "the token response has no expires_in"))?;
    Ok(TokenResponse {
        id_token: text(id).map(IdToken::new),
        access_token: access_token.into(),
        refresh_token: text(refresh)
            .filter(|t| !t.is_empty())
            .map(RefreshToken::new),
        expires_in,
    })
}

/// What the authorization server sent back to the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// The `state` parameter.
    pub state: String,
    /// The code, or the error.
    pub outcome: CallbackOutcome,
}

/// The result carried by a callback URL. `Debug` redacts the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// `code`: to exchange.
    Code(AuthorizationCode),
    /// `error` and `error_description`.
    Error {
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
        /// The description, if any.
        description: Option<String>,
    },
}

fn query_of(url: &str) -> &str {
    let without_fragment = url.split('#').next().unwrap_or("");
    without_fragment.split_once('?').map_or("", |(_, q)| q)
}

/// Reads a callback URL: `?code=...&state=...` or `?error=...&state=...`. `None` when the URL is not one.
pub fn parse_callback(url: &str) -> Option<Callback> {
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in form_urlencoded::parse(query_of(url).as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    let state = state.filter(|s| !s.is_empty())?;
    let outcome = match (code, error) {
        (_, Some(error)) => CallbackOutcome::Error { error, description },
        (Some(code), None) if !code.is_empty() => CallbackOutcome::Code(code.into()),
        _ => return None,
    };
    Some(Callback { state, outcome })
}

/// `url` without the callback parameters (`code`, `state`, `error`, `error_description`), for the
/// address bar after the callback.
pub fn strip_callback_params(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (base, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            // Compared decoded, as parse_callback reads them (`c%6Fde` is `code`).
            let key = form_urlencoded::parse(pair.as_bytes())
                .next()
                .map(|(k, _)| k);
            !pair.is_empty()
                && !matches!(
                    key.as_deref(),
                    Some("code" | "state" | "error" | "error_description")
                )
        })
        .collect();
    let mut out = base.to_owned();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&crate::error::joined(kept, "&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Object;
    use serde_json::json;

    fn cfg() -> AuthConfig {
        let mut c = crate::testing::config("https://app.example/cb?x=1");
        c.logout_uri = Some("https://app.example/".into());
        c
    }

    use crate::testing::response as resp;

    #[test]
    fn authorize_url_carries_pkce_state_nonce_and_options() {
        let options = SignInOptions {
            identity_provider: Some("Google".into()),
            login_hint: Some("a b+c@example.com".into()),
            ..Default::default()
        };
        let url = authorize_url(&cfg(), "st", "no", "ch", &options).unwrap();
        assert_eq!(
            url,
            "https://shop.auth.us-east-1.amazoncognito.com/oauth2/authorize?response_type=code\
             &client_id=client1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1\
             &scope=openid%20email%20profile&state=st&nonce=no&code_challenge_method=S256\
             &code_challenge=ch&identity_provider=Google&login_hint=a%20b%2Bc%40example.com"
        );
        // Amplify's names for Apple and Amazon become Cognito's; every other name is sent as given.
        for (given, sent) in [
            ("Apple", "SignInWithApple"),
            ("Amazon", "LoginWithAmazon"),
            ("SignInWithApple", "SignInWithApple"),
            ("Facebook", "Facebook"),
            ("MyOidc", "MyOidc"),
        ] {
            let options = SignInOptions {
                identity_provider: Some(given.into()),
                ..Default::default()
            };
            let url = authorize_url(&cfg(), "s", "n", "c", &options).unwrap();
            assert!(
                url.ends_with(&format!("&identity_provider={sent}")),
                "{url}"
            );
        }
        let no_openid = SignInOptions {
            scopes: Some(vec!["email".into()]),
            ..Default::default()
        };
        assert_eq!(
            authorize_url(&cfg(), "s", "n", "c", &no_openid)
                .unwrap_err()
                .kind(),
            ErrorKind::Config
        );
    }

    #[test]
    fn stripping_compares_decoded_names() {
        let url = "https://app.example/cb?c%6Fde=abc&st%61te=s&x=1&error%5Fdescription=d#f";
        assert!(parse_callback(url).is_some(), "read as a callback");
        assert_eq!(strip_callback_params(url), "https://app.example/cb?x=1#f");
    }

    #[test]
    fn the_sign_up_screen_has_the_same_parameters_on_signup() {
        let o = Object::parse(r#"{"screen":"signup"}"#).unwrap();
        let options = SignInOptions::from_options(&o).unwrap();
        assert!(options.sign_up);
        let url = authorize_url(&cfg(), "st", "no", "ch", &options).unwrap();
        let plain = authorize_url(&cfg(), "st", "no", "ch", &SignInOptions::default()).unwrap();
        assert_eq!(
            url,
            plain.replace("/oauth2/authorize?", "/signup?"),
            "same PKCE, state, nonce and redirect"
        );
        assert!(url.starts_with(
            "https://shop.auth.us-east-1.amazoncognito.com/signup?response_type=code&"
        ));
        let signin = Object::parse(r#"{"screen":"signin"}"#).unwrap();
        assert!(!SignInOptions::from_options(&signin).unwrap().sign_up);
        let mut custom = cfg();
        custom.endpoints.authorize = "https://idp.example/authorize".into();
        let e = authorize_url(&custom, "s", "n", "c", &options).unwrap_err();
        assert!(e.message().starts_with("screen:"), "{}", e.message());
    }

    #[test]
    fn logout_url_needs_a_logout_uri() {
        assert_eq!(
            logout_url(&cfg()).unwrap(),
            "https://shop.auth.us-east-1.amazoncognito.com/logout?client_id=client1&logout_uri=https%3A%2F%2Fapp.example%2F"
        );
        let mut c = cfg();
        c.logout_uri = None;
        assert!(logout_url(&c)
            .unwrap_err()
            .message()
            .starts_with("logoutUri"));
    }

    #[test]
    fn token_requests_are_form_posts_or_json_api_calls() {
        let r = code_exchange(
            &cfg(),
            &AuthorizationCode::new("the code"),
            &PkceVerifier::new("v".repeat(43)),
        );
        assert_eq!(
            r.url,
            "https://shop.auth.us-east-1.amazoncognito.com/oauth2/token"
        );
        assert_eq!(
            r.body.expose(),
            format!("grant_type=authorization_code&client_id=client1&code=the+code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&code_verifier={}", "v".repeat(43))
        );
        let r = refresh(&cfg(), &RefreshToken::new("rt"), false);
        assert_eq!(
            r.body.expose(),
            "grant_type=refresh_token&client_id=client1&refresh_token=rt"
        );
        let mut c = cfg();
        c.refresh_with = RefreshWith::Api;
        // Tokens of an in-app sign-in go through the API whatever the config says.
        assert_eq!(
            refresh(&cfg(), &RefreshToken::new("rt"), true),
            refresh(&c, &RefreshToken::new("rt"), false)
        );
        let r = refresh(&c, &RefreshToken::new("rt"), false);
        assert_eq!(r.url, "https://cognito-idp.us-east-1.amazonaws.com/");
        assert!(r.headers.contains(&(
            "x-amz-target".into(),
            "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken".into()
        )));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(r.body.expose()).unwrap(),
            json!({"RefreshToken": "rt", "ClientId": "client1"})
        );
        assert_eq!(
            revoke(&cfg(), &RefreshToken::new("rt"), false)
                .body
                .expose(),
            "token=rt&client_id=client1"
        );
        let api = revoke(&cfg(), &RefreshToken::new("rt"), true);
        assert!(api.headers.iter().any(|(_, v)| v.ends_with(".RevokeToken")));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(api.body.expose()).unwrap(),
            json!({"Token": "rt", "ClientId": "client1"})
        );
        let g = global_sign_out(&cfg(), &AccessToken::new("at"));
        assert!(g
            .headers
            .contains(&("content-type".into(), "application/x-amz-json-1.1".into())));
    }

    #[test]
    fn parses_both_token_response_shapes() {
        let t = parse_token_response(
            &resp(200, r#"{"id_token":"i","access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":3600}"#),
            Grant::Code,
        )
        .unwrap();
        assert_eq!(
            (
                t.id_token.as_ref().map(IdToken::expose),
                t.access_token.expose(),
                t.expires_in
            ),
            (Some("i"), "a", 3600)
        );
        assert_eq!(t.refresh_token.unwrap().expose(), "r");
        let t = parse_token_response(
            &resp(200, r#"{"AuthenticationResult":{"IdToken":"i","AccessToken":"a","ExpiresIn":300,"TokenType":"Bearer"}}"#),
            Grant::Refresh,
        )
        .unwrap();
        assert_eq!(
            (t.access_token.expose(), t.expires_in, t.refresh_token),
            ("a", 300, None)
        );
        for broken in ["", "{}", r#"{"access_token":"a"}"#, "<html>"] {
            assert_eq!(
                parse_token_response(&resp(200, broken), Grant::Refresh)
                    .unwrap_err()
                    .kind(),
                ErrorKind::Network
            );
        }
    }

    #[test]
    fn responses_are_read_up_to_the_cap() {
        use crate::awsjson::json_api_body;
        use crate::http::MAX_RESPONSE_LENGTH;
        use crate::testing::padded;
        let too_long = (ErrorKind::Network, "the response is longer than 1 MB");
        for (body, grant) in [
            (r#"{"access_token":"a","expires_in":3600}"#, Grant::Code),
            (
                r#"{"AuthenticationResult":{"AccessToken":"a","ExpiresIn":300}}"#,
                Grant::Refresh,
            ),
        ] {
            let at_cap = padded(body, MAX_RESPONSE_LENGTH);
            let t = parse_token_response(&resp(200, &at_cap), grant).unwrap();
            assert_eq!(t.access_token.expose(), "a");
            let over = padded(body, MAX_RESPONSE_LENGTH + 1);
            let e = parse_token_response(&resp(200, &over), grant).unwrap_err();
            assert_eq!((e.kind(), e.message()), too_long);
        }
        // A refusal over the cap is classified by its status alone: its type is not read.
        let refusal = r#"{"__type":"NotAuthorizedException"}"#;
        let kind = |len| {
            let e = parse_token_response(&resp(400, &padded(refusal, len)), Grant::Refresh)
                .unwrap_err();
            (e.kind(), e.server_type().map(str::to_owned))
        };
        assert_eq!(
            kind(MAX_RESPONSE_LENGTH),
            (
                ErrorKind::SessionEnded,
                Some("NotAuthorizedException".into())
            )
        );
        assert_eq!(kind(MAX_RESPONSE_LENGTH + 1), (ErrorKind::OAuth, None));
        // The JSON APIs' successes likewise.
        let body = r#"{"UserAttributes":[{"Name":"sub","Value":"s"}]}"#;
        let v = json_api_body(&resp(200, &padded(body, MAX_RESPONSE_LENGTH)), "no").unwrap();
        assert!(v.get("UserAttributes").is_some());
        let over = padded(body, MAX_RESPONSE_LENGTH + 1);
        let e = json_api_body(&resp(200, &over), "no").unwrap_err();
        assert_eq!((e.kind(), e.message()), too_long);
    }

    #[test]
    fn classifies_failures() {
        let kind = |status, body: &str, grant| {
            let e = parse_token_response(&resp(status, body), grant).unwrap_err();
            (e.kind(), e.server_type().map(str::to_owned))
        };
        use ErrorKind::*;
        assert_eq!(
            kind(400, r#"{"error":"invalid_grant"}"#, Grant::Refresh),
            (SessionEnded, Some("invalid_grant".into()))
        );
        assert_eq!(
            kind(400, r#"{"error":"invalid_grant"}"#, Grant::Code),
            (OAuth, Some("invalid_grant".into()))
        );
        assert_eq!(
            kind(
                400,
                r#"{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}"#,
                Grant::Refresh
            )
            .0,
            SessionEnded
        );
        assert_eq!(
            kind(
                400,
                r#"{"__type":"com.amazon#NotAuthorizedException:x"}"#,
                Grant::Refresh
            )
            .1
            .as_deref(),
            Some("NotAuthorizedException")
        );
        assert_eq!(
            kind(
                400,
                r#"{"__type":"TooManyRequestsException"}"#,
                Grant::Refresh
            )
            .0,
            Network
        );
        assert_eq!(
            kind(429, r#"{"error":"too_many_requests"}"#, Grant::Refresh).0,
            Network
        );
        assert_eq!(kind(500, "oops", Grant::Refresh), (Network, None));
        assert_eq!(kind(503, "", Grant::Code).0, Network);
        assert_eq!(kind(0, "", Grant::Refresh).0, Network);
        assert_eq!(
            kind(400, r#"{"error":"invalid_client"}"#, Grant::Refresh),
            (OAuth, Some("invalid_client".into()))
        );
        assert_eq!(
            kind(
                400,
                r#"{"__type":"ResourceNotFoundException"}"#,
                Grant::Refresh
            )
            .0,
            Aws
        );
        let header_only = HttpResponse {
            status: 400,
            body: "".into(),
            error_type_header: Some("NotAuthorizedException:".into()),
            request_id: None,
        };
        assert_eq!(
            classify_failure(&header_only, Grant::Refresh).kind(),
            SessionEnded
        );
    }

    #[test]
    fn a_failure_carries_its_status_request_id_cause_and_whether_to_retry() {
        use ErrorKind::{Aws, Network};
        let refused = HttpResponse {
            status: 400,
            body:
                r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#
                    .into(),
            error_type_header: None,
            request_id: Some("6f1c-req".into()),
        };
        let e = classify_failure(&refused, Grant::Code);
        assert_eq!(
            (
                e.kind(),
                e.status(),
                e.request_id(),
                e.cause(),
                e.retryable()
            ),
            (Aws, Some(400), Some("6f1c-req"), None, false)
        );
        let throttled = HttpResponse {
            status: 429,
            ..refused.clone()
        };
        let e = classify_failure(&throttled, Grant::Code);
        assert_eq!(
            (e.kind(), e.status(), e.retryable()),
            (Network, Some(429), true)
        );
        let unanswered = HttpResponse {
            status: 0,
            body: "TypeError: Failed to fetch".into(),
            error_type_header: None,
            request_id: None,
        };
        let e = classify_failure(&unanswered, Grant::Refresh);
        assert_eq!(
            (
                e.kind(),
                e.status(),
                e.request_id(),
                e.cause(),
                e.retryable()
            ),
            (
                Network,
                None,
                None,
                Some("TypeError: Failed to fetch"),
                true
            )
        );
        let silent = HttpResponse {
            body: "".into(),
            ..unanswered
        };
        assert_eq!(classify_failure(&silent, Grant::Refresh).cause(), None);
    }

    #[test]
    fn sign_in_options_from_an_options_object() {
        let o = Object::parse(
            r#"{"identityProvider":"Google","scopes":"openid","customState":"cart=3","lang":"fr"}"#,
        )
        .unwrap();
        let options = SignInOptions::from_options(&o).unwrap();
        assert_eq!(
            options,
            SignInOptions {
                identity_provider: Some("Google".into()),
                lang: Some("fr".into()),
                scopes: Some(vec!["openid".into()]),
                custom_state: Some("cart=3".into()),
                ..Default::default()
            }
        );
        assert_eq!(
            SignInOptions::from_options(&Object::new()).unwrap(),
            SignInOptions::default()
        );
        for (text, field) in [
            (r#"{"customState":{}}"#, "customState"),
            (r#"{"scopes":[1]}"#, "scopes"),
            (r#"{"loginHint":true}"#, "loginHint"),
            (r#"{"screen":"register"}"#, "screen"),
        ] {
            let err = SignInOptions::from_options(&Object::parse(text).unwrap()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(err.message().starts_with(field), "{text}");
        }
    }

    #[test]
    fn debug_output_carries_no_secret() {
        let req = code_exchange(
            &cfg(),
            &"the-code".into(),
            &PkceVerifier::new("the-verifier-0123456789012345678901234567"),
        );
        let tokens = TokenResponse {
            id_token: Some("eyJid".into()),
            access_token: "eyJaccess".into(),
            refresh_token: Some(RefreshToken::new("refresh-secret")),
            expires_in: 60,
        };
        let resp = resp(200, r#"{"access_token":"eyJaccess"}"#);
        let cb = parse_callback("https://app.example/cb?code=the-code&state=s").unwrap();
        let all = format!("{req:?} {tokens:?} {resp:?} {cb:?}");
        assert!(all.contains("Code(AuthorizationCode([redacted]))"), "{all}");
        for secret in [
            "the-code",
            "the-verifier",
            "eyJid",
            "eyJaccess",
            "refresh-secret",
        ] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
    }

    #[test]
    fn reads_and_strips_callbacks() {
        let cb = parse_callback("https://app.example/cb?x=1&code=abc&state=s%2B1#top").unwrap();
        assert_eq!(
            cb,
            Callback {
                state: "s+1".into(),
                outcome: CallbackOutcome::Code("abc".into())
            }
        );
        let cb = parse_callback(
            "https://app.example/cb?error=access_denied&error_description=User+cancelled&state=s",
        )
        .unwrap();
        assert_eq!(
            cb.outcome,
            CallbackOutcome::Error {
                error: "access_denied".into(),
                description: Some("User cancelled".into())
            }
        );
        assert_eq!(parse_callback("https://app.example/cb?code=abc"), None);
        assert_eq!(parse_callback("https://app.example/cb?state=s"), None);
        assert_eq!(parse_callback("https://app.example/#code=a&state=b"), None);
        assert_eq!(
            strip_callback_params("https://app.example/cb?x=1&code=abc&state=s#top"),
            "https://app.example/cb?x=1#top"
        );
        assert_eq!(
            strip_callback_params("https://app.example/?code=abc&state=s"),
            "https://app.example/"
        );
        assert_eq!(
            strip_callback_params(
                "https://app.example/?error=e&error_description=d&state=s&codex=1"
            ),
            "https://app.example/?codex=1"
        );
    }
}
