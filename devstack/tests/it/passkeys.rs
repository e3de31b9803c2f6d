//! Passkeys: StartWebAuthnRegistration / CompleteWebAuthnRegistration with a software authenticator built
//! here (a P-256 key, a `none` attestation, ES256 assertions), ListWebAuthnCredentials,
//! DeleteWebAuthnCredential, USER_AUTH's WEB_AUTHN sign-in, and managed login's passkey pages (`/login`'s
//! passkey sign-in, `/passkeys/add`); the refusals of each.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use devstack::config::DEFAULT_CONFIG;
use devstack::Config;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::*;

const ORIGIN: &str = "http://localhost:8080";
const RP_ID: &str = "localhost";

/// A software authenticator holding one P-256 credential.
struct Authenticator {
    key: SigningKey,
    id: Vec<u8>,
    counter: u32,
    /// Set the user-verified flag.
    uv: bool,
    /// The `user.id` given at registration, sent back as `userHandle` (as a passkey does).
    user_handle: Option<String>,
}

fn cbor_head(major: u8, n: usize) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=255 => vec![m | 24, n as u8],
        _ => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v
        }
    }
}

fn cbor_int(i: i64) -> Vec<u8> {
    if i >= 0 {
        cbor_head(0, i as usize)
    } else {
        cbor_head(1, (-1 - i) as usize)
    }
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = cbor_head(2, b.len());
    v.extend_from_slice(b);
    v
}

fn cbor_text(s: &str) -> Vec<u8> {
    let mut v = cbor_head(3, s.len());
    v.extend_from_slice(s.as_bytes());
    v
}

fn client_data(ty: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({ "type": ty, "challenge": challenge, "origin": origin, "crossOrigin": false })
        .to_string()
        .into_bytes()
}

impl Authenticator {
    fn new() -> Self {
        Authenticator {
            key: SigningKey::random(&mut rand::rngs::OsRng),
            id: (0..32).map(|_| rand::random::<u8>()).collect(),
            counter: 0,
            uv: true,
            user_handle: None,
        }
    }

    fn flags(&self) -> u8 {
        0x01 | if self.uv { 0x04 } else { 0 }
    }

    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut v = vec![0xa5];
        v.extend(cbor_int(1));
        v.extend(cbor_int(2)); // kty EC2
        v.extend(cbor_int(3));
        v.extend(cbor_int(-7)); // ES256
        v.extend(cbor_int(-1));
        v.extend(cbor_int(1)); // P-256
        v.extend(cbor_int(-2));
        v.extend(cbor_bytes(point.x().unwrap()));
        v.extend(cbor_int(-3));
        v.extend(cbor_bytes(point.y().unwrap()));
        v
    }

    /// A RegistrationResponseJSON for creation options (`challenge`), from `origin`, for `rp_id`.
    fn register(&self, options: &Value, origin: &str, rp_id: &str) -> Value {
        let challenge = options["challenge"].as_str().unwrap();
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags() | 0x40);
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID
        auth_data.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.id);
        auth_data.extend(self.cose_key());
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));
        let id = B64.encode(&self.id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": B64.encode(client_data("webauthn.create", challenge, origin)),
                "attestationObject": B64.encode(attestation),
                "transports": ["internal", "hybrid"],
                // What a browser's toJSON() adds (devstack reads the attestation object instead).
                "authenticatorData": B64.encode(&auth_data),
                "publicKeyAlgorithm": -7,
                "publicKey": B64.encode(self.key.verifying_key().to_encoded_point(false).as_bytes()),
            },
        })
    }

    /// An AuthenticationResponseJSON for request options (`challenge`), counter incremented.
    fn assert(&mut self, options: &Value, origin: &str, rp_id: &str) -> Value {
        self.counter += 1;
        let challenge = options["challenge"].as_str().unwrap();
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags());
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        let cdj = client_data("webauthn.get", challenge, origin);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&cdj));
        let sig: Signature = self.key.sign(&signed);
        let id = B64.encode(&self.id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": B64.encode(cdj),
                "authenticatorData": B64.encode(auth_data),
                "signature": B64.encode(sig.to_der().as_bytes()),
                "userHandle": self.user_handle,
            },
        })
    }
}

async fn start(s: &Stack, access: &Value) -> Value {
    let (st, v) = s
        .idp(
            "StartWebAuthnRegistration",
            json!({ "AccessToken": access }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v["CredentialCreationOptions"].clone()
}

async fn complete(s: &Stack, access: &Value, credential: Value) -> (u16, Value) {
    let (st, v) = s
        .idp(
            "CompleteWebAuthnRegistration",
            json!({ "AccessToken": access, "Credential": credential }),
        )
        .await;
    (st.as_u16(), v)
}

/// Registers the authenticator for the user of `access`.
async fn register(s: &Stack, access: &Value, a: &Authenticator) {
    let options = start(s, access).await;
    let (st, v) = complete(s, access, a.register(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, &v), (200, &json!({})));
}

/// InitiateAuth USER_AUTH preferring WEB_AUTHN: (session, request options).
async fn web_authn_challenge(s: &Stack, user: &str) -> (String, Value) {
    let (st, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": user, "PREFERRED_CHALLENGE": "WEB_AUTHN" } }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["ChallengeName"], "WEB_AUTHN", "{v}");
    let options: Value = serde_json::from_str(
        v["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    (v["Session"].as_str().unwrap().to_string(), options)
}

async fn answer(s: &Stack, user: &str, session: &str, credential: &Value) -> (u16, Value) {
    let (st, v) = s
        .idp(
            "RespondToAuthChallenge",
            json!({ "ChallengeName": "WEB_AUTHN", "ClientId": CLIENT, "Session": session,
                    "ChallengeResponses": { "USERNAME": user, "CREDENTIAL": credential.to_string() } }),
        )
        .await;
    (st.as_u16(), v)
}

fn error_type(v: &Value) -> &str {
    v["__type"].as_str().unwrap_or("")
}

#[tokio::test]
async fn register_list_sign_in_and_delete() {
    let s = Stack::start().await;
    let tokens = s.demo_login().await;
    let access = &tokens["AccessToken"];

    let options = start(&s, access).await;
    assert_eq!(options["rp"]["id"], RP_ID);
    assert_eq!(options["rp"]["name"], RP_ID);
    assert_eq!(options["user"]["name"], "demo");
    assert_eq!(options["user"]["displayName"], "");
    let (_, me) = s.idp("GetUser", json!({ "AccessToken": access })).await;
    let sub = me["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "sub")
        .unwrap()["Value"]
        .clone();
    assert_eq!(
        B64.decode(options["user"]["id"].as_str().unwrap()).unwrap(),
        sub.as_str().unwrap().as_bytes()
    );
    assert_eq!(
        B64.decode(options["challenge"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    assert_eq!(
        options["pubKeyCredParams"],
        json!([{ "type": "public-key", "alg": -7 }, { "type": "public-key", "alg": -257 }])
    );
    assert_eq!(options["timeout"], 60000);
    assert!(options.get("attestation").is_none());
    assert_eq!(
        options["authenticatorSelection"]["requireResidentKey"],
        true
    );
    assert_eq!(options["excludeCredentials"], json!([]));
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "preferred"
    );

    let mut a = Authenticator::new();
    a.user_handle = options["user"]["id"].as_str().map(str::to_string);
    let (st, v) = complete(&s, access, a.register(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, &v), (200, &json!({})));

    let (st, v) = s
        .idp("ListWebAuthnCredentials", json!({ "AccessToken": access }))
        .await;
    assert_eq!(st, 200, "{v}");
    let creds = v["Credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{v}");
    let c = &creds[0];
    assert_eq!(c["CredentialId"], B64.encode(&a.id));
    assert_eq!(c["RelyingPartyId"], RP_ID);
    assert_eq!(c["AuthenticatorAttachment"], "platform");
    assert_eq!(c["AuthenticatorTransports"], json!(["internal", "hybrid"]));
    assert_eq!(c["FriendlyCredentialName"], "Passkey (platform)");
    assert!(c["CreatedAt"].as_i64().unwrap() > 1_700_000_000);
    assert!(v.get("NextToken").is_none());

    // A second start excludes the registered credential.
    let again = start(&s, access).await;
    assert_eq!(again["excludeCredentials"][0]["id"], B64.encode(&a.id));

    // SELECT_CHALLENGE now offers WEB_AUTHN; answering it gives the WEB_AUTHN challenge.
    let (_, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo" } }),
        )
        .await;
    assert_eq!(v["ChallengeName"], "SELECT_CHALLENGE");
    assert!(v["AvailableChallenges"]
        .as_array()
        .unwrap()
        .contains(&json!("WEB_AUTHN")));
    let (st, v) = s
        .idp(
            "RespondToAuthChallenge",
            json!({ "ChallengeName": "SELECT_CHALLENGE", "ClientId": CLIENT, "Session": v["Session"],
                    "ChallengeResponses": { "USERNAME": "demo", "ANSWER": "WEB_AUTHN" } }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["ChallengeName"], "WEB_AUTHN");
    let options: Value = serde_json::from_str(
        v["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(options["rpId"], RP_ID);
    assert_eq!(options["userVerification"], "preferred");
    assert_eq!(options["timeout"], 180000);
    assert_eq!(options["hints"], json!([]));
    assert_eq!(
        options["allowCredentials"],
        json!([{ "id": B64.encode(&a.id), "type": "public-key", "transports": ["internal", "hybrid"] }])
    );
    let session = v["Session"].as_str().unwrap().to_string();
    let cred = a.assert(&options, ORIGIN, RP_ID);
    let (st, v) = answer(&s, "demo", &session, &cred).await;
    assert_eq!(st, 200, "{v}");
    let access2 = v["AuthenticationResult"]["AccessToken"].clone();
    assert!(access2.is_string(), "{v}");
    let (st, u) = s.idp("GetUser", json!({ "AccessToken": access2 })).await;
    assert_eq!((st.as_u16(), &u["Username"]), (200, &json!("demo")));

    // The same assertion again, on its spent session and on a new one.
    let (st, v) = answer(&s, "demo", &session, &cred).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"));
    let (session, _) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(&s, "demo", &session, &cred).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");

    // PREFERRED_CHALLENGE WEB_AUTHN: a fresh assertion signs in.
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(&s, "demo", &session, &a.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!(st, 200, "{v}");

    // Another user's handle.
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let handle = a.user_handle.replace(B64.encode("someone-else"));
    let (st, v) = answer(&s, "demo", &session, &a.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    a.user_handle = handle;

    // An assertion whose counter did not move (a cloned authenticator): the last accepted one's (the
    // refused assertion above did not count).
    let (session, options) = web_authn_challenge(&s, "demo").await;
    a.counter -= 2;
    let (st, v) = answer(&s, "demo", &session, &a.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");

    // Delete: unknown id, then the credential; sign-in then offers no WEB_AUTHN.
    let (st, v) = s
        .idp(
            "DeleteWebAuthnCredential",
            json!({ "AccessToken": access, "CredentialId": "bm90LWEtY3JlZA" }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), error_type(&v)),
        (400, "ResourceNotFoundException")
    );
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = s
        .idp(
            "DeleteWebAuthnCredential",
            json!({ "AccessToken": access, "CredentialId": B64.encode(&a.id) }),
        )
        .await;
    assert_eq!((st.as_u16(), &v), (200, &json!({})));
    let (_, v) = s
        .idp("ListWebAuthnCredentials", json!({ "AccessToken": access }))
        .await;
    assert_eq!(v["Credentials"], json!([]));
    // The deleted credential answers a challenge issued before the deletion.
    let (st, v) = answer(&s, "demo", &session, &a.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    let (_, v) = s
        .idp(
            "InitiateAuth",
            json!({ "AuthFlow": "USER_AUTH", "ClientId": CLIENT, "AuthParameters": { "USERNAME": "demo", "PREFERRED_CHALLENGE": "WEB_AUTHN" } }),
        )
        .await;
    assert_eq!(v["ChallengeName"], "SELECT_CHALLENGE", "{v}");
    assert!(!v["AvailableChallenges"]
        .as_array()
        .unwrap()
        .contains(&json!("WEB_AUTHN")));
    s.stop().await;
}

#[tokio::test]
async fn registration_refusals() {
    let s = Stack::start().await;
    let tokens = s.demo_login().await;
    let access = &tokens["AccessToken"];
    let a = Authenticator::new();

    // No StartWebAuthnRegistration yet.
    let fake = json!({ "challenge": B64.encode([7u8; 32]) });
    let (st, v) = complete(&s, access, a.register(&fake, ORIGIN, RP_ID)).await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnChallengeNotFoundException"),
        "{v}"
    );

    // Another origin.
    let options = start(&s, access).await;
    let (st, v) = complete(
        &s,
        access,
        a.register(&options, "http://evil.test:8080", RP_ID),
    )
    .await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnOriginNotAllowedException"),
        "{v}"
    );
    // The challenge is spent by that answer.
    let (st, v) = complete(&s, access, a.register(&options, ORIGIN, RP_ID)).await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnChallengeNotFoundException"),
        "{v}"
    );

    // Another relying party.
    let options = start(&s, access).await;
    let (st, v) = complete(&s, access, a.register(&options, ORIGIN, "evil.test")).await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnRelyingPartyMismatchException"),
        "{v}"
    );

    // A challenge that is not the one sent.
    let _ = start(&s, access).await;
    let (st, v) = complete(&s, access, a.register(&fake, ORIGIN, RP_ID)).await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnChallengeNotFoundException"),
        "{v}"
    );

    // Started with one client's token, completed with another's.
    let options = start(&s, access).await;
    let other = s.password_login(ROTATING, "demo", "ShopSphere!2026").await;
    let (st, v) = complete(
        &s,
        &other["AccessToken"],
        a.register(&options, ORIGIN, RP_ID),
    )
    .await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnClientMismatchException"),
        "{v}"
    );

    // An unsupported attestation format.
    let options = start(&s, access).await;
    let mut cred = a.register(&options, ORIGIN, RP_ID);
    let att = B64
        .decode(cred["response"]["attestationObject"].as_str().unwrap())
        .unwrap();
    let swapped: Vec<u8> = {
        let from = cbor_text("none");
        let to = cbor_text("nope");
        let at = att
            .windows(from.len())
            .position(|w| w == from.as_slice())
            .unwrap();
        [&att[..at], to.as_slice(), &att[at + from.len()..]].concat()
    };
    cred["response"]["attestationObject"] = json!(B64.encode(swapped));
    let (st, v) = complete(&s, access, cred).await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnCredentialNotSupportedException"),
        "{v}"
    );

    // Without the admin scope, and without a token.
    let (st, v) = s
        .idp(
            "StartWebAuthnRegistration",
            json!({ "AccessToken": "not-a-token" }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), error_type(&v)),
        (400, "NotAuthorizedException")
    );
    let t = s.openid_only_tokens().await;
    let (st, v) = s
        .idp(
            "ListWebAuthnCredentials",
            json!({ "AccessToken": t["access_token"] }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), error_type(&v)),
        (400, "NotAuthorizedException"),
        "{v}"
    );
    let (_, v) = s
        .idp("ListWebAuthnCredentials", json!({ "AccessToken": access }))
        .await;
    assert_eq!(v["Credentials"], json!([]));
    s.stop().await;
}

#[tokio::test]
async fn sign_in_refusals_and_paging() {
    let s = Stack::start().await;
    let demo = s.demo_login().await;
    let rival = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let mut mine = Authenticator::new();
    let mut theirs = Authenticator::new();
    register(&s, &demo["AccessToken"], &mine).await;
    register(&s, &rival["AccessToken"], &theirs).await;

    // Wrong origin, wrong rp id, a bad signature, another user's credential.
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(
        &s,
        "demo",
        &session,
        &mine.assert(&options, "http://evil.test:8080", RP_ID),
    )
    .await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(
        &s,
        "demo",
        &session,
        &mine.assert(&options, ORIGIN, "evil.test"),
    )
    .await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let mut forged = mine.assert(&options, ORIGIN, RP_ID);
    let other = mine.assert(
        &json!({ "challenge": B64.encode([1u8; 32]) }),
        ORIGIN,
        RP_ID,
    );
    forged["response"]["signature"] = other["response"]["signature"].clone();
    let (st, v) = answer(&s, "demo", &session, &forged).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(
        &s,
        "demo",
        &session,
        &theirs.assert(&options, ORIGIN, RP_ID),
    )
    .await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    // Another user's name on the session.
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(
        &s,
        "rival",
        &session,
        &theirs.assert(&options, ORIGIN, RP_ID),
    )
    .await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    // A credential registered with user verification, asserted without it.
    let (session, options) = web_authn_challenge(&s, "demo").await;
    mine.uv = false;
    let (st, v) = answer(&s, "demo", &session, &mine.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    mine.uv = true;
    // Expired.
    let (session, options) = web_authn_challenge(&s, "demo").await;
    s.clock(181).await;
    let (st, v) = answer(&s, "demo", &session, &mine.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    s.clock(0).await;
    // Still good after all that.
    let demo = s.demo_login().await;
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(&s, "demo", &session, &mine.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!(st, 200, "{v}");
    let (session, options) = web_authn_challenge(&s, "rival").await;
    let (st, v) = answer(
        &s,
        "rival",
        &session,
        &theirs.assert(&options, ORIGIN, RP_ID),
    )
    .await;
    assert_eq!(st, 200, "{v}");

    // Paging: three credentials, two a page.
    for _ in 0..2 {
        register(&s, &demo["AccessToken"], &Authenticator::new()).await;
    }
    let (_, v) = s
        .idp(
            "ListWebAuthnCredentials",
            json!({ "AccessToken": demo["AccessToken"], "MaxResults": 2 }),
        )
        .await;
    assert_eq!(v["Credentials"].as_array().unwrap().len(), 2, "{v}");
    let next = v["NextToken"].clone();
    assert!(next.is_string());
    let (_, v) = s
        .idp(
            "ListWebAuthnCredentials",
            json!({ "AccessToken": demo["AccessToken"], "MaxResults": 2, "NextToken": next }),
        )
        .await;
    assert_eq!(v["Credentials"].as_array().unwrap().len(), 1, "{v}");
    assert!(v.get("NextToken").is_none());
    let (st, v) = s
        .idp(
            "ListWebAuthnCredentials",
            json!({ "AccessToken": demo["AccessToken"], "MaxResults": 21 }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), error_type(&v)),
        (400, "InvalidParameterException")
    );

    // Credentials survive a restart (the data dir).
    let data = s.stop().await.unwrap();
    let s = Stack::start_on(data.path()).await;
    let (session, options) = web_authn_challenge(&s, "demo").await;
    let (st, v) = answer(&s, "demo", &session, &mine.assert(&options, ORIGIN, RP_ID)).await;
    assert_eq!(st, 200, "{v}");

    // DeleteUser takes the passkeys along: the seed user made again on restart has none.
    let demo = s.demo_login().await;
    let (st, _) = s
        .idp("DeleteUser", json!({ "AccessToken": demo["AccessToken"] }))
        .await;
    assert_eq!(st, 200);
    s.stop().await;
    let s = Stack::start_on(data.path()).await;
    let demo = s.demo_login().await;
    let (_, v) = s
        .idp(
            "ListWebAuthnCredentials",
            json!({ "AccessToken": demo["AccessToken"] }),
        )
        .await;
    assert_eq!(v["Credentials"], json!([]));
    s.stop().await;
}

#[tokio::test]
async fn the_pool_config_sets_the_relying_party() {
    let text = DEFAULT_CONFIG
        .replace(
            "relying_party_id = \"localhost\"",
            "relying_party_id = \"shop.test\"",
        )
        .replace(
            "allowed_origins = [\"http://localhost:8080\"]",
            "allowed_origins = [\"https://app.shop.test\"]",
        )
        .replace(
            "user_verification = \"preferred\"",
            "user_verification = \"required\"",
        );
    let s = Stack::start_with(Config::parse(&text).unwrap()).await;
    let tokens = s.demo_login().await;
    let access = &tokens["AccessToken"];
    let mut a = Authenticator::new();
    let options = start(&s, access).await;
    assert_eq!(options["rp"]["id"], "shop.test");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    // The default origin and rp id are not this pool's.
    let (st, v) = complete(&s, access, a.register(&options, ORIGIN, "shop.test")).await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnOriginNotAllowedException"),
        "{v}"
    );
    let options = start(&s, access).await;
    let (st, v) = complete(
        &s,
        access,
        a.register(&options, "https://app.shop.test", RP_ID),
    )
    .await;
    assert_eq!(
        (st, error_type(&v)),
        (400, "WebAuthnRelyingPartyMismatchException"),
        "{v}"
    );
    // User verification is required.
    a.uv = false;
    let options = start(&s, access).await;
    let (st, v) = complete(
        &s,
        access,
        a.register(&options, "https://app.shop.test", "shop.test"),
    )
    .await;
    assert_eq!((st, error_type(&v)), (400, "NotAuthorizedException"), "{v}");
    a.uv = true;
    let options = start(&s, access).await;
    let (st, v) = complete(
        &s,
        access,
        a.register(&options, "https://app.shop.test", "shop.test"),
    )
    .await;
    assert_eq!((st, &v), (200, &json!({})));
    let (_, v) = s
        .idp("ListWebAuthnCredentials", json!({ "AccessToken": access }))
        .await;
    assert_eq!(v["Credentials"][0]["RelyingPartyId"], "shop.test");
    let (session, options) = web_authn_challenge(&s, "demo").await;
    assert_eq!(options["rpId"], "shop.test");
    assert_eq!(options["userVerification"], "required");
    let (st, v) = answer(
        &s,
        "demo",
        &session,
        &a.assert(&options, "https://app.shop.test", "shop.test"),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    s.stop().await;

    // A config the relying party cannot use is refused at start.
    for bad in [
        DEFAULT_CONFIG.replace(
            "user_verification = \"preferred\"",
            "user_verification = \"always\"",
        ),
        DEFAULT_CONFIG.replace(
            "relying_party_id = \"localhost\"",
            "relying_party_id = \"http://localhost\"",
        ),
        DEFAULT_CONFIG.replace(
            "allowed_origins = [\"http://localhost:8080\"]",
            "allowed_origins = [\"localhost:8080\"]",
        ),
    ] {
        assert_ne!(bad, DEFAULT_CONFIG);
        assert!(Config::parse(&bad).is_err());
    }
}

/// The authorize parameters of `authorize_query` as form fields.
fn authorize_fields() -> Vec<(String, String)> {
    let q = authorize_query(CLIENT, "");
    url::form_urlencoded::parse(q.split_once('?').unwrap().1.as_bytes())
        .into_owned()
        .collect()
}

/// POST `path` with `fields` (and the managed-login `cookie`, if any).
async fn post_form(
    s: &Stack,
    path: &str,
    fields: &[(String, String)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut r = s.http.post(format!("{}{path}", s.base)).form(fields);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn managed_login_signs_in_with_a_passkey_and_adds_one_at_passkeys_add() {
    let s = Stack::start().await;
    let managed = s.public_base();
    let tokens = s.demo_login().await;
    let mut a = Authenticator::new();
    register(&s, &tokens["AccessToken"], &a).await;

    // /login's passkey button: the challenge of the user named, then the signed challenge.
    let mut fields = authorize_fields();
    fields.push(("username".into(), "demo".into()));
    let r = post_form(&s, "/login/passkey/options", &fields, None).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let session = body["session"].as_str().unwrap().to_string();
    assert_eq!(body["options"]["rpId"], RP_ID);
    // Signed from managed login's own origin: refused from any other.
    let wrong = a.assert(&body["options"], "http://evil.example", RP_ID);
    let mut answer = fields.clone();
    answer.push(("session".into(), session));
    answer.push(("credential".into(), wrong.to_string()));
    let r = post_form(&s, "/login/passkey", &answer, None).await;
    assert_eq!(r.status(), 200, "the sign-in page again");
    let html = r.text().await.unwrap();
    assert!(html.contains("Incorrect passkey credential."), "{html}");
    assert!(html.contains("id=passkeySignInButton"));
    let r = post_form(&s, "/login/passkey/options", &fields, None).await;
    let body: Value = r.json().await.unwrap();
    let right = a.assert(&body["options"], &managed, RP_ID);
    let mut answer = fields.clone();
    answer.push(("session".into(), body["session"].as_str().unwrap().into()));
    answer.push(("credential".into(), right.to_string()));
    let r = post_form(&s, "/login/passkey", &answer, None).await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(
        to.starts_with(REDIRECT) && query_param(&to, "code").is_some(),
        "{to}"
    );
    assert_eq!(query_param(&to, "state").as_deref(), Some("st4te"));
    let cookie = session_cookie(r.headers()).expect("a managed-login session");

    // A user without a passkey is told so; an unknown one the same.
    for name in ["rival", "nobody"] {
        let mut f = authorize_fields();
        f.push(("username".into(), name.into()));
        let r = post_form(&s, "/login/passkey/options", &f, None).await;
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["message"], "No passkey is registered for this user.");
    }

    // /passkeys/add: the page for the signed-in user, a second passkey, back to the app.
    let add = [
        ("client_id".to_string(), CLIENT.to_string()),
        ("redirect_uri".to_string(), REDIRECT.to_string()),
    ];
    let q = format!(
        "/passkeys/add?client_id={CLIENT}&redirect_uri={}",
        enc(REDIRECT)
    );
    assert_eq!(s.get(&q).await.status(), 401, "no managed-login session");
    let bad = q.replace(&enc(REDIRECT), &enc("https://evil.example/"));
    assert_eq!(s.get_with_cookie(&bad, &cookie).await.status(), 400);
    let r = s.get_with_cookie(&q, &cookie).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=addPasskeyButton"));
    assert_eq!(
        post_form(&s, "/passkeys/add/options", &add, None)
            .await
            .status(),
        401
    );
    let r = post_form(&s, "/passkeys/add/options", &add, Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    let options = r.json::<Value>().await.unwrap()["options"].clone();
    assert_eq!(options["excludeCredentials"][0]["id"], B64.encode(&a.id));
    let second = Authenticator::new();
    let mut done = add.to_vec();
    done.push((
        "credential".into(),
        second.register(&options, &managed, RP_ID).to_string(),
    ));
    let r = post_form(&s, "/passkeys/add", &done, Some(&cookie)).await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), REDIRECT);
    let (_, v) = s
        .idp(
            "ListWebAuthnCredentials",
            json!({ "AccessToken": tokens["AccessToken"] }),
        )
        .await;
    assert_eq!(v["Credentials"].as_array().unwrap().len(), 2, "{v}");
    // A credential that is not one: the page again with the refusal, nothing added.
    let mut broken = add.to_vec();
    broken.push(("credential".into(), "{}".into()));
    let r = post_form(&s, "/passkeys/add/options", &add, Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    let r = post_form(&s, "/passkeys/add", &broken, Some(&cookie)).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("class=error"));
    s.stop().await;
}
