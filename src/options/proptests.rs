//! No options object makes an option reader panic: every `from_options` constructor (and the string
//! parsers behind them: pool id, storage kind, token use, URLs) builds its value or answers
//! `ERR_CONFIG` naming the field (strategies in `crate::testing::fuzz`). The JS facade hands these
//! readers whatever the page passes, through `JSON.stringify`.

use proptest::prelude::*;

use super::*;
use crate::config::{AuthConfig, StorageKind, UserPoolId};
use crate::jwt::{inline_jwks, TokenUse, Verifier, VerifierConfig};
use crate::oauth::authorize_url;
use crate::options::SignInOptions;
use crate::testing::fuzz::{self, *};
use crate::ErrorKind;

/// Every field name a reader knows (so that an edit hits one often).
const FIELDS: &[&str] = &[
    "userPoolId",
    "clientId",
    "domain",
    "redirectUri",
    "logoutUri",
    "scopes",
    "identityPoolId",
    "storage",
    "refreshMarginSeconds",
    "transactionTtlSeconds",
    "refreshWith",
    "endpoints",
    "issuer",
    "jwksUri",
    "cognitoIdp",
    "cognitoIdentity",
    "authorize",
    "token",
    "revoke",
    "logout",
    "userInfo",
    "tokenUse",
    "groups",
    "scope",
    "graceSeconds",
    "jwks",
    "forceRefresh",
    "global",
    "redirect",
    "service",
    "region",
    "expiresIn",
    "identityProvider",
    "idpIdentifier",
    "loginHint",
    "lang",
    "prompt",
    "customState",
];

fn auth_options() -> Object {
    let endpoints = Object::new()
        .with("issuer", "https://issuer.example/pool")
        .with("token", "http://localhost:9000/oauth2/token");
    Object::parse(
        r#"{"userPoolId":"us-east-1_AbC123","clientId":"client1","domain":"https://shop.auth.us-east-1.amazoncognito.com",
            "redirectUri":"https://app.example/","logoutUri":"https://app.example/","scopes":["openid","email"],
            "identityPoolId":"us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c","storage":"session",
            "refreshMarginSeconds":60,"transactionTtlSeconds":600,"refreshWith":"api"}"#,
    )
    .unwrap()
    .with("endpoints", endpoints)
}

fn verifier_options() -> Object {
    Object::parse(
        r#"{"userPoolId":"us-east-1_AbC123","tokenUse":"id","clientId":["a","b"],"groups":"admin",
            "scope":["read"],"graceSeconds":30,"issuer":"https://issuer.example","jwks":{"keys":[]}}"#,
    )
    .unwrap()
}

fn method_options() -> Object {
    Object::parse(
        r#"{"forceRefresh":true,"global":false,"redirect":true,"service":"s3","region":"us-east-1",
            "expiresIn":900,"identityProvider":"Google","loginHint":"a@b","scopes":["openid"],"customState":"x"}"#,
    )
    .unwrap()
}

/// Options objects: any object, objects of the known fields with values of any type, and valid
/// options with fields removed, of the wrong type, huge, negative, nested deep.
fn options() -> impl Strategy<Value = Object> {
    let known = || prop::sample::select(FIELDS.to_vec()).prop_map(String::from);
    // Values of the types the readers take, for edits that may still be valid.
    let plausible = prop_oneof![
        short_text().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        (0..4000u64).prop_map(Value::from),
        prop::collection::vec(short_text().prop_map(Value::from), 0..3).prop_map(Value::Array),
    ];
    let edited = |valid: Object| {
        (
            Just(valid),
            prop::collection::vec((known(), plausible.clone()), 0..3),
        )
            .prop_map(|(mut o, edits)| {
                for (k, v) in edits {
                    o.insert(k, v);
                }
                o
            })
    };
    prop_oneof![
        1 => prop::collection::vec((key(), json_value()), 0..8).prop_map(object_of),
        2 => prop::collection::vec((known(), wrong_value()), 0..10).prop_map(object_of),
        2 => edited(auth_options()),
        2 => edited(verifier_options()),
        3 => mutated_object(Just(auth_options()), FIELDS),
        3 => mutated_object(Just(verifier_options()), FIELDS),
        2 => mutated_object(Just(method_options()), FIELDS),
    ]
}

fn config_error(e: &crate::Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.kind(), ErrorKind::Config, "{}", e);
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(256))]

    /// Any options object: each constructor builds its value or answers `ERR_CONFIG`; what was built
    /// is used (an authorize URL, a verifier over the inline key set) without a panic.
    #[test]
    fn prop_options_any_object(
        o in options(),
        state in short_text(),
        nonce in short_text(),
        field in prop::sample::select(FIELDS.to_vec()),
        text in text(),
    ) {
        if let Err(e) = GetTokensOptions::from_options(&o) { config_error(&e)? }
        if let Err(e) = CredentialsOptions::from_options(&o) { config_error(&e)? }
        if let Err(e) = SignOutOptions::from_options(&o) { config_error(&e)? }
        if let Err(e) = AwsServiceOptions::from_options(&o) { config_error(&e)? }
        match PresignOptions::from_options(&o) {
            Ok(p) => prop_assert!((1..=MAX_EXPIRES_IN).contains(&p.expires_in)),
            Err(e) => config_error(&e)?,
        }
        let sign_in = SignInOptions::from_options(&o);
        match AuthConfig::from_options(&o) {
            Ok(auth) => {
                let _ = auth.identity_provider_name();
                if let Ok(options) = &sign_in {
                    if let Err(e) = authorize_url(&auth, &state, &nonce, "challenge", options) {
                        config_error(&e)?
                    }
                }
                let _ = crate::oauth::logout_url(&auth);
            }
            Err(e) => config_error(&e)?,
        }
        if let Err(e) = &sign_in { config_error(e)? }
        let jwks = inline_jwks(&o);
        match VerifierConfig::from_options(&o) {
            Ok(verifier) => match jwks {
                Ok(jwks) => {
                    if let Err(e) = Verifier::new(verifier, jwks.as_deref()) {
                        prop_assert_eq!(e.kind(), ErrorKind::Jwks, "{}", e);
                    }
                }
                Err(e) => config_error(&e)?,
            },
            Err(e) => config_error(&e)?,
        }
        // The reader on its own, for each type.
        let mut r = Reader::new(&o);
        let _ = (r.string(field), r.required(field), r.bool(field), r.seconds(field), r.strings(field));
        if let Some(mut nested) = r.object(field) {
            let _ = (nested.string(&text), nested.check());
        }
        if let Err(e) = r.check() {
            config_error(&e)?;
            prop_assert!(e.message().starts_with(field), "{}", e);
        }
    }

    /// The string parsers behind the options, over any text: pool ids, storage kinds, token uses.
    #[test]
    fn prop_options_string_fields(text in prop_oneof![
        text(),
        "[a-z]{2,4}(-[a-z0-9]{1,9}){1,4}_[A-Za-z0-9_]{0,12}",
        "[a-z-]{0,12}[0-9]?_.{0,6}",
    ]) {
        match UserPoolId::parse(&text) {
            Ok(pool) => {
                prop_assert_eq!(pool.as_str(), text.as_str());
                prop_assert!(text.starts_with(pool.region()));
                prop_assert!(pool.issuer().ends_with(&text));
            }
            Err(e) => config_error(&e)?,
        }
        match StorageKind::parse(&text) {
            Ok(_) => prop_assert!(matches!(text.as_str(), "local" | "session" | "memory")),
            Err(e) => config_error(&e)?,
        }
        match text.parse::<TokenUse>() {
            Ok(t) => prop_assert_eq!(t.as_str(), text.as_str()),
            Err(e) => config_error(&e)?,
        }
    }
}
