//! Passkeys (WebAuthn) as values: Cognito's options JSON turned into what the browser's
//! `navigator.credentials.create` / `.get` take (bytes where the API wants a `BufferSource`), the
//! credential the browser answers turned into the JSON Cognito takes
//! (`RegistrationResponseJSON`, `AuthenticationResponseJSON`), the relying party checked against the
//! page, and the operations of the user-pool API (`StartWebAuthnRegistration`,
//! `CompleteWebAuthnRegistration`, `ListWebAuthnCredentials`, `DeleteWebAuthnCredential`). The
//! base64url conversions of WebAuthn are all here; the platform only maps bytes to `ArrayBuffer`s.

use crate::base64url;
use crate::error::{concat, Error, ErrorKind, Result};
use crate::json::{Object, Value};

/// Which WebAuthn call: a new passkey (`navigator.credentials.create`) or a sign-in with one
/// (`navigator.credentials.get`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    /// `navigator.credentials.create({ publicKey })`: registration.
    Create,
    /// `navigator.credentials.get({ publicKey })`: authentication.
    Get,
}

/// A value of the `publicKey` options as the WebAuthn API takes it: JSON, except the members the
/// API wants as bytes (`challenge`, `user.id`, the credential ids).
#[derive(Debug, Clone, PartialEq)]
pub enum PublicKeyValue {
    /// A JSON value as it is.
    Json(Value),
    /// Bytes (a `BufferSource`).
    Bytes(Vec<u8>),
    /// An object of members.
    Object(Vec<(String, PublicKeyValue)>),
    /// An array.
    Array(Vec<PublicKeyValue>),
}

impl PublicKeyValue {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&PublicKeyValue> {
        match self {
            Self::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// The options of one ceremony, ready for the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKeyOptions {
    /// Create or get.
    pub ceremony: Ceremony,
    /// The relying party id the options name (`rp.id`, `rpId`), if any.
    pub relying_party: Option<String>,
    /// The `publicKey` member of the call.
    pub public_key: PublicKeyValue,
}

/// The members that are base64url text in the JSON options and bytes in the API: (the object they
/// are in, the member).
const BINARY: [(&str, &str); 4] = [
    ("", "challenge"),
    ("user", "id"),
    ("excludeCredentials", "id"),
    ("allowCredentials", "id"),
];

fn malformed(what: &str) -> Error {
    Error::new(
        ErrorKind::Network,
        concat(&["the passkey options from Cognito are malformed: ", what]),
    )
}

fn walk(value: &Value, at: &str) -> Result<PublicKeyValue> {
    Ok(match value {
        Value::Object(o) => {
            let mut members = Vec::with_capacity(o.len());
            for (k, v) in o.iter() {
                let member = if BINARY.contains(&(at, k)) {
                    let bytes = v
                        .as_str()
                        .and_then(|t| base64url::decode(t.as_bytes()))
                        .ok_or_else(|| malformed(&concat(&[k, " is not base64url"])))?;
                    PublicKeyValue::Bytes(bytes)
                } else if at.is_empty()
                    && matches!(k, "user" | "excludeCredentials" | "allowCredentials")
                {
                    walk(v, k)?
                } else {
                    PublicKeyValue::Json(v.clone())
                };
                members.push((k.to_owned(), member));
            }
            PublicKeyValue::Object(members)
        }
        Value::Array(items) => PublicKeyValue::Array(
            items
                .iter()
                .map(|v| walk(v, at))
                .collect::<Result<Vec<_>>>()?,
        ),
        other => PublicKeyValue::Json(other.clone()),
    })
}

impl PublicKeyOptions {
    /// Reads Cognito's `PublicKeyCredentialCreationOptionsJSON` (`StartWebAuthnRegistration`'s
    /// `CredentialCreationOptions`) or `PublicKeyCredentialRequestOptionsJSON` (the `WEB_AUTHN`
    /// challenge's `CREDENTIAL_REQUEST_OPTIONS`). [`ErrorKind::Network`] when it is not an object
    /// with a base64url `challenge` (and, to create, `rp` and a base64url `user.id`).
    pub fn from_json(ceremony: Ceremony, json: &Value) -> Result<Self> {
        if json.as_object().is_none() {
            return Err(malformed("not an object"));
        }
        let public_key = walk(json, "")?;
        let bytes = |v: Option<&PublicKeyValue>| matches!(v, Some(PublicKeyValue::Bytes(b)) if !b.is_empty());
        if !bytes(public_key.get("challenge")) {
            return Err(malformed("no challenge"));
        }
        let relying_party = match ceremony {
            Ceremony::Create => {
                if !bytes(public_key.get("user").and_then(|u| u.get("id"))) {
                    return Err(malformed("no user.id"));
                }
                let rp = json.get("rp").ok_or_else(|| malformed("no rp"))?;
                rp.get("id").and_then(Value::as_str)
            }
            Ceremony::Get => json.get("rpId").and_then(Value::as_str),
        };
        Ok(Self {
            ceremony,
            relying_party: relying_party.map(str::to_owned),
            public_key,
        })
    }

    /// [`ErrorKind::PasskeyRelyingParty`] unless the relying party is `host` (the page's host name)
    /// or a domain it belongs to, as the browser would refuse it (`SecurityError`) after the user
    /// saw nothing; `host` `None` (no page) is [`ErrorKind::PasskeyUnsupported`].
    pub fn check_relying_party(&self, host: Option<&str>) -> Result<()> {
        let Some(host) = host else {
            return Err(Error::new(
                ErrorKind::PasskeyUnsupported,
                "passkeys need a browser page (there is no window here)",
            ));
        };
        let Some(rp) = self.relying_party.as_deref() else {
            return Ok(()); // the browser takes the page's own host
        };
        let host = host.to_ascii_lowercase();
        let rp_lower = rp.to_ascii_lowercase();
        let belongs = host == rp_lower
            || (host.len() > rp_lower.len()
                && host.ends_with(&rp_lower)
                && host.as_bytes()[host.len() - rp_lower.len() - 1] == b'.');
        if belongs && !rp_lower.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::PasskeyRelyingParty,
            concat(&[
                "the user pool's passkey relying party '",
                rp,
                "' is not this page's domain (",
                &host,
                "): set the pool's relying party id to it or to a domain it belongs to",
            ]),
        ))
    }
}

/// The host name of `href` (`https://shop.example:8443/a` → `shop.example`), `None` without one.
pub fn host_of(href: &str) -> Option<&str> {
    let (_, rest) = crate::http::split_scheme(href)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// What the authenticator answered (a `PublicKeyCredential`), its binary members as bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PublicKeyCredential {
    /// `rawId`: the credential id.
    pub raw_id: Vec<u8>,
    /// `response.clientDataJSON`.
    pub client_data_json: Vec<u8>,
    /// `response.attestationObject` (create).
    pub attestation_object: Vec<u8>,
    /// `response.getTransports()` (create): `internal`, `hybrid`, `usb`, ...
    pub transports: Vec<String>,
    /// `response.authenticatorData` (get).
    pub authenticator_data: Vec<u8>,
    /// `response.signature` (get).
    pub signature: Vec<u8>,
    /// `response.userHandle` (get), if the authenticator gave one.
    pub user_handle: Option<Vec<u8>>,
    /// `authenticatorAttachment`: `platform` or `cross-platform`, if known.
    pub authenticator_attachment: Option<String>,
}

impl std::fmt::Debug for PublicKeyCredential {
    /// The credential id only: the signed data is not for logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKeyCredential")
            .field("id", &base64url::encode(&self.raw_id))
            .finish_non_exhaustive()
    }
}

impl PublicKeyCredential {
    /// The JSON Cognito takes: `RegistrationResponseJSON` (create) or `AuthenticationResponseJSON`
    /// (get), binary members as unpadded base64url.
    pub fn to_json(&self, ceremony: Ceremony) -> Object {
        let b = |bytes: &[u8]| base64url::encode(bytes);
        let id = b(&self.raw_id);
        let mut response = Object::new().with("clientDataJSON", b(&self.client_data_json));
        match ceremony {
            Ceremony::Create => {
                response.insert("attestationObject", b(&self.attestation_object));
                let transports: Vec<Value> = self
                    .transports
                    .iter()
                    .map(|t| Value::from(t.as_str()))
                    .collect();
                response.insert("transports", transports);
            }
            Ceremony::Get => {
                response.insert("authenticatorData", b(&self.authenticator_data));
                response.insert("signature", b(&self.signature));
                if let Some(handle) = &self.user_handle {
                    response.insert("userHandle", b(handle));
                }
            }
        }
        let mut out = Object::new()
            .with("id", id.as_str())
            .with("rawId", id.as_str())
            .with("type", "public-key")
            .with("response", response);
        if let Some(a) = &self.authenticator_attachment {
            out.insert("authenticatorAttachment", a.as_str());
        }
        out.with("clientExtensionResults", Object::new())
    }
}

/// A passkey of the user's (`ListWebAuthnCredentials`).
#[derive(Debug, Clone, PartialEq)]
pub struct Passkey {
    /// `CredentialId`: what [`delete`](crate::engine::CognitoAuth::delete_passkey) takes.
    pub id: String,
    /// `FriendlyCredentialName`: the authenticator's name, if any.
    pub name: Option<String>,
    /// `RelyingPartyId`.
    pub relying_party_id: Option<String>,
    /// `AuthenticatorAttachment`: `platform` or `cross-platform`, if known.
    pub authenticator_attachment: Option<String>,
    /// `AuthenticatorTransports`.
    pub transports: Vec<String>,
    /// `CreatedAt`, whole seconds since the epoch.
    pub created_at: Option<u64>,
}

impl Passkey {
    /// The JS shape: `{ id, name?, relyingPartyId?, authenticatorAttachment?, transports, createdAt? }`
    /// (`createdAt` in milliseconds, as `Date` takes it).
    pub fn to_object(&self) -> Object {
        let transports: Vec<Value> = self
            .transports
            .iter()
            .map(|t| Value::from(t.as_str()))
            .collect();
        let mut o = Object::new().with("id", self.id.as_str());
        for (key, value) in [
            ("name", &self.name),
            ("relyingPartyId", &self.relying_party_id),
            ("authenticatorAttachment", &self.authenticator_attachment),
        ] {
            if let Some(v) = value {
                o.insert(key, v.as_str());
            }
        }
        o.insert("transports", transports);
        if let Some(at) = self.created_at {
            o.insert("createdAt", Value::from(at.saturating_mul(1000)));
        }
        o
    }
}

/// One page of `ListWebAuthnCredentials`: the passkeys and the `NextToken`, if there are more.
/// [`ErrorKind::Network`] for an answer without a `Credentials` list or with an entry without a
/// `CredentialId`.
pub fn list_page(body: &Value) -> Result<(Vec<Passkey>, Option<String>)> {
    let bad = || malformed_list();
    let list = body
        .get("Credentials")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        out.push(Passkey {
            id: text(c, "CredentialId")
                .filter(|i| !i.is_empty())
                .ok_or_else(bad)?,
            name: text(c, "FriendlyCredentialName"),
            relying_party_id: text(c, "RelyingPartyId"),
            authenticator_attachment: text(c, "AuthenticatorAttachment"),
            transports: c
                .get("AuthenticatorTransports")
                .map(Value::strings)
                .unwrap_or_default(),
            // Read without float parsing (core's float tables would cost the package ~7 KB).
            created_at: c
                .get("CreatedAt")
                .and_then(Value::as_number)
                .and_then(|n| n.as_whole_u64()),
        });
    }
    let next = text(body, "NextToken").filter(|t| !t.is_empty());
    Ok((out, next))
}

fn malformed_list() -> Error {
    Error::new(
        ErrorKind::Network,
        "the ListWebAuthnCredentials answer has no Credentials list of CredentialIds",
    )
}

/// `StartWebAuthnRegistration`'s `CredentialCreationOptions`, ready for the platform.
pub fn registration_options(body: &Value) -> Result<PublicKeyOptions> {
    let options = body
        .get("CredentialCreationOptions")
        .ok_or_else(|| malformed("no CredentialCreationOptions"))?;
    PublicKeyOptions::from_json(Ceremony::Create, options)
}

/// The `WEB_AUTHN` challenge's `CREDENTIAL_REQUEST_OPTIONS` (JSON text), ready for the platform.
pub fn sign_in_options(text: Option<&str>) -> Result<PublicKeyOptions> {
    let json = text
        .and_then(Value::parse)
        .ok_or_else(|| malformed("CREDENTIAL_REQUEST_OPTIONS is not JSON"))?;
    PublicKeyOptions::from_json(Ceremony::Get, &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        Value::parse(text).unwrap()
    }

    const CREATE: &str = r#"{"rp":{"id":"localhost","name":"ShopSphere"},
        "user":{"id":"AAEC","name":"demo","displayName":""},"challenge":"3q2-7w",
        "pubKeyCredParams":[{"type":"public-key","alg":-7}],"timeout":60000,
        "excludeCredentials":[{"type":"public-key","id":"_w"}],
        "authenticatorSelection":{"residentKey":"required","userVerification":"preferred"}}"#;

    #[test]
    fn creation_options_have_bytes_where_the_api_wants_them() {
        let o = PublicKeyOptions::from_json(Ceremony::Create, &json(CREATE)).unwrap();
        assert_eq!(o.relying_party.as_deref(), Some("localhost"));
        let pk = &o.public_key;
        assert_eq!(
            pk.get("challenge"),
            Some(&PublicKeyValue::Bytes(vec![0xde, 0xad, 0xbe, 0xef]))
        );
        let user = pk.get("user").unwrap();
        assert_eq!(user.get("id"), Some(&PublicKeyValue::Bytes(vec![0, 1, 2])));
        assert_eq!(
            user.get("name"),
            Some(&PublicKeyValue::Json(Value::from("demo")))
        );
        let PublicKeyValue::Array(excluded) = pk.get("excludeCredentials").unwrap() else {
            panic!("excludeCredentials is an array")
        };
        assert_eq!(
            excluded[0].get("id"),
            Some(&PublicKeyValue::Bytes(vec![0xff]))
        );
        assert_eq!(
            excluded[0].get("type"),
            Some(&PublicKeyValue::Json(Value::from("public-key")))
        );
        // Members that are not binary stay JSON, nested objects included.
        assert!(matches!(
            pk.get("authenticatorSelection"),
            Some(PublicKeyValue::Json(Value::Object(_)))
        ));
        assert!(matches!(
            pk.get("pubKeyCredParams"),
            Some(PublicKeyValue::Json(Value::Array(_)))
        ));
        assert_eq!(
            pk.get("timeout"),
            Some(&PublicKeyValue::Json(json("60000")))
        );
    }

    #[test]
    fn request_options_decode_the_allowed_credentials() {
        let text = r#"{"challenge":"AQID","rpId":"shop.example","allowCredentials":[{"id":"BAU","type":"public-key","transports":["internal"]}],"userVerification":"required"}"#;
        let o = sign_in_options(Some(text)).unwrap();
        assert_eq!(o.ceremony, Ceremony::Get);
        assert_eq!(o.relying_party.as_deref(), Some("shop.example"));
        let PublicKeyValue::Array(allowed) = o.public_key.get("allowCredentials").unwrap() else {
            panic!("allowCredentials is an array")
        };
        assert_eq!(
            allowed[0].get("id"),
            Some(&PublicKeyValue::Bytes(vec![4, 5]))
        );
        assert!(matches!(
            allowed[0].get("transports"),
            Some(PublicKeyValue::Json(Value::Array(_)))
        ));
    }

    #[test]
    fn broken_options_are_network_errors_naming_the_fault() {
        let cases = [
            (Ceremony::Get, r#"{"rpId":"localhost"}"#, "no challenge"),
            (
                Ceremony::Get,
                r#"{"challenge":"not base64url!"}"#,
                "challenge is not base64url",
            ),
            (Ceremony::Get, r#"{"challenge":""}"#, "no challenge"),
            (Ceremony::Get, r#"[1]"#, "not an object"),
            (
                Ceremony::Create,
                r#"{"challenge":"AQID","rp":{"id":"x"}}"#,
                "no user.id",
            ),
            (
                Ceremony::Create,
                r#"{"challenge":"AQID","user":{"id":"AQ"}}"#,
                "no rp",
            ),
            (
                Ceremony::Get,
                r#"{"challenge":"AQID","allowCredentials":[{"id":7}]}"#,
                "id is not base64url",
            ),
        ];
        for (ceremony, text, why) in cases {
            let e = PublicKeyOptions::from_json(ceremony, &json(text)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Network, "{text}");
            assert!(e.message().ends_with(why), "{text}: {}", e.message());
        }
        let e = sign_in_options(Some("{")).unwrap_err();
        assert!(e.message().contains("not JSON"), "{}", e.message());
        assert_eq!(
            sign_in_options(None).unwrap_err().kind(),
            ErrorKind::Network
        );
        let e = registration_options(&json("{}")).unwrap_err();
        assert!(e.message().contains("no CredentialCreationOptions"));
    }

    #[test]
    fn the_relying_party_must_be_the_page_or_a_domain_it_belongs_to() {
        let with_rp = |rp: Option<&str>| PublicKeyOptions {
            ceremony: Ceremony::Get,
            relying_party: rp.map(str::to_owned),
            public_key: PublicKeyValue::Object(Vec::new()),
        };
        for (rp, host) in [
            (Some("localhost"), "localhost"),
            (Some("shop.example"), "shop.example"),
            (Some("shop.example"), "www.shop.example"),
            (Some("Shop.Example"), "login.shop.example"),
            (None, "anything.test"),
        ] {
            assert!(
                with_rp(rp).check_relying_party(Some(host)).is_ok(),
                "{rp:?} on {host}"
            );
        }
        for (rp, host) in [
            ("shop.example", "evilshop.example"),
            ("shop.example", "example"),
            ("www.shop.example", "shop.example"),
            ("localhost", "127.0.0.1"),
            ("", "localhost"),
        ] {
            let e = with_rp(Some(rp))
                .check_relying_party(Some(host))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::PasskeyRelyingParty, "{rp} on {host}");
            assert!(e.message().contains(host), "{}", e.message());
        }
        let e = with_rp(None).check_relying_party(None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PasskeyUnsupported);
    }

    #[test]
    fn hosts_of_page_addresses() {
        for (href, host) in [
            ("http://localhost:8080/", Some("localhost")),
            ("https://shop.example/a?b#c", Some("shop.example")),
            ("https://u:p@shop.example:8443", Some("shop.example")),
            ("http://[::1]:8080/", Some("::1")),
            ("file:///tmp/x", None),
            ("not a url", None),
        ] {
            assert_eq!(host_of(href), host, "{href}");
        }
    }

    #[test]
    fn credentials_become_the_json_cognito_takes() {
        let credential = PublicKeyCredential {
            raw_id: vec![0xfb, 0xff],
            client_data_json: b"{}".to_vec(),
            attestation_object: vec![1, 2, 3],
            transports: vec!["internal".into(), "hybrid".into()],
            authenticator_data: vec![4],
            signature: vec![5, 6],
            user_handle: Some(vec![7]),
            authenticator_attachment: Some("platform".into()),
        };
        let created = json(&credential.to_json(Ceremony::Create).to_json());
        assert_eq!(
            created,
            json(
                r#"{"id":"-_8","rawId":"-_8","type":"public-key","response":{"clientDataJSON":"e30",
                "attestationObject":"AQID","transports":["internal","hybrid"]},
                "authenticatorAttachment":"platform","clientExtensionResults":{}}"#
            )
        );
        let got = json(&credential.to_json(Ceremony::Get).to_json());
        assert_eq!(
            got.get("response").unwrap(),
            &json(
                r#"{"clientDataJSON":"e30","authenticatorData":"BA","signature":"BQY","userHandle":"Bw"}"#
            )
        );
        let anonymous = PublicKeyCredential {
            user_handle: None,
            authenticator_attachment: None,
            ..credential
        };
        let got = json(&anonymous.to_json(Ceremony::Get).to_json());
        assert!(got.get("response").unwrap().get("userHandle").is_none());
        assert!(got.get("authenticatorAttachment").is_none());
        // Debug shows the id only.
        let debug = format!("{anonymous:?}");
        assert!(
            debug.contains("-_8") && !debug.contains("signature"),
            "{debug}"
        );
    }

    #[test]
    fn list_pages_read_cognitos_fields() {
        let body = json(
            r#"{"Credentials":[{"CredentialId":"abc","FriendlyCredentialName":"Chrome on Linux",
            "RelyingPartyId":"localhost","AuthenticatorAttachment":"platform",
            "AuthenticatorTransports":["internal"],"CreatedAt":1764000000.5}],"NextToken":"n2"}"#,
        );
        let (list, next) = list_page(&body).unwrap();
        assert_eq!(next.as_deref(), Some("n2"));
        assert_eq!(list[0].id, "abc");
        assert_eq!(list[0].name.as_deref(), Some("Chrome on Linux"));
        assert_eq!(list[0].transports, ["internal"]);
        let js = json(&list[0].to_object().to_json());
        assert_eq!(
            js.get("createdAt").and_then(Value::as_i64),
            Some(1_764_000_000_000)
        );
        assert_eq!(
            js.get("authenticatorAttachment").and_then(Value::as_str),
            Some("platform")
        );
        let bare = json(r#"{"Credentials":[{"CredentialId":"d"}]}"#);
        let js = json(&list_page(&bare).unwrap().0[0].to_object().to_json());
        assert_eq!(
            js,
            json(r#"{"id":"d","transports":[]}"#),
            "absent members are left out"
        );
        let (empty, none) = list_page(&json(r#"{"Credentials":[]}"#)).unwrap();
        assert!(empty.is_empty() && none.is_none());
        for broken in [
            r#"{}"#,
            r#"{"Credentials":[{"FriendlyCredentialName":"x"}]}"#,
        ] {
            assert_eq!(
                list_page(&json(broken)).unwrap_err().kind(),
                ErrorKind::Network,
                "{broken}"
            );
        }
    }
}
