//! Verifier tests with RSA keys generated per test run and tokens signed by the `rsa` crate directly
//! (an independent signer: nothing here goes through the crate's own provider except verification).

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;

use super::*;
use crate::ErrorKind;

const POOL: &str = "us-east-1_TestPool1";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
const CLIENT: &str = "client1234567890abcdefghij";
const NOW: u64 = 1_800_000_000;

fn keys() -> &'static [RsaPrivateKey; 2] {
    static KEYS: OnceLock<[RsaPrivateKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        [
            RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            RsaPrivateKey::new(&mut rng, 2048).unwrap(),
        ]
    })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwk(key: &RsaPrivateKey, kid: &str, extra: Value) -> Value {
    let mut jwk = json!({
        "kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
        "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be()),
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            jwk.as_object_mut().unwrap().remove(k);
        } else {
            jwk[k] = v.clone();
        }
    }
    jwk
}

fn jwks_body() -> Vec<u8> {
    let [id_key, access_key] = keys();
    serde_json::to_vec(&json!({"keys": [jwk(id_key, "id-kid", json!({})), jwk(access_key, "access-kid", json!({}))]}))
        .unwrap()
}

fn sign_raw(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(header).unwrap()),
        b64(&serde_json::to_vec(claims).unwrap())
    );
    let sig = SigningKey::<Sha256>::new(key.clone()).sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

fn id_claims() -> Value {
    json!({
        "sub": "8c1f6c1e-0000-4000-8000-000000000001", "iss": ISS, "aud": CLIENT, "token_use": "id",
        "exp": NOW + 3600, "iat": NOW, "auth_time": NOW, "cognito:username": "demo",
        "cognito:groups": ["customers"], "email": "demo@shopsphere.test", "email_verified": true,
        "jti": "j1", "origin_jti": "o1",
    })
}

fn access_claims() -> Value {
    json!({
        "sub": "8c1f6c1e-0000-4000-8000-000000000001", "iss": ISS, "client_id": CLIENT,
        "token_use": "access", "scope": "openid email aws.cognito.signin.user.admin",
        "exp": NOW + 3600, "iat": NOW, "auth_time": NOW, "username": "demo", "jti": "j2", "origin_jti": "o1",
    })
}

fn id_token(claims: &Value) -> String {
    sign_raw(
        &keys()[0],
        &json!({"alg": "RS256", "kid": "id-kid"}),
        claims,
    )
}

fn access_token(claims: &Value) -> String {
    sign_raw(
        &keys()[1],
        &json!({"alg": "RS256", "kid": "access-kid"}),
        claims,
    )
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

fn config(token_use: Option<TokenUse>) -> VerifierConfig {
    VerifierConfig::new(POOL, token_use, Some(vec![CLIENT.to_owned()])).unwrap()
}

fn verifier(config: VerifierConfig) -> Verifier {
    Verifier::new(config, Some(&jwks_body())).unwrap()
}

/// The claims as serde_json reads their JSON text (an independent reader).
fn oracle(claims: &Claims) -> Value {
    serde_json::from_str(&claims.to_json()).unwrap()
}

fn err(v: &Verifier, token: &str) -> ErrorKind {
    v.verify_cached(token, NOW).unwrap_err().kind()
}

#[test]
fn verifies_id_and_access_tokens() {
    let v = verifier(config(Some(TokenUse::Id)));
    let claims = oracle(&v.verify_cached(&id_token(&id_claims()), NOW).unwrap());
    assert_eq!(claims["cognito:username"], "demo");
    assert_eq!(claims["cognito:groups"], json!(["customers"]));

    let v = verifier(config(Some(TokenUse::Access)));
    let claims = oracle(
        &v.verify_cached(&access_token(&access_claims()), NOW)
            .unwrap(),
    );
    assert_eq!(claims["username"], "demo");

    let v = verifier(config(None));
    assert!(v.verify_cached(&id_token(&id_claims()), NOW).is_ok());
    assert!(v
        .verify_cached(&access_token(&access_claims()), NOW)
        .is_ok());
}

#[test]
fn refuses_a_tampered_token() {
    let v = verifier(config(Some(TokenUse::Id)));
    let good = id_token(&id_claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    let (header, _) = input.split_once('.').unwrap();
    let forged_payload =
        b64(&serde_json::to_vec(&with(id_claims(), json!({"cognito:groups": ["admin"]}))).unwrap());
    assert_eq!(
        err(&v, &format!("{header}.{forged_payload}.{sig}")),
        ErrorKind::JwtSignature
    );

    // Signature bytes flipped.
    let mut raw = URL_SAFE_NO_PAD.decode(sig).unwrap();
    raw[10] ^= 1;
    assert_eq!(
        err(&v, &format!("{input}.{}", b64(&raw))),
        ErrorKind::JwtSignature
    );
    // Truncated signature.
    assert_eq!(
        err(&v, &format!("{input}.{}", &sig[..20])),
        ErrorKind::JwtSignature
    );
    // Signed by the other key of the set, under this key's kid.
    let wrong_key = sign_raw(
        &keys()[1],
        &json!({"alg": "RS256", "kid": "id-kid"}),
        &id_claims(),
    );
    assert_eq!(err(&v, &wrong_key), ErrorKind::JwtSignature);
    // Signed by a key outside the set.
    let outsider = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let foreign = sign_raw(
        &outsider,
        &json!({"alg": "RS256", "kid": "id-kid"}),
        &id_claims(),
    );
    assert_eq!(err(&v, &foreign), ErrorKind::JwtSignature);
}

#[test]
fn refuses_algorithms_off_the_allow_list() {
    let v = verifier(config(Some(TokenUse::Id)));
    let claims = b64(&serde_json::to_vec(&id_claims()).unwrap());
    for alg in [
        "none", "HS256", "RS384", "PS256", "ES256", "EdDSA", "rs256", "",
    ] {
        let header = b64(&serde_json::to_vec(&json!({"alg": alg, "kid": "id-kid"})).unwrap());
        assert_eq!(
            err(&v, &format!("{header}.{claims}.c2lnbmF0dXJl")),
            ErrorKind::JwtAlg,
            "{alg}"
        );
    }
    // HMAC keyed with the public modulus: the classic key-confusion forgery.
    use hmac_sha256::sign as hmac;
    let header = b64(&serde_json::to_vec(&json!({"alg": "HS256", "kid": "id-kid"})).unwrap());
    let input = format!("{header}.{claims}");
    let n = keys()[0].n().to_bytes_be();
    let forged = format!("{input}.{}", b64(&hmac(&n, input.as_bytes())));
    assert_eq!(err(&v, &forged), ErrorKind::JwtAlg);
}

/// A tiny HMAC-SHA256 for the key-confusion test, on sha2 (no extra dependency).
mod hmac_sha256 {
    use sha2::{Digest, Sha256};
    pub fn sign(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut k = if key.len() > 64 {
            Sha256::digest(key).to_vec()
        } else {
            key.to_vec()
        };
        k.resize(64, 0);
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(msg)
            .finalize();
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize()
            .to_vec()
    }
}

#[test]
fn checks_the_jwk_against_the_token() {
    let [id_key, _] = keys();
    let token = id_token(&id_claims());
    let verifier_with = |extra: Value| {
        let body = serde_json::to_vec(&json!({"keys": [jwk(id_key, "id-kid", extra)]})).unwrap();
        Verifier::new(config(Some(TokenUse::Id)), Some(&body)).unwrap()
    };
    assert_eq!(
        err(&verifier_with(json!({"alg": "RS384"})), &token),
        ErrorKind::JwtAlg
    );
    assert_eq!(
        err(&verifier_with(json!({"use": "enc"})), &token),
        ErrorKind::Jwks
    );
    // No alg and no use on the JWK: allowed (both are optional in RFC 7517).
    assert!(verifier_with(json!({"alg": null, "use": null}))
        .verify_cached(&token, NOW)
        .is_ok());
    // An EC key under the token's kid.
    let ec = json!({"keys": [{"kid": "id-kid", "kty": "EC", "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]});
    let v = Verifier::new(
        config(Some(TokenUse::Id)),
        Some(&serde_json::to_vec(&ec).unwrap()),
    )
    .unwrap();
    assert_eq!(err(&v, &token), ErrorKind::Jwks);
}

#[test]
fn selects_the_key_by_kid() {
    let v = verifier(config(Some(TokenUse::Id)));
    let no_kid = sign_raw(&keys()[0], &json!({"alg": "RS256"}), &id_claims());
    assert_eq!(err(&v, &no_kid), ErrorKind::JwtMalformed);
    let unknown = sign_raw(
        &keys()[0],
        &json!({"alg": "RS256", "kid": "rotated"}),
        &id_claims(),
    );
    assert_eq!(err(&v, &unknown), ErrorKind::JwkNotFound);
}

#[test]
fn applies_exp_and_nbf_with_grace() {
    let mut c = config(Some(TokenUse::Id));
    let v = verifier(c.clone());
    let expired = id_token(&with(id_claims(), json!({"exp": NOW - 1})));
    let expiring_now = id_token(&with(id_claims(), json!({"exp": NOW})));
    let future = id_token(&with(id_claims(), json!({"nbf": NOW + 5})));
    assert_eq!(err(&v, &expired), ErrorKind::JwtExpired);
    assert_eq!(err(&v, &expiring_now), ErrorKind::JwtExpired);
    assert_eq!(err(&v, &future), ErrorKind::JwtNotYetValid);
    assert!(v
        .verify_cached(&id_token(&with(id_claims(), json!({"nbf": NOW}))), NOW)
        .is_ok());

    c.grace_seconds = 5;
    let v = verifier(c);
    assert!(v.verify_cached(&expired, NOW).is_ok());
    assert!(v.verify_cached(&future, NOW).is_ok());
    assert_eq!(
        v.verify_cached(&expired, NOW + 4).unwrap_err().kind(),
        ErrorKind::JwtExpired
    );
    let far = id_token(&with(id_claims(), json!({"nbf": NOW + 6})));
    assert_eq!(err(&v, &far), ErrorKind::JwtNotYetValid);
}

#[test]
fn checks_issuer_token_use_and_audience() {
    let v = verifier(config(Some(TokenUse::Id)));
    let other_pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other";
    assert_eq!(
        err(
            &v,
            &id_token(&with(id_claims(), json!({"iss": other_pool})))
        ),
        ErrorKind::JwtIssuer
    );
    assert_eq!(
        err(&v, &id_token(&with(id_claims(), json!({"iss": null})))),
        ErrorKind::JwtIssuer
    );
    assert_eq!(
        err(&v, &access_token(&access_claims())),
        ErrorKind::JwtTokenUse
    );
    assert_eq!(
        err(&v, &id_token(&with(id_claims(), json!({"aud": "other"})))),
        ErrorKind::JwtAudience
    );
    assert_eq!(
        err(&v, &id_token(&with(id_claims(), json!({"aud": null})))),
        ErrorKind::JwtAudience
    );
    // An ID token must not pass on a client_id claim alone.
    let id_with_client_id = with(id_claims(), json!({"aud": "other", "client_id": CLIENT}));
    assert_eq!(
        err(&v, &id_token(&id_with_client_id)),
        ErrorKind::JwtAudience
    );

    let v = verifier(config(Some(TokenUse::Access)));
    assert_eq!(err(&v, &id_token(&id_claims())), ErrorKind::JwtTokenUse);
    let wrong_client = with(access_claims(), json!({"client_id": "other"}));
    assert_eq!(
        err(&v, &access_token(&wrong_client)),
        ErrorKind::JwtAudience
    );
    // An access token with aud but the wrong client_id is refused.
    let with_aud = with(
        access_claims(),
        json!({"client_id": "other", "aud": CLIENT}),
    );
    assert_eq!(err(&v, &access_token(&with_aud)), ErrorKind::JwtAudience);

    let v = verifier(config(None));
    let bogus_use = with(id_claims(), json!({"token_use": "refresh"}));
    assert_eq!(err(&v, &id_token(&bogus_use)), ErrorKind::JwtTokenUse);
    assert_eq!(
        err(
            &v,
            &id_token(&with(id_claims(), json!({"token_use": null})))
        ),
        ErrorKind::JwtTokenUse
    );

    // A list of client ids, and an explicit "no check".
    let mut c = config(Some(TokenUse::Id));
    c.client_ids = Some(vec!["a".into(), CLIENT.into()]);
    assert!(verifier(c.clone())
        .verify_cached(&id_token(&id_claims()), NOW)
        .is_ok());
    c.client_ids = None;
    let other_aud = id_token(&with(id_claims(), json!({"aud": "whatever"})));
    assert!(verifier(c).verify_cached(&other_aud, NOW).is_ok());
}

#[test]
fn checks_groups_and_scopes() {
    let mut c = config(Some(TokenUse::Id));
    c.groups = vec!["admin".into(), "customers".into()];
    assert!(verifier(c.clone())
        .verify_cached(&id_token(&id_claims()), NOW)
        .is_ok());
    c.groups = vec!["admin".into()];
    let v = verifier(c);
    assert_eq!(err(&v, &id_token(&id_claims())), ErrorKind::JwtGroup);
    assert_eq!(
        err(
            &v,
            &id_token(&with(id_claims(), json!({"cognito:groups": null})))
        ),
        ErrorKind::JwtGroup
    );

    let mut c = config(Some(TokenUse::Access));
    c.scopes = vec!["email".into()];
    assert!(verifier(c.clone())
        .verify_cached(&access_token(&access_claims()), NOW)
        .is_ok());
    c.scopes = vec!["shop/write".into(), "mail".into()];
    let v = verifier(c);
    assert_eq!(
        err(&v, &access_token(&access_claims())),
        ErrorKind::JwtScope
    );
    assert_eq!(
        err(
            &v,
            &access_token(&with(access_claims(), json!({"scope": null})))
        ),
        ErrorKind::JwtScope
    );
}

#[test]
fn remote_keys_are_fetched_when_needed_and_once_for_an_unknown_kid() {
    let mut v = Verifier::new(config(Some(TokenUse::Id)), None).unwrap();
    let token = id_token(&id_claims());
    assert!(matches!(v.step(&token, NOW).unwrap(), Step::FetchJwks));
    assert_eq!(err(&v, &token), ErrorKind::JwkNotFound);
    // A broken response is an error and keeps no keys.
    assert_eq!(
        v.store_jwks(b"<html>oops</html>", NOW).unwrap_err().kind(),
        ErrorKind::Jwks
    );
    assert!(!v.has_keys());
    v.store_jwks(&jwks_body(), NOW).unwrap();
    assert!(matches!(v.step(&token, NOW).unwrap(), Step::Verified(_)));
    let rotated = sign_raw(
        &keys()[0],
        &json!({"alg": "RS256", "kid": "new"}),
        &id_claims(),
    );
    assert_eq!(
        v.step(&rotated, NOW + 1).unwrap_err().kind(),
        ErrorKind::JwkNotFound
    );
    assert!(matches!(
        v.step(&rotated, NOW + DEFAULT_REFETCH_WAIT_SECONDS)
            .unwrap(),
        Step::FetchJwks
    ));
}

#[test]
fn validates_the_configuration() {
    assert_eq!(
        VerifierConfig::new("bad", None, None).unwrap_err().kind(),
        ErrorKind::Config
    );
    let mut c = config(None);
    c.grace_seconds = MAX_GRACE_SECONDS + 1;
    assert!(c
        .validate()
        .unwrap_err()
        .message()
        .starts_with("graceSeconds"));
    let mut c = config(None);
    c.client_ids = Some(vec![]);
    assert!(c.validate().unwrap_err().message().starts_with("clientId"));
    let mut c = config(None);
    c.issuer = "http://evil.example/pool".into();
    assert!(c.validate().unwrap_err().message().starts_with("issuer"));
    let mut c = config(None);
    c.algorithms = vec![Algorithm::HS256];
    assert!(c
        .validate()
        .unwrap_err()
        .message()
        .starts_with("algorithms"));
    assert_eq!(
        Verifier::new(config(None), Some(b"{}")).unwrap_err().kind(),
        ErrorKind::Jwks
    );
}

#[test]
fn error_messages_carry_no_token_material() {
    let v = verifier(config(Some(TokenUse::Access)));
    let token = id_token(&id_claims());
    let e = v.verify_cached(&token, NOW).unwrap_err();
    let (_, sig) = token.rsplit_once('.').unwrap();
    assert!(!e.to_string().contains(sig));
    assert!(!format!("{e:?}").contains("demo@shopsphere.test"));
}

#[test]
fn a_verified_token_is_remembered_but_its_time_claims_are_rechecked() {
    let v = verifier(config(Some(TokenUse::Id)));
    let token = id_token(&id_claims());
    assert!(v.verify_cached(&token, NOW).is_ok());
    // Remembered: still valid now, expired once exp passes.
    assert!(v.verify_cached(&token, NOW + 10).is_ok());
    assert_eq!(
        v.verify_cached(&token, NOW + 3600).unwrap_err().kind(),
        ErrorKind::JwtExpired
    );
    // A tampered copy is a different token: verified in full, refused.
    let tampered = format!("{}x", &token[..token.len() - 1]);
    assert_ne!(v.verify_cached(&tampered, NOW).map(|_| ()), Ok(()));
    // The memory is bounded and the oldest entry goes first.
    for i in 0..VERIFIED_CACHE_SIZE {
        let other = id_token(&with(id_claims(), json!({ "jti": format!("other-{i}") })));
        assert!(v.verify_cached(&other, NOW).is_ok());
    }
    assert_eq!(v.verified.borrow().len(), VERIFIED_CACHE_SIZE);
    assert!(!v.verified.borrow().iter().any(|(t, _)| *t == token));
}

#[test]
fn a_new_key_set_forgets_verified_tokens() {
    let mut v = Verifier::new(config(Some(TokenUse::Id)), None).unwrap();
    v.store_jwks(&jwks_body(), NOW).unwrap();
    let token = id_token(&id_claims());
    assert!(v.verify_cached(&token, NOW).is_ok());
    // The key is rotated out of the set: the remembered token must not pass any more.
    let [_, access_key] = keys();
    let only_access =
        serde_json::to_vec(&json!({"keys": [jwk(access_key, "access-kid", json!({}))]})).unwrap();
    v.store_jwks(&only_access, NOW + 100).unwrap();
    assert_eq!(
        v.verify_cached(&token, NOW + 100).unwrap_err().kind(),
        ErrorKind::JwkNotFound
    );
}

fn options_object(extra: &str) -> crate::json::Object {
    crate::json::Object::parse(&format!(
        r#"{{"userPoolId":"{POOL}","tokenUse":"id","clientId":"{CLIENT}"{extra}}}"#
    ))
    .unwrap()
}

#[test]
fn verifier_config_from_options() {
    let c = VerifierConfig::from_options(&options_object("")).unwrap();
    assert_eq!(c.issuer, ISS);
    assert_eq!(c.jwks_uri, format!("{ISS}/.well-known/jwks.json"));
    assert_eq!(c.token_use, Some(TokenUse::Id));
    assert_eq!(c.client_ids, Some(vec![CLIENT.to_owned()]));
    assert!(c.groups.is_empty() && c.scopes.is_empty());
    assert_eq!(c.grace_seconds, 0);
    assert_eq!(c.algorithms, vec![Algorithm::RS256]);

    let c = VerifierConfig::from_options(&options_object(
        r#","groups":"admins","scope":["a","b"],"graceSeconds":30,"issuer":"http://localhost:9230/p""#,
    ))
    .unwrap();
    assert_eq!(c.groups, ["admins"]);
    assert_eq!(c.scopes, ["a", "b"]);
    assert_eq!(c.grace_seconds, 30);
    assert_eq!(c.issuer, "http://localhost:9230/p");
    assert_eq!(c.jwks_uri, "http://localhost:9230/p/.well-known/jwks.json");
    let c = VerifierConfig::from_options(&options_object(
        r#","issuer":"https://i.example/p","jwksUri":"https://k.example/j","groups":null"#,
    ))
    .unwrap();
    assert_eq!(c.jwks_uri, "https://k.example/j");
    assert!(c.groups.is_empty());

    let any = crate::json::Object::parse(&format!(
        r#"{{"userPoolId":"{POOL}","tokenUse":null,"clientId":null}}"#
    ))
    .unwrap();
    let c = VerifierConfig::from_options(&any).unwrap();
    assert_eq!((c.token_use, c.client_ids), (None, None));

    for (text, field) in [
        (
            format!(r#"{{"tokenUse":"id","clientId":"{CLIENT}"}}"#),
            "userPoolId",
        ),
        (
            format!(r#"{{"userPoolId":"nope","tokenUse":"id","clientId":"{CLIENT}"}}"#),
            "userPoolId",
        ),
        (
            format!(r#"{{"userPoolId":"{POOL}","clientId":"{CLIENT}"}}"#),
            "tokenUse",
        ),
        (
            format!(r#"{{"userPoolId":"{POOL}","tokenUse":"refresh","clientId":"{CLIENT}"}}"#),
            "tokenUse",
        ),
        (
            format!(r#"{{"userPoolId":"{POOL}","tokenUse":1,"clientId":"{CLIENT}"}}"#),
            "tokenUse",
        ),
        (
            format!(r#"{{"userPoolId":"{POOL}","tokenUse":"id"}}"#),
            "clientId",
        ),
        (
            format!(r#"{{"userPoolId":"{POOL}","tokenUse":"id","clientId":[1]}}"#),
            "clientId",
        ),
        (
            format!(r#"{{"userPoolId":"{POOL}","tokenUse":"id","clientId":[]}}"#),
            "clientId",
        ),
    ] {
        let o = crate::json::Object::parse(&text).unwrap();
        let e = VerifierConfig::from_options(&o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{text}");
        assert!(e.message().starts_with(field), "{text}: {}", e.message());
    }
    for (extra, field) in [
        (r#","graceSeconds":-1"#, "graceSeconds"),
        (r#","graceSeconds":3600"#, "graceSeconds"),
        (r#","graceSeconds":"5""#, "graceSeconds"),
        (r#","groups":5"#, "groups"),
        (r#","scope":[""]"#, "scope"),
        (r#","issuer":"http://evil.example/x""#, "issuer"),
        (r#","issuer":5"#, "issuer"),
        (r#","jwksUri":"ftp://x""#, "jwksUri"),
    ] {
        let e = VerifierConfig::from_options(&options_object(extra)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{extra}");
        assert!(e.message().starts_with(field), "{extra}: {}", e.message());
    }
}

#[test]
fn inline_jwks_as_an_object_or_as_text() {
    let body = String::from_utf8(jwks_body()).unwrap();
    let text = {
        let mut quoted = String::new();
        crate::json::write_string(&body, &mut quoted);
        quoted
    };
    let token = id_token(&id_claims());
    for extra in [format!(r#","jwks":{body}"#), format!(r#","jwks":{text}"#)] {
        let options = options_object(&extra);
        let jwks = inline_jwks(&options).unwrap().expect("an inline key set");
        let v =
            Verifier::new(VerifierConfig::from_options(&options).unwrap(), Some(&jwks)).unwrap();
        assert!(v.verify_cached(&token, NOW).is_ok(), "{extra}");
    }
    assert_eq!(inline_jwks(&options_object("")).unwrap(), None);
    for bad in [r#","jwks":5"#, r#","jwks":null"#, r#","jwks":[]"#] {
        let e = inline_jwks(&options_object(bad)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().starts_with("jwks"), "{bad}");
    }
    let nokeys = inline_jwks(&options_object(r#","jwks":{"nokeys":[]}"#))
        .unwrap()
        .unwrap();
    let err = Verifier::new(config(Some(TokenUse::Id)), Some(&nokeys)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Jwks);
}
