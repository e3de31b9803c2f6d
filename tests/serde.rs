//! The cargo feature `serde`: each value the app is handed and each option struct round-trips through
//! serde_json in the JS API's shape (the same JSON as the crate's own `to_json`), the JSON values keep the
//! reader's rules, and typed reads of the claims say what is wrong. `cargo test --features serde`.
#![cfg(feature = "serde")]

use cognito_wasm::config::AuthConfig;
use cognito_wasm::identity::IdentityCredentials;
use cognito_wasm::json::{Object, Value};
use cognito_wasm::options::{
    AwsServiceOptions, CredentialsOptions, GetTokensOptions, PresignOptions, SignInOptions,
    SignOutOptions,
};
use cognito_wasm::session::STORAGE_VERSION;
use cognito_wasm::view::{CallbackResult, Tokens, User};
use cognito_wasm::ErrorKind;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};

fn obj(text: &str) -> Object {
    Object::parse(text).unwrap()
}

/// `value` through serde_json: its JSON equals `expected` (the crate's own JSON text of it), and reads
/// back as `value`.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: &T,
    expected: &str,
) {
    let json = serde_json::to_value(value).unwrap();
    let want: serde_json::Value = serde_json::from_str(expected).unwrap();
    assert_eq!(json, want);
    let text = serde_json::to_string(value).unwrap();
    assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), value, "{text}");
}

const CLAIMS: &str = r#"{"sub":"u-1","cognito:username":"demo","email":"d@example.com","email_verified":true,
    "cognito:groups":["customers","vip"],"custom:tier":"gold","custom:seats":"5","custom:n":5,
    "exp":1700000000.5,"iat":1699996400,"auth_time":1699996400,"name":"Demo Shopper",
    "address":{"formatted":"1 Main St","country":"NZ"},"identities":[{"providerName":"Google","primary":"true"}]}"#;

#[test]
fn json_values_round_trip_as_the_json_they_are() {
    let text = r#"{"s":"a\"b\n","t":true,"f":false,"n":null,"u":18446744073709551615,"i":-9223372036854775808,
        "x":1.5,"e":-2.5e-7,"a":[1,[2,{}],[]],"o":{"k":"v"}}"#;
    let v = Value::parse(text).unwrap();
    round_trip(&v, text);
    round_trip(v.as_object().unwrap(), text);
    // Floats from another format read back as the shortest text of the same f64.
    let v: Value = serde_json::from_str("[0.1,1e300,-0.0,12.5]").unwrap();
    assert_eq!(v.to_json(), "[0.1,1e300,-0.0,12.5]");
    assert_eq!(v.as_array().unwrap()[1].as_f64(), Some(1e300));
}

#[test]
fn json_values_keep_the_readers_rules() {
    let err = |text: &str| serde_json::from_str::<Value>(text).unwrap_err().to_string();
    assert!(err(r#"{"a":1,"a":2}"#).contains("duplicate key"));
    let members = |n: usize| {
        let keys: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
        format!("{{{}}}", keys.join(","))
    };
    assert!(serde_json::from_str::<Value>(&members(256)).is_ok());
    assert!(err(&members(257)).contains("more than 256 members"));
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(serde_json::from_str::<Value>(&nested(64)).is_ok());
    assert!(err(&nested(65)).contains("nested more than 64 deep"));
    // An Object is an object.
    assert!(serde_json::from_str::<Object>("[1]").is_err());
    assert!(serde_json::from_str::<Object>("{}").unwrap().is_empty());
    // NaN is not JSON; a number beyond f64 cannot be written to a format of f64s.
    let nan = Value::deserialize(
        IntoDeserializer::<serde::de::value::Error>::into_deserializer(f64::NAN),
    );
    assert!(nan.unwrap_err().to_string().contains("NaN"));
    let huge = Value::parse("1e400").unwrap();
    assert!(serde_json::to_string(&huge).is_err());
}

#[derive(Debug, Deserialize, PartialEq)]
struct Address {
    formatted: String,
    country: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Tier {
    Gold,
    Silver,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Profile<'a> {
    sub: &'a str,
    #[serde(rename = "cognito:username")]
    username: String,
    email_verified: bool,
    #[serde(rename = "cognito:groups")]
    groups: Vec<String>,
    #[serde(rename = "custom:tier")]
    tier: Tier,
    #[serde(rename = "custom:n")]
    n: u8,
    exp: f64,
    auth_time: u64,
    address: Address,
    #[serde(rename = "custom:missing")]
    missing: Option<String>,
    identities: Vec<Value>,
}

#[test]
fn claims_are_read_into_the_apps_own_struct() {
    let user = User::from_claims(obj(CLAIMS));
    let p: Profile = user.claims_as().unwrap();
    assert_eq!(p.sub, "u-1", "borrowed from the user");
    assert_eq!(p.username, "demo");
    assert!(p.email_verified);
    assert_eq!(p.groups, ["customers", "vip"]);
    assert_eq!(p.tier, Tier::Gold);
    assert_eq!(
        (p.n, p.exp, p.auth_time),
        (5, 1_700_000_000.5, 1_699_996_400)
    );
    assert_eq!(
        p.address,
        Address {
            formatted: "1 Main St".into(),
            country: "NZ".into()
        }
    );
    assert_eq!(p.missing, None);
    assert_eq!(
        p.identities[0].get("providerName").and_then(Value::as_str),
        Some("Google")
    );
    // Everything, as a map or a JSON value.
    let all: std::collections::BTreeMap<String, Value> = user.claims_as().unwrap();
    assert_eq!(all.len(), user.claims.len());
    assert_eq!(user.claims_as::<Object>().unwrap(), user.claims);
    // A verified token's claims without a User: `Deserialize` straight from the claims object.
    #[derive(Deserialize)]
    struct Tiny {
        #[serde(rename = "custom:tier")]
        tier: String,
    }
    assert_eq!(Tiny::deserialize(&user.claims).unwrap().tier, "gold");
}

#[test]
fn a_claim_missing_or_of_another_type_is_a_malformed_token() {
    let user = User::from_claims(obj(CLAIMS));
    let fails = |e: cognito_wasm::Error| {
        assert_eq!(e.kind(), ErrorKind::JwtMalformed);
        e.message().to_owned()
    };
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Required {
        #[serde(rename = "custom:plan")]
        plan: String,
    }
    assert_eq!(
        fails(user.claims_as::<Required>().unwrap_err()),
        "claims: missing field `custom:plan`"
    );
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Seats {
        #[serde(rename = "custom:seats")]
        seats: u32, // Cognito's custom attributes are strings: "5"
    }
    let m = fails(user.claims_as::<Seats>().unwrap_err());
    assert!(m.starts_with("claims: invalid type: string"), "{m}");
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Small {
        iat: u8,
    }
    assert!(fails(user.claims_as::<Small>().unwrap_err()).contains("invalid value"));
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        address: Address,
        #[serde(rename = "custom:tier")]
        tier: Tier,
    }
    let silver = User::from_claims(obj(
        r#"{"address":{"formatted":"x"},"custom:tier":"silver"}"#,
    ));
    assert!(fails(silver.claims_as::<Nested>().unwrap_err()).contains("missing field `country`"));
    let bronze = User::from_claims(obj(
        r#"{"address":{"formatted":"x","country":"NZ"},"custom:tier":"bronze"}"#,
    ));
    assert!(fails(bronze.claims_as::<Nested>().unwrap_err()).contains("unknown variant `bronze`"));
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        sub: String,
    }
    assert!(fails(user.claims_as::<Strict>().unwrap_err()).contains("unknown field"));
}

#[test]
fn users_tokens_and_callback_results_have_the_js_shape() {
    let user = User::from_claims(obj(CLAIMS));
    round_trip(&user, &user.to_json().to_json());
    let json = serde_json::to_value(&user).unwrap();
    assert_eq!(
        json["attributes"],
        serde_json::json!({"custom:tier": "gold", "custom:seats": "5"})
    );
    assert_eq!(json["identityProvider"], "Google");
    let bare = User::from_claims(obj(r#"{"sub":"s","username":"u"}"#));
    round_trip(&bare, &bare.to_json().to_json());
    assert!(serde_json::to_value(&bare).unwrap().get("email").is_none());
    let bad = r#"{"sub":"s","username":"u","groups":[],"attributes":{"n":5},"claims":{}}"#;
    assert!(serde_json::from_str::<User>(bad)
        .unwrap_err()
        .to_string()
        .contains("every value must be a string"));

    let tokens = Tokens {
        id_token: "id.jwt.text".into(),
        access_token: "access.jwt.text".into(),
        expires_at_ms: 1_700_000_000_000,
    };
    round_trip(&tokens, &tokens.to_json().to_json());
    assert!(
        !format!("{tokens:?}").contains("jwt.text"),
        "Debug stays redacted"
    );

    for (custom_state, return_to) in [(None, Some("/shop?x=1#y")), (Some("s"), None)] {
        let r = CallbackResult {
            user: user.clone(),
            custom_state: custom_state.map(Into::into),
            return_to: return_to.map(Into::into),
        };
        round_trip(&r, &r.to_json().to_json());
    }
}

#[test]
fn credentials_have_the_js_shape_in_milliseconds() {
    let c = IdentityCredentials {
        v: STORAGE_VERSION,
        identity_id: "us-east-1:abc".into(),
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI".into(),
        session_token: "FwoGZXIvYXdz".into(),
        expiration: 1_700_003_600,
    };
    round_trip(&c, &c.to_app_json().to_json());
    assert_eq!(
        serde_json::to_value(&c).unwrap()["expiration"],
        1_700_003_600_000u64
    );
    assert!(!format!("{c:?}").contains("wJalr"), "Debug stays redacted");
}

/// `options` serializes as `expected` (and `Deserialize` reads it back), which `from_options` reads as
/// `options` too.
fn options_round_trip<T>(
    options: &T,
    expected: &str,
    from_options: fn(&Object) -> cognito_wasm::Result<T>,
) where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    round_trip(options, expected);
    assert_eq!(&from_options(&obj(expected)).unwrap(), options);
}

#[test]
fn option_structs_have_the_js_shape_and_the_js_rules() {
    let sign_in = SignInOptions {
        identity_provider: Some("Google".into()),
        scopes: Some(vec!["openid".into(), "email".into()]),
        custom_state: Some("cart=3".into()),
        sign_up: true,
        ..Default::default()
    };
    options_round_trip(
        &sign_in,
        r#"{"identityProvider":"Google","scopes":["openid","email"],"customState":"cart=3","screen":"signup"}"#,
        SignInOptions::from_options,
    );
    options_round_trip(
        &SignInOptions::default(),
        r#"{"screen":"signin"}"#,
        SignInOptions::from_options,
    );
    options_round_trip(
        &GetTokensOptions {
            force_refresh: true,
        },
        r#"{"forceRefresh":true}"#,
        GetTokensOptions::from_options,
    );
    options_round_trip(
        &CredentialsOptions::default(),
        r#"{"forceRefresh":false}"#,
        CredentialsOptions::from_options,
    );
    options_round_trip(
        &SignOutOptions::default(),
        r#"{"global":false,"redirect":true}"#,
        SignOutOptions::from_options,
    );
    options_round_trip(
        &AwsServiceOptions::new("s3", "eu-west-1"),
        r#"{"service":"s3","region":"eu-west-1"}"#,
        AwsServiceOptions::from_options,
    );
    options_round_trip(
        &PresignOptions::new("s3", "us-east-1"),
        r#"{"service":"s3","region":"us-east-1","expiresIn":900}"#,
        PresignOptions::from_options,
    );
    // Deserializing applies from_options's defaults and checks, with its messages.
    assert_eq!(
        serde_json::from_str::<SignOutOptions>(r#"{"global":true}"#).unwrap(),
        SignOutOptions {
            global: true,
            redirect: true
        }
    );
    let err = |e: serde_json::Error| e.to_string();
    assert!(err(
        serde_json::from_str::<GetTokensOptions>(r#"{"forceRefresh":"yes"}"#).unwrap_err()
    )
    .contains("ERR_CONFIG: forceRefresh: must be true or false"));
    assert!(
        err(serde_json::from_str::<PresignOptions>(r#"{"service":"s3"}"#).unwrap_err())
            .contains("region: required")
    );
    assert!(err(serde_json::from_str::<PresignOptions>(
        r#"{"service":"s3","region":"r","expiresIn":0}"#
    )
    .unwrap_err())
    .contains("expiresIn:"));
    assert!(
        err(serde_json::from_str::<SignInOptions>(r#"{"screen":"other"}"#).unwrap_err())
            .contains("screen: must be 'signin' or 'signup'")
    );
}

#[test]
fn the_config_deserializes_from_the_constructor_options() {
    let text = r#"{"userPoolId":"us-east-1_AbC123","clientId":"1example23456789",
        "domain":"shop.auth.us-east-1.amazoncognito.com","redirectUri":"https://app.example/",
        "scopes":["openid"],"refreshMarginSeconds":60}"#;
    let c: AuthConfig = serde_json::from_str(text).unwrap();
    let want = AuthConfig::from_options(&obj(text)).unwrap();
    assert_eq!(c.user_pool, want.user_pool);
    assert_eq!(c.endpoints, want.endpoints);
    assert_eq!((c.scopes, c.refresh_margin_seconds), (want.scopes, 60));
    let bad = serde_json::from_str::<AuthConfig>(r#"{"clientId":"x"}"#).unwrap_err();
    assert!(
        bad.to_string().contains("ERR_CONFIG: userPoolId: required"),
        "{bad}"
    );
}
