//! No identity-pool response and no stored credentials make the identity layer panic: `GetId` and
//! `GetCredentialsForIdentity` responses give a value or a typed error, and whatever is stored under
//! the credentials key reads as credentials or none (strategies in `crate::testing::fuzz`).

use proptest::prelude::*;

use super::*;
use crate::testing::fuzz::{self, *};

const RESPONSE_KEYS: &[&str] = &[
    "IdentityId",
    "Credentials",
    "AccessKeyId",
    "SecretKey",
    "SessionToken",
    "Expiration",
    "__type",
    "message",
];
const STORED_KEYS: &[&str] = &[
    "v",
    "identity_id",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "expiration",
];

fn credentials() -> impl Strategy<Value = IdentityCredentials> {
    (
        text(),
        text(),
        text(),
        text(),
        timestamp().prop_map(|s| s.max(1)),
    )
        .prop_map(|(identity_id, access_key_id, secret, token, expiration)| {
            IdentityCredentials {
                v: STORAGE_VERSION,
                identity_id,
                access_key_id,
                secret_access_key: SecretAccessKey::new(secret),
                session_token: SessionToken::new(token),
                expiration,
            }
        })
}

/// `GetCredentialsForIdentity`'s answer for `c`, with `Expiration` in epoch seconds (an integer, a
/// fraction or an exponent).
fn credentials_response(c: &IdentityCredentials, notation: u8) -> Object {
    let expiration = match notation {
        0 => c.expiration.to_string(),
        1 => format!("{}.999", c.expiration),
        _ => format!("{}e0", c.expiration),
    };
    let creds = Object::new()
        .with("AccessKeyId", c.access_key_id.as_str())
        .with("SecretKey", c.secret_access_key.expose())
        .with("SessionToken", c.session_token.expose())
        .with("Expiration", Value::parse(&expiration).unwrap());
    Object::new()
        .with("IdentityId", c.identity_id.as_str())
        .with("Credentials", creds)
}

fn valid_response() -> impl Strategy<Value = Object> {
    (credentials(), 0..3u8).prop_map(|(c, n)| credentials_response(&c, n))
}

fn response() -> impl Strategy<Value = HttpResponse> {
    let body = prop_oneof![
        2 => text(),
        1 => json_value().prop_map(|v| v.to_json()),
        3 => mutated_object(valid_response(), RESPONSE_KEYS).prop_map(|o| o.to_json()),
        2 => mutated_text(valid_response().prop_map(|o| o.to_json())),
        1 => (prop::option::of(short_text()), prop::option::of(short_text())).prop_map(|(t, m)| {
            Object::new().with("__type", t).with("message", m).to_json()
        }),
    ];
    let status = prop_oneof![
        Just(200u16),
        Just(0u16),
        prop::sample::select(vec![400u16, 429, 500]),
        any::<u16>()
    ];
    (status, body, prop::option::of(short_text())).prop_map(|(status, body, error_type_header)| {
        HttpResponse {
            status,
            body: body.into(),
            error_type_header,
            request_id: None,
        }
    })
}

fn stored() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => text(),
        1 => json_value().prop_map(|v| v.to_json()),
        4 => mutated_object(
            credentials().prop_map(|c| Object::parse(&c.to_json()).unwrap()),
            STORED_KEYS
        )
        .prop_map(|o| o.to_json()),
        3 => mutated_text(credentials().prop_map(|c| c.to_json())),
    ]
}

/// What an identity-pool call may fail with (a refusal is never "the session ended").
fn check_failure(e: &Error, response: &HttpResponse) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(
            e.kind(),
            ErrorKind::Network | ErrorKind::OAuth | ErrorKind::Aws
        ),
        "{}",
        e
    );
    if response.status == 0 {
        prop_assert_eq!(e.kind(), ErrorKind::Network);
    }
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(256))]

    /// Any status, body and header: an identity id or credentials only for a 2xx, otherwise a typed
    /// error; credentials read from a response are usable at any time.
    #[test]
    fn prop_identity_any_response(response in response(), now in timestamp()) {
        match parse_get_id(&response) {
            Ok(_) => prop_assert!((200..300).contains(&response.status)),
            Err(e) => check_failure(&e, &response)?,
        }
        match parse_credentials(&response) {
            Ok(c) => {
                prop_assert!((200..300).contains(&response.status));
                prop_assert!(c.expiration > 0);
                let _ = (c.needs_refresh(now), c.signing(), c.to_app_json().to_json());
                prop_assert_eq!(IdentityCredentials::from_json(&c.to_json()), Some(c));
            }
            Err(e) => {
                check_failure(&e, &response)?;
                let _ = identity_id_stale(&e, false);
            }
        }
    }

    /// A `GetCredentialsForIdentity` answer reads back as the credentials it carries, whatever the
    /// notation of `Expiration`; stored and read back, they are the same.
    #[test]
    fn prop_identity_credentials_roundtrip(c in credentials(), notation in 0..3u8) {
        let response = HttpResponse {
            status: 200,
            body: credentials_response(&c, notation).to_json().into(),
            error_type_header: None, request_id: None,
        };
        prop_assert_eq!(parse_credentials(&response), Ok(c.clone()));
        prop_assert_eq!(IdentityCredentials::from_json(&c.to_json()), Some(c));
    }

    /// Whatever is stored under a credentials key: credentials (which write back as themselves) or
    /// none; what was read is used at any time.
    #[test]
    fn prop_identity_any_stored(text in stored(), now in timestamp()) {
        if let Some(c) = IdentityCredentials::from_json(&text) {
            let _ = (c.needs_refresh(now), c.signing(), c.to_app_json().to_json(), format!("{c:?}"));
            prop_assert_eq!(IdentityCredentials::from_json(&c.to_json()), Some(c));
        }
    }
}

/// Every prefix and suffix of stored credentials and of a response: none or a typed error.
#[test]
fn prop_identity_every_cut() {
    let c = IdentityCredentials {
        v: STORAGE_VERSION,
        identity_id: "us-east-1:\u{e9}".into(),
        access_key_id: "ASIA".into(),
        secret_access_key: SecretAccessKey::new("s"),
        session_token: SessionToken::new("t"),
        expiration: u64::MAX,
    };
    every_cut(&c.to_json(), |t| {
        if let Some(c) = IdentityCredentials::from_json(t) {
            let _ = c.needs_refresh(u64::MAX);
        }
    });
    every_cut(&credentials_response(&c, 1).to_json(), |body| {
        let r = crate::testing::response(200, body);
        if let Err(e) = parse_credentials(&r) {
            assert_eq!(e.kind(), ErrorKind::Network);
        }
    });
}
