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
fn a_loose_signature_or_a_key_rsa_refuses_is_a_typed_error() {
    let v = verifier(config(Some(TokenUse::Id)));
    let good = id_token(&id_claims());
    let (input, sig) = good.rsplit_once('.').unwrap();
    // 256 bytes are 342 characters whose last carries 4 unused bits: set one of them.
    let last = sig.as_bytes()[sig.len() - 1];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let value = alphabet.iter().position(|&c| c == last).unwrap();
    let loose = format!(
        "{input}.{}{}",
        &sig[..sig.len() - 1],
        alphabet[value | 1] as char
    );
    let e = v.verify_cached(&loose, NOW).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (
            ErrorKind::JwtMalformed,
            "the signature segment is not base64url"
        )
    );
    // A modulus of 3 bytes parses as a JWK, but rsa refuses it as a public key.
    let body = br#"{"keys":[{"kid":"id-kid","kty":"RSA","n":"AQAB","e":"AQAB"}]}"#;
    let weak = Verifier::new(config(Some(TokenUse::Id)), Some(body)).unwrap();
    let e = weak.verify_cached(&good, NOW).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Jwks, "key \"id-kid\" is not a valid public key")
    );
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
    let (_, sig) = token.rsplit_once('.').unwrap();
    assert!(
        !format!("{v:?}").contains(sig),
        "the remembered token is redacted"
    );
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
    assert!(!v.verified.borrow().iter().any(|(t, _)| t.expose() == token));
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

mod prop {
    //! No token, claim set or key set makes the verifier panic: it answers with claims or a typed JWT
    //! error (strategies in `crate::testing::fuzz`).

    use std::sync::OnceLock;

    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    use proptest::prelude::*;
    use proptest::sample::Index;
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::{SignatureEncoding, Signer};
    use sha2::Sha256;

    use super::super::token::{decompose, seconds, string, strings, MAX_TOKEN_LENGTH};
    use super::super::{Algorithm, Jwks, JwksCache, Step, TokenUse, Verifier};
    use super::{b64, config, id_claims, id_token, jwks_body, keys, verifier, NOW};
    use crate::json::{Object, Value};
    use crate::testing::fuzz::{self, *};
    use crate::ErrorKind;

    /// Every error a verification may answer with.
    const JWT_KINDS: [ErrorKind; 12] = [
        ErrorKind::JwtMalformed,
        ErrorKind::JwtAlg,
        ErrorKind::JwtSignature,
        ErrorKind::JwkNotFound,
        ErrorKind::Jwks,
        ErrorKind::JwtExpired,
        ErrorKind::JwtNotYetValid,
        ErrorKind::JwtIssuer,
        ErrorKind::JwtAudience,
        ErrorKind::JwtTokenUse,
        ErrorKind::JwtGroup,
        ErrorKind::JwtScope,
    ];

    const HEADER_KEYS: &[&str] = &["alg", "kid", "typ", "jku", "crit"];
    const CLAIM_KEYS: &[&str] = &[
        "exp",
        "nbf",
        "iat",
        "auth_time",
        "iss",
        "sub",
        "aud",
        "token_use",
        "client_id",
        "scope",
        "nonce",
        "jti",
        "origin_jti",
        "username",
        "cognito:username",
        "cognito:groups",
        "email",
        "email_verified",
        "custom:tier",
    ];
    const JWK_KEYS: &[&str] = &["kid", "kty", "alg", "use", "n", "e", "x", "y", "crv"];
    const ALGORITHMS: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::EdDSA,
    ];

    fn valid_claims() -> Object {
        Object::parse(&id_claims().to_string()).unwrap()
    }

    fn valid_header() -> Object {
        Object::new().with("alg", "RS256").with("kid", "id-kid")
    }

    /// A valid ID token, signed once.
    fn valid_token() -> &'static str {
        static TOKEN: OnceLock<String> = OnceLock::new();
        TOKEN.get_or_init(|| id_token(&id_claims()))
    }

    /// `header` and `claims` (as the crate writes them) signed with the ID-token key.
    fn signed(header: &Object, claims: &Object) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_json().as_bytes()),
            b64(claims.to_json().as_bytes())
        );
        let sig = SigningKey::<Sha256>::new(keys()[0].clone()).sign(input.as_bytes());
        format!("{input}.{}", b64(&sig.to_bytes()))
    }

    /// The valid token with one segment changed: a character replaced, inserted or removed, the
    /// segment emptied, padded or in the standard base64 alphabet, or two segments swapped.
    fn segment_edit() -> impl Strategy<Value = String> {
        (0..3usize, any::<Index>(), any_char(), 0..7u8).prop_map(|(seg, at, c, op)| {
            let mut parts: Vec<String> = valid_token().split('.').map(String::from).collect();
            let mut chars: Vec<char> = parts[seg].chars().collect();
            let i = at.index(chars.len() + 1);
            match op {
                0 if i < chars.len() => chars[i] = c,
                1 => chars.insert(i, c),
                2 if i < chars.len() => {
                    chars.remove(i);
                }
                3 => chars.clear(),
                4 => chars.extend(['=', '=']),
                5 => {
                    let raw = URL_SAFE_NO_PAD.decode(&parts[seg]).unwrap();
                    chars = STANDARD.encode(raw).chars().collect();
                }
                _ => parts.swap(seg, (seg + 1) % 3),
            }
            if op < 6 {
                parts[seg] = chars.into_iter().collect();
            }
            parts.join(".")
        })
    }

    /// Tokens: any text, dotted base64url-ish segments, base64url of any JSON, and the valid token
    /// mutated (bytes, one segment, its claims or header re-signed with fields removed or of the wrong
    /// type, deep nesting in a claim, lengths around the 32 KB limit).
    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            2 => text(),
            1 => prop::collection::vec("[A-Za-z0-9_=+/.-]{0,40}", 1..6).prop_map(|s| s.join(".")),
            1 => (json_value(), json_value(), "[A-Za-z0-9_-]{0,400}").prop_map(|(h, p, s)| {
                format!("{}.{}.{s}", b64(h.to_json().as_bytes()), b64(p.to_json().as_bytes()))
            }),
            2 => mutated_text(Just(valid_token().to_owned())),
            2 => segment_edit(),
            3 => mutated_object(Just(valid_claims()), CLAIM_KEYS)
                .prop_map(|c| signed(&valid_header(), &c)),
            1 => mutated_object(Just(valid_header()), HEADER_KEYS)
                .prop_map(|h| signed(&h, &valid_claims())),
            1 => (1..=70usize, any::<bool>()).prop_map(|(depth, objects)| {
                signed(&valid_header(), &valid_claims().with("deep", nested(depth, objects)))
            }),
            1 => (24_000..24_700usize).prop_map(|n| {
                signed(&valid_header(), &valid_claims().with("pad", "a".repeat(n)))
            }),
        ]
    }

    /// A JWK of any shape: some of its members, each of the right type or not.
    fn jwk() -> impl Strategy<Value = Value> {
        let member = prop_oneof![
            prop::sample::select(vec![
                "RSA", "EC", "OKP", "oct", "sig", "enc", "RS256", "AQAB", ""
            ])
            .prop_map(Value::from),
            "[A-Za-z0-9_-]{0,24}".prop_map(Value::from),
            wrong_value(),
        ];
        prop::collection::vec((prop::sample::select(JWK_KEYS.to_vec()), member), 0..8).prop_map(
            |members| {
                Value::Object(object_of(
                    members.into_iter().map(|(k, v)| (k.to_owned(), v)),
                ))
            },
        )
    }

    fn valid_jwks_text() -> String {
        String::from_utf8(jwks_body()).unwrap()
    }

    /// JWKS bodies: any bytes, any JSON, key sets of any JWKs, the valid set mutated (bytes, a key's
    /// members), deep nesting.
    fn jwks_text() -> impl Strategy<Value = Vec<u8>> {
        let first_key = Object::parse(&valid_jwks_text())
            .and_then(|o| o.get("keys")?.as_array()?.first()?.as_object().cloned())
            .unwrap();
        prop_oneof![
            1 => bytes(),
            1 => json_value().prop_map(|v| v.to_json().into_bytes()),
            2 => prop::collection::vec(jwk(), 0..5)
                .prop_map(|keys| Object::new().with("keys", keys).to_json().into_bytes()),
            2 => mutated_bytes(Just(valid_jwks_text())),
            2 => mutated_object(Just(first_key), JWK_KEYS)
                .prop_map(|k| Object::new().with("keys", vec![Value::from(k)]).to_json().into_bytes()),
            1 => (1..=70usize, any::<bool>()).prop_map(|(depth, objects)| {
                Object::new().with("keys", nested(depth, objects)).to_json().into_bytes()
            }),
        ]
    }

    /// RSA moduli: short, or of the usual sizes and just past them (4096 bits is the most `rsa` takes);
    /// odd half the time, so that the modular exponentiation runs.
    fn modulus() -> impl Strategy<Value = Vec<u8>> {
        let len = prop_oneof![
            0..70usize,
            prop::sample::select(vec![127usize, 128, 255, 256, 257, 383, 384, 511, 512, 513]),
        ];
        (
            len.prop_flat_map(|n| prop::collection::vec(any::<u8>(), n)),
            any::<bool>(),
        )
            .prop_map(|(mut n, odd)| {
                if let (true, Some(last)) = (odd, n.last_mut()) {
                    *last |= 1;
                }
                n
            })
    }

    proptest! {
        #![proptest_config(fuzz::config(256))]

        /// Any text as a token: `decompose` splits it exactly or says why not, and its claim readers
        /// answer; the verifier answers with the claims of a token it split, or a JWT error.
        #[test]
        fn prop_jwt_any_token(token in token()) {
            match decompose(&token) {
                Ok(d) => {
                    prop_assert!(token.len() <= MAX_TOKEN_LENGTH);
                    prop_assert_eq!(format!("{}.{}", d.signing_input, d.signature), token.clone());
                    for name in CLAIM_KEYS {
                        let _ = (seconds(&d.claims, name), string(&d.claims, name), strings(&d.claims, name));
                    }
                    let _ = crate::view::User::from_claims(d.claims).to_json().to_json();
                }
                Err(e) => prop_assert!(matches!(e.kind(), ErrorKind::JwtMalformed | ErrorKind::JwtAlg), "{e}"),
            }
            let v = verifier(config(None));
            for _ in 0..2 {
                // The second time through the memory of verified tokens, when the first passed.
                match v.verify_cached(&token, NOW) {
                    Ok(claims) => prop_assert_eq!(Some(claims), decompose(&token).ok().map(|d| d.claims)),
                    Err(e) => prop_assert!(JWT_KINDS.contains(&e.kind()), "{e}"),
                }
            }
            let remote = Verifier::new(config(None), None).unwrap();
            match remote.step(&token, NOW) {
                Ok(step) => prop_assert!(matches!(step, Step::FetchJwks)),
                Err(e) => prop_assert!(JWT_KINDS.contains(&e.kind()), "{e}"),
            }
        }

        /// A token signed with the pool's key verifies with any extra claims of any type, and its claims
        /// come back exactly as signed (numbers keep their literal text).
        #[test]
        fn prop_jwt_signed_claims_roundtrip(
            extra in prop::collection::vec((key(), json_value()), 0..6),
            exp in NOW + 1..=u64::MAX,
        ) {
            let mut claims = valid_claims();
            for (k, v) in extra {
                if !CLAIM_KEYS.contains(&k.as_str()) {
                    claims.insert(k, v);
                }
            }
            claims.insert("exp", exp);
            let token = signed(&valid_header(), &claims);
            let v = verifier(config(Some(TokenUse::Id)));
            prop_assert_eq!(v.verify_cached(&token, NOW), Ok(claims));
        }

        /// Any JWKS body: a key set or `ERR_JWKS`; key selection answers for any kid and algorithm; a
        /// body that does not parse never drops the keys held; a verifier over it as an inline set
        /// answers with claims or a JWT error.
        #[test]
        fn prop_jwks_any_body(
            body in jwks_text(),
            kid in prop_oneof![Just("id-kid".to_owned()), short_text()],
            alg in prop::sample::select(ALGORITHMS.to_vec()),
            times in [timestamp(), timestamp(), timestamp()],
        ) {
            let parsed = Jwks::parse(&body);
            match &parsed {
                Ok(jwks) => {
                    let _ = (jwks.len(), jwks.is_empty(), jwks.contains(&kid), format!("{jwks:?}"));
                    if let Err(e) = jwks.key_for(&kid, alg, "RS256") {
                        prop_assert!(matches!(e.kind(), ErrorKind::JwkNotFound | ErrorKind::Jwks | ErrorKind::JwtAlg), "{e}");
                    }
                }
                Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Jwks),
            }
            let [t0, t1, t2] = times;
            let mut cache = JwksCache::remote(10);
            cache.store(&jwks_body(), t0).unwrap();
            let stored = cache.store(&body, t1);
            prop_assert_eq!(stored.is_ok(), parsed.is_ok());
            if stored.is_err() {
                prop_assert!(cache.jwks().is_some_and(|j| j.contains("id-kid")));
            }
            cache.fetch_failed(t2);
            let _ = (cache.lookup(&kid, t0), cache.lookup(&kid, t2), cache.seed(&body, t2), cache.lookup(&kid, t1));
            match Verifier::new(config(None), Some(&body)) {
                Ok(v) => {
                    if let Err(e) = v.verify_cached(valid_token(), NOW) {
                        prop_assert!(JWT_KINDS.contains(&e.kind()), "{e}");
                    }
                }
                Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Jwks),
            }
        }
    }

    /// Stored copies of the key set: the format, a valid one mutated, one with any body.
    fn stored_key_set_text() -> impl Strategy<Value = String> {
        let valid = crate::jwt::stored_key_set(&jwks_body(), NOW);
        prop_oneof![
            2 => text(),
            3 => mutated_text(Just(valid)),
            2 => (prop_oneof!["[0-9 +-]{0,24}", short_text()], jwks_text())
                .prop_map(|(at, body)| format!("1 {at}\n{}", lossy(&body))),
        ]
    }

    proptest! {
        #![proptest_config(fuzz::config(128))]

        /// Whatever is stored as the key set kept beside the session (`cognito-wasm.<client>.jwks`), the
        /// next load reads it as a time and a body, seeds a verifier with it or drops it, without a
        /// panic; what is written reads back the same.
        #[test]
        fn prop_jwks_stored_copy(text in stored_key_set_text(), at in timestamp(), body in jwks_text()) {
            if let Some((fetched_at, body)) = crate::jwt::read_stored_key_set(&text) {
                let mut v = Verifier::new(config(None), None).unwrap();
                match v.seed_jwks(body.as_bytes(), fetched_at) {
                    Ok(()) => prop_assert!(Jwks::parse(body.as_bytes()).is_ok()),
                    Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Jwks),
                }
                if let Err(e) = v.step(valid_token(), NOW) {
                    prop_assert!(JWT_KINDS.contains(&e.kind()), "{e}");
                }
            }
            if let Ok(body) = std::str::from_utf8(&body) {
                let stored = crate::jwt::stored_key_set(body.as_bytes(), at);
                prop_assert_eq!(crate::jwt::read_stored_key_set(&stored), Some((at, body)));
            }
        }

        /// An RSA key of any modulus and exponent (too short, even, too large, exponent 0, 1, even or
        /// past 2^33, members that are not base64url) with a signature of about its length: never
        /// verifies, always a typed error.
        #[test]
        fn prop_jwks_any_rsa_key(
            n in modulus(),
            e in prop_oneof![Just(vec![1u8, 0, 1]), prop::collection::vec(any::<u8>(), 0..10)],
            n_text in prop::option::weighted(0.1, short_text()),
            sig in prop::collection::vec(any::<u8>(), 0..=520),
            sig_len in prop_oneof![Just(0i32), -1..=1i32],
            below_n in any::<bool>(),
        ) {
            let n_member = n_text.unwrap_or_else(|| b64(&n));
            let body = Object::new()
                .with("keys", vec![Value::from(
                    Object::new().with("kid", "k").with("kty", "RSA").with("n", n_member).with("e", b64(&e)),
                )])
                .to_json();
            let want = usize::try_from(n.len() as i32 + sig_len).unwrap_or(0);
            let mut sig: Vec<u8> = sig.into_iter().cycle().take(want).collect();
            if let (true, Some(first), Some(&top)) = (below_n, sig.first_mut(), n.first()) {
                *first = first.checked_rem(top).unwrap_or(0);
            }
            let header = Object::new().with("alg", "RS256").with("kid", "k");
            let token = format!(
                "{}.{}.{}",
                b64(header.to_json().as_bytes()),
                b64(valid_claims().to_json().as_bytes()),
                b64(&sig)
            );
            let v = Verifier::new(config(None), Some(body.as_bytes())).unwrap();
            match v.verify_cached(&token, NOW) {
                Ok(_) => prop_assert!(false, "a random signature verified"),
                Err(e) => prop_assert!(
                    matches!(e.kind(), ErrorKind::JwtSignature | ErrorKind::Jwks | ErrorKind::JwtMalformed),
                    "{e}"
                ),
            }
        }
    }

    /// Every prefix and suffix of a valid token and of the key set: typed errors, no panic.
    #[test]
    fn prop_jwt_and_jwks_every_cut() {
        let v = verifier(config(None));
        every_cut(valid_token(), |t| {
            if let Err(e) = v.verify_cached(t, NOW) {
                assert!(JWT_KINDS.contains(&e.kind()), "{e}");
            }
        });
        every_cut(&valid_jwks_text(), |body| {
            if let Err(e) = Jwks::parse(body.as_bytes()) {
                assert_eq!(e.kind(), ErrorKind::Jwks);
            }
        });
    }
}

/// RS256 at the edges of RFC 8017: signatures of the wrong length or not below n, exponents other
/// than 65537, encoded messages that differ from EM in one part, keys that `rsa` refuses.
mod rsa_edges {
    use base64::Engine;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    use rsa::{BigUint, RsaPrivateKey};
    use serde_json::json;
    use sha2::{Digest, Sha256};

    use super::{b64, config, err, id_claims, jwk, sign_raw, NOW};
    use crate::jwt::{TokenUse, Verifier};
    use crate::ErrorKind;

    const DIGEST_INFO: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];

    fn verifier_for(key: &RsaPrivateKey) -> Verifier {
        let body = serde_json::to_vec(&json!({"keys": [jwk(key, "id-kid", json!({}))]})).unwrap();
        Verifier::new(config(Some(TokenUse::Id)), Some(&body)).unwrap()
    }

    fn input() -> String {
        let header = json!({"alg": "RS256", "kid": "id-kid"});
        format!(
            "{}.{}",
            b64(&serde_json::to_vec(&header).unwrap()),
            b64(&serde_json::to_vec(&id_claims()).unwrap())
        )
    }

    /// The token whose signature is EM^d mod n for the encoded message `em`, or the raw `sig`.
    fn with_signature(sig: &[u8]) -> String {
        format!("{}.{}", input(), b64(sig))
    }

    fn raw_sign(key: &RsaPrivateKey, em: &[u8]) -> Vec<u8> {
        let s = BigUint::from_bytes_be(em).modpow(key.d(), key.n());
        let mut out = s.to_bytes_be();
        while out.len() < key.size() {
            out.insert(0, 0);
        }
        out
    }

    fn em(k: usize, hash: &[u8]) -> Vec<u8> {
        let mut em = vec![0x00, 0x01];
        em.resize(k - DIGEST_INFO.len() - hash.len() - 1, 0xff);
        em.push(0);
        em.extend_from_slice(&DIGEST_INFO);
        em.extend_from_slice(hash);
        em
    }

    #[test]
    fn a_signature_not_below_n_or_of_another_length_is_refused() {
        let key = &super::keys()[0];
        let v = verifier_for(key);
        let good = sign_raw(key, &json!({"alg": "RS256", "kid": "id-kid"}), &id_claims());
        assert!(v.verify_cached(&good, NOW).is_ok());
        let sig = super::URL_SAFE_NO_PAD
            .decode(good.rsplit_once('.').unwrap().1)
            .unwrap();
        let n = key.n().to_bytes_be();
        assert_eq!(sig.len(), n.len());
        // s + n ≡ s (mod n): the same signature but not below n, when it fits in k bytes.
        let s_plus_n = (BigUint::from_bytes_be(&sig) + key.n()).to_bytes_be();
        let n_plus_1 = (key.n() + 1u32).to_bytes_be();
        for sig in [n.clone(), n_plus_1, vec![0xff; n.len()], s_plus_n] {
            if sig.len() == n.len() {
                assert_eq!(err(&v, &with_signature(&sig)), ErrorKind::JwtSignature);
            }
        }
        // The same value with a leading zero byte (k + 1 bytes), and without its first byte.
        let mut long = vec![0];
        long.extend_from_slice(&sig);
        for sig in [long, sig[1..].to_vec()] {
            assert_eq!(err(&v, &with_signature(&sig)), ErrorKind::JwtSignature);
        }
    }

    #[test]
    fn the_whole_encoded_message_is_compared() {
        let key = &super::keys()[0];
        let v = verifier_for(key);
        let k = key.size();
        let hash = Sha256::digest(input().as_bytes());
        let good = em(k, &hash);
        // The hand-made EM verifies: the variants below differ from it in one place only.
        assert!(v
            .verify_cached(&with_signature(&raw_sign(key, &good)), NOW)
            .is_ok());
        let mut variants = Vec::new();
        for (at, byte) in [
            (0, 0x01),
            (1, 0x02),
            (1, 0x00),
            (2, 0xfe),
            (k - 52, 0xfe),
            (k - 52 - 1, 0x01),
        ] {
            let mut e = good.clone();
            e[at] = byte;
            variants.push(e);
        }
        // The separator missing (PS one byte longer), the DigestInfo's NULL parameters left out
        // (PS two bytes longer), another hash, the hash shifted by a byte.
        let mut e = good.clone();
        e[k - 52] = 0xff;
        variants.push(e);
        let mut no_null = vec![0x00, 0x01];
        no_null.resize(k - 17 - 32 - 1, 0xff);
        no_null.push(0);
        no_null.extend_from_slice(&[
            0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x04, 0x20,
        ]);
        no_null.extend_from_slice(&hash);
        variants.push(no_null);
        variants.push(em(k, &Sha256::digest(b"another message")));
        let mut shifted = good.clone();
        shifted.rotate_right(1);
        shifted[0] = 0;
        variants.push(shifted);
        for (i, e) in variants.iter().enumerate() {
            assert_eq!(e.len(), k);
            assert_ne!(e, &good);
            assert_eq!(
                err(&v, &with_signature(&raw_sign(key, e))),
                ErrorKind::JwtSignature,
                "variant {i}"
            );
        }
    }

    #[test]
    fn exponents_other_than_65537_verify() {
        for e in [3u32, 17, 65539] {
            let key = RsaPrivateKey::new_with_exp(&mut rand::thread_rng(), 2048, &BigUint::from(e))
                .unwrap();
            assert_eq!(key.e(), &BigUint::from(e));
            let v = verifier_for(&key);
            let token = sign_raw(
                &key,
                &json!({"alg": "RS256", "kid": "id-kid"}),
                &id_claims(),
            );
            assert!(v.verify_cached(&token, NOW).is_ok(), "e = {e}");
            let mut sig = super::URL_SAFE_NO_PAD
                .decode(token.rsplit_once('.').unwrap().1)
                .unwrap();
            sig[100] ^= 0x40;
            assert_eq!(
                err(&v, &with_signature(&sig)),
                ErrorKind::JwtSignature,
                "e = {e}"
            );
        }
    }

    #[test]
    fn keys_rsa_refuses_are_refused_and_leading_zeros_are_not() {
        let key = &super::keys()[0];
        let token = sign_raw(key, &json!({"alg": "RS256", "kid": "id-kid"}), &id_claims());
        let n = key.n().to_bytes_be();
        let verify_with = |n: &[u8], e: &[u8]| {
            let body = serde_json::to_vec(&json!({"keys": [{
                "kid": "id-kid", "kty": "RSA", "n": b64(n), "e": b64(e),
            }]}))
            .unwrap();
            Verifier::new(config(Some(TokenUse::Id)), Some(&body))
                .unwrap()
                .verify_cached(&token, NOW)
                .map(|_| ())
                .map_err(|e| (e.kind(), e.message().to_owned()))
        };
        let refused = Err((
            ErrorKind::Jwks,
            "key \"id-kid\" is not a valid public key".to_owned(),
        ));
        let mut zeros = vec![0, 0];
        zeros.extend_from_slice(&n);
        assert_eq!(verify_with(&zeros, &[0, 0, 1, 0, 1]), Ok(()));
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xfe;
        let mut too_long = vec![1u8; 513];
        *too_long.last_mut().unwrap() = 1;
        for (n, e) in [
            (&n[..], &[1, 0, 0][..]),                   // e even
            (&n[..], &[1][..]),                         // e = 1
            (&n[..], &[]),                              // e = 0
            (&n[..], &[2, 0, 0, 0, 1][..]),             // e = 2^33 + 1, over rsa's limit
            (&n[..], &[1, 0, 0, 0, 0, 0, 0, 0, 1][..]), // e of 9 bytes
            (&even[..], &[1, 0, 1][..]),                // n even
            (&too_long[..], &[1, 0, 1][..]),            // n of 4104 bits
            (&[0, 0][..], &[1, 0, 1][..]),              // n = 0
            (&[1, 0, 1][..], &[1, 0, 1][..]),           // e = n
            (&[1, 0, 1][..], &[1, 0, 3][..]),           // e > n
        ] {
            assert_eq!(verify_with(n, e), refused, "n {} bytes, e {e:?}", n.len());
        }
        // The largest exponent rsa takes still makes a key (the signature then fails).
        assert_eq!(
            verify_with(&n, &[1, 0xff, 0xff, 0xff, 0xff]).unwrap_err().0,
            ErrorKind::JwtSignature
        );
    }

    /// The provider's RSAVP1 against num-bigint-dig's modpow, over moduli of 1 limb to 4096 bits
    /// (full or partial top limbs) and several exponents.
    #[cfg(not(feature = "all-algorithms"))]
    #[test]
    fn rsavp1_matches_modpow() {
        use rand::Rng;

        use crate::jwt::provider::rsa_key::PublicKey;
        let mut rng = rand::thread_rng();
        let mut moduli: Vec<Vec<u8>> = super::keys().iter().map(|k| k.n().to_bytes_be()).collect();
        for bytes in [
            1usize, 3, 4, 5, 8, 9, 63, 64, 65, 127, 128, 255, 256, 257, 384, 511, 512,
        ] {
            for _ in 0..3 {
                let mut n: Vec<u8> = (0..bytes).map(|_| rng.gen()).collect();
                n[0] |= if rng.gen() { 0x80 } else { 1 };
                *n.last_mut().unwrap() |= 1;
                moduli.push(n);
            }
        }
        for n in &moduli {
            let big_n = BigUint::from_bytes_be(n);
            for e in [
                3u64,
                5,
                17,
                257,
                65537,
                (1 << 33) - 1,
                rng.gen::<u32>() as u64 | 1,
            ] {
                let Some(key) = PublicKey::new(n, &e.to_be_bytes()) else {
                    assert!(BigUint::from(e) >= big_n, "n {n:02x?} e {e}");
                    continue;
                };
                for _ in 0..4 {
                    let s = BigUint::from_bytes_be(
                        &(0..n.len()).map(|_| rng.gen()).collect::<Vec<u8>>(),
                    ) % &big_n;
                    let want = s.modpow(&BigUint::from(e), &big_n);
                    let got = key.rsavp1(&s.to_bytes_be());
                    assert_eq!(BigUint::from_bytes_be(&got), want, "n {n:02x?} e {e} s {s}");
                }
                // The edges: 0, 1 and n − 1.
                for s in [BigUint::from(0u32), BigUint::from(1u32), &big_n - 1u32] {
                    let got = key.rsavp1(&s.to_bytes_be());
                    assert_eq!(
                        BigUint::from_bytes_be(&got),
                        s.modpow(&BigUint::from(e), &big_n)
                    );
                }
            }
        }
    }
}
