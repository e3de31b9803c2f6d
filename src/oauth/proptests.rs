//! No response body, status or callback URL makes the OAuth layer panic: token responses, error
//! responses (OAuth `error`, AWS `__type`, the `x-amzn-errortype` header) and redirect callbacks give
//! a value or a typed error (strategies in `crate::testing::fuzz`).

use proptest::prelude::*;

use super::*;
use crate::awsjson::aws_error_type;
use crate::json::Object;
use crate::testing::fuzz::{self, *};

const RESPONSE_KEYS: &[&str] = &[
    "id_token",
    "access_token",
    "refresh_token",
    "expires_in",
    "token_type",
    "AuthenticationResult",
    "IdToken",
    "AccessToken",
    "RefreshToken",
    "ExpiresIn",
    "error",
    "error_description",
    "__type",
    "message",
];

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(0u16),
        prop::sample::select(vec![200u16, 204, 299, 300, 400, 401, 403, 429, 500, 503]),
        any::<u16>(),
    ]
}

/// A successful token response of either shape (token endpoint, `GetTokensFromRefreshToken`).
fn valid_response() -> impl Strategy<Value = Object> {
    (
        prop::option::of(short_text()),
        short_text(),
        prop::option::of(short_text()),
        timestamp(),
        any::<bool>(),
    )
        .prop_map(|(id, access, refresh, expires_in, api)| {
            if api {
                let result = Object::new()
                    .with("IdToken", id)
                    .with("AccessToken", access)
                    .with("RefreshToken", refresh)
                    .with("ExpiresIn", expires_in)
                    .with("TokenType", "Bearer");
                Object::new().with("AuthenticationResult", result)
            } else {
                Object::new()
                    .with("id_token", id)
                    .with("access_token", access)
                    .with("refresh_token", refresh)
                    .with("expires_in", expires_in)
                    .with("token_type", "Bearer")
            }
        })
}

/// An error response: OAuth (`error`, `error_description`) or AWS (`__type`, `message`) members of
/// any type.
fn error_response() -> impl Strategy<Value = Object> {
    let member = prop_oneof![
        prop::sample::select(vec![
            "invalid_grant",
            "NotAuthorizedException",
            "com.amazon#NotAuthorizedException:x",
            "TooManyRequestsException",
            "server_error",
            "#",
            ":",
            "",
        ])
        .prop_map(Value::from),
        short_text().prop_map(Value::from),
        wrong_value(),
    ];
    prop::collection::vec(
        (
            prop::sample::select(vec!["error", "error_description", "__type", "message"]),
            member,
        ),
        0..4,
    )
    .prop_map(|pairs| object_of(pairs.into_iter().map(|(k, v)| (k.to_owned(), v))))
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => text(),
        1 => json_value().prop_map(|v| v.to_json()),
        2 => mutated_object(valid_response(), RESPONSE_KEYS).prop_map(|o| o.to_json()),
        2 => mutated_text(valid_response().prop_map(|o| o.to_json())),
        2 => error_response().prop_map(|o| o.to_json()),
        1 => mutated_text(error_response().prop_map(|o| o.to_json())),
    ]
}

fn error_type_header() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        short_text(),
        "([a-z.]{1,10}#)?[A-Za-z]{1,20}(:[ -~]{0,10})?",
    ])
}

fn response() -> impl Strategy<Value = HttpResponse> {
    (status(), body(), error_type_header()).prop_map(|(status, body, error_type_header)| {
        HttpResponse {
            status,
            body: body.into(),
            error_type_header,
            request_id: None,
        }
    })
}

/// A typed error for a failed request: the kinds a refusal may have, `ERR_SESSION_ENDED` only for a
/// refresh, `ERR_NETWORK` when nothing arrived.
fn check_failure(e: &Error, response: &HttpResponse, grant: Grant) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(
            e.kind(),
            ErrorKind::Network | ErrorKind::OAuth | ErrorKind::Aws | ErrorKind::SessionEnded
        ),
        "{}",
        e
    );
    if e.kind() == ErrorKind::SessionEnded {
        prop_assert_eq!(grant, Grant::Refresh);
    }
    if response.status == 0 {
        prop_assert_eq!(e.kind(), ErrorKind::Network);
    }
    Ok(())
}

/// Query values: encoded text, raw text (with `&`, `=`, `#`, `%` in it), broken escapes, escapes of
/// bytes that are not UTF-8.
fn param_value() -> impl Strategy<Value = String> {
    prop_oneof![
        short_text().prop_map(|v| encode_component(&v)),
        short_text(),
        prop::sample::select(vec![
            "", "%", "%z", "%zz", "%e9", "%ff%fe", "+", "%2B", "a=b", "#x"
        ])
        .prop_map(String::from),
    ]
}

fn param_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "code",
            "state",
            "error",
            "error_description",
            "x",
            "",
            "c%6Fde",
            "st+ate",
            "code ",
        ])
        .prop_map(String::from),
        short_text(),
    ]
}

/// Callback URLs: any text, URLs of any parameters (repeated, empty, broken), the valid one mutated.
fn callback_url() -> impl Strategy<Value = String> {
    let structured = (
        prop_oneof![
            Just("https://app.example/cb".to_owned()),
            "[a-z]{0,5}:?/{0,3}[a-z.]{0,10}(/[^?#]{0,8}){0,3}",
        ],
        prop::collection::vec((param_key(), param_value()), 0..6),
        prop::option::of(short_text()),
        "[?&]{0,3}",
    )
        .prop_map(|(base, params, fragment, joiner)| {
            let mut url = base;
            url.push('?');
            for (k, v) in params {
                url.push_str(&k);
                url.push('=');
                url.push_str(&v);
                url.push_str(if joiner.is_empty() { "&" } else { &joiner });
            }
            if let Some(f) = fragment {
                url.push('#');
                url.push_str(&f);
            }
            url
        });
    prop_oneof![
        2 => text(),
        4 => structured,
        2 => mutated_text(Just(
            "https://app.example/cb?x=1&code=abc-123&state=s%2B1&error_description=a+b#top".to_owned()
        )),
    ]
}

proptest! {
    #![proptest_config(fuzz::config(256))]

    /// Any status, body and error-type header: tokens only for a 2xx, otherwise a typed error; the
    /// classification of the failure and the AWS error type answer for any response.
    #[test]
    fn prop_oauth_token_response_any(response in response(), refresh in any::<bool>()) {
        let grant = if refresh { Grant::Refresh } else { Grant::Code };
        match parse_token_response(&response, grant) {
            Ok(t) => {
                prop_assert!((200..300).contains(&response.status));
                let debug = format!("{t:?}");
                prop_assert!(debug.contains("access_token: AccessToken([redacted])"), "{}", debug);
            }
            Err(e) => check_failure(&e, &response, grant)?,
        }
        check_failure(&classify_failure(&response, grant), &response, grant)?;
        let _ = aws_error_type(&response);
    }

    /// A successful response of either shape reads back as the tokens it carries (an empty refresh
    /// token is none).
    #[test]
    fn prop_oauth_token_response_roundtrip(
        body in valid_response(),
        status in 200..300u16,
        refresh in any::<bool>(),
    ) {
        let result = body.get("AuthenticationResult").and_then(Value::as_object).unwrap_or(&body);
        let text = |a: &str, b: &str| result.get(a).or_else(|| result.get(b)).and_then(Value::as_str).map(str::to_owned);
        let expected = TokenResponse {
            id_token: text("id_token", "IdToken").map(IdToken::new),
            access_token: text("access_token", "AccessToken").unwrap().into(),
            refresh_token: text("refresh_token", "RefreshToken").filter(|t| !t.is_empty()).map(RefreshToken::new),
            expires_in: result.get("expires_in").or_else(|| result.get("ExpiresIn")).and_then(Value::as_u64).unwrap(),
        };
        let response = HttpResponse { status, body: body.to_json().into(), error_type_header: None, request_id: None };
        let grant = if refresh { Grant::Refresh } else { Grant::Code };
        prop_assert_eq!(parse_token_response(&response, grant), Ok(expected));
    }

    /// The AWS error type is the name between the last `#` and the first `:` after it, from the body's
    /// `__type` or else the header.
    #[test]
    fn prop_oauth_aws_error_type(
        prefix in "([a-z.]{0,12}#)?",
        name in "[A-Za-z_]{1,30}",
        suffix in "(:[ -\"$-~]{0,20})?",
        in_body in any::<bool>(),
        status in 400..600u16,
    ) {
        let raw = format!("{prefix}{name}{suffix}");
        let response = if in_body {
            HttpResponse { status, body: Object::new().with("__type", raw.as_str()).to_json().into(), error_type_header: None, request_id: None }
        } else {
            HttpResponse { status, body: "".into(), error_type_header: Some(raw.clone()), request_id: None }
        };
        prop_assert_eq!(aws_error_type(&response), Some(name.clone()));
        let error = classify_failure(&response, Grant::Refresh);
        prop_assert_eq!(error.server_type(), Some(name.as_str()));
    }

    /// Any URL: a callback or not (a callback always has a state, and a code that is not empty);
    /// stripping the callback parameters is idempotent and never lengthens it.
    #[test]
    fn prop_oauth_callback_any(url in callback_url()) {
        if let Some(cb) = parse_callback(&url) {
            prop_assert!(!cb.state.is_empty());
            if let CallbackOutcome::Code(code) = &cb.outcome {
                prop_assert!(!code.expose().is_empty());
            }
            let _ = format!("{cb:?}");
        }
        let stripped = strip_callback_params(&url);
        prop_assert!(stripped.len() <= url.len());
        prop_assert_eq!(strip_callback_params(&stripped), stripped.clone());
    }

    /// A callback URL built from any code (or error) and state reads back as them, and without its
    /// callback parameters it is the app's URL again and no callback.
    #[test]
    fn prop_oauth_callback_roundtrip(
        base in "https://[a-z]{1,10}\\.example(/[a-z]{0,8}){0,3}",
        code in "[^\u{0}]{1,40}",
        state in "[^\u{0}]{1,40}",
        extra in prop::collection::vec(("[a-z]{1,8}", short_text()), 0..4),
        error in prop::option::of((short_text(), prop::option::of(short_text()))),
        fragment in prop::option::of("[a-z]{0,8}"),
    ) {
        let extra: Vec<(String, String)> = extra
            .into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "code" | "state" | "error" | "error_description"))
            .collect();
        let mut pairs: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match &error {
            Some((e, d)) => {
                pairs.push(("error", e));
                if let Some(d) = d {
                    pairs.push(("error_description", d));
                }
            }
            None => pairs.push(("code", &code)),
        }
        pairs.push(("state", &state));
        let app = if extra.is_empty() {
            base.clone()
        } else {
            let kept: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            format!("{base}?{}", query(&kept))
        };
        let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
        let url = format!("{base}?{}{fragment}", query(&pairs));
        let outcome = match error {
            Some((error, description)) => CallbackOutcome::Error { error, description },
            None => CallbackOutcome::Code(code.into()),
        };
        prop_assert_eq!(parse_callback(&url), Some(Callback { state, outcome }));
        let stripped = strip_callback_params(&url);
        prop_assert_eq!(&stripped, &format!("{app}{fragment}"));
        prop_assert_eq!(parse_callback(&stripped), None);
    }
}

/// Every prefix and suffix of a token response and of a callback URL: typed errors, no panic.
#[test]
fn prop_oauth_every_cut() {
    let body =
        r#"{"AuthenticationResult":{"IdToken":"i\u00e9","AccessToken":"a","ExpiresIn":300}}"#;
    every_cut(body, |b| {
        let r = crate::testing::response(200, b);
        if let Err(e) = parse_token_response(&r, Grant::Refresh) {
            assert_eq!(e.kind(), ErrorKind::Network);
        }
    });
    every_cut(
        "https://app.example/cb?x=%C3%A9&code=abc&state=s%2B1#top",
        |u| {
            let _ = (parse_callback(u), strip_callback_params(u));
        },
    );
}
