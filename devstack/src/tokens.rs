//! Issuing and checking tokens: ID/access JWTs with Cognito's claims, opaque refresh tokens with
//! rotation, revocation by `origin_jti`, and verification for the APIs that accept tokens.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Map, Value};

use crate::config::{Client, UserPool};
use crate::ids::{random_string, random_uuid, URL_SAFE};
use crate::state::{App, RefreshRecord, Store, User};
use crate::triggers::{self, TokenClaims};
use crate::wire::{not_authorized, ApiError};

/// Tokens as the token endpoint and the JSON API return them.
pub struct Issued {
    pub access_token: String,
    pub id_token: Option<String>,
    /// Present when a new refresh token was issued (sign-in, or refresh with rotation on).
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

impl Issued {
    pub fn oauth_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("access_token".into(), json!(self.access_token));
        if let Some(id) = &self.id_token {
            m.insert("id_token".into(), json!(id));
        }
        if let Some(r) = &self.refresh_token {
            m.insert("refresh_token".into(), json!(r));
        }
        m.insert("token_type".into(), json!("Bearer"));
        m.insert("expires_in".into(), json!(self.expires_in));
        Value::Object(m)
    }

    /// `AuthenticationResult` of InitiateAuth / GetTokensFromRefreshToken.
    pub fn auth_result(&self) -> Value {
        let mut m = Map::new();
        m.insert("AccessToken".into(), json!(self.access_token));
        m.insert("ExpiresIn".into(), json!(self.expires_in));
        if let Some(id) = &self.id_token {
            m.insert("IdToken".into(), json!(id));
        }
        if let Some(r) = &self.refresh_token {
            m.insert("RefreshToken".into(), json!(r));
        }
        m.insert("TokenType".into(), json!("Bearer"));
        Value::Object(m)
    }
}

pub struct SignIn<'a> {
    pub pool_id: &'a str,
    pub client: &'a Client,
    pub user: &'a User,
    pub scopes: Vec<String>,
    pub id_token: bool,
    pub nonce: Option<String>,
    pub auth_time: i64,
    /// PreTokenGeneration's `triggerSource`: `TokenGeneration_HostedAuth` (managed login's code
    /// exchange), `TokenGeneration_Authentication` or `TokenGeneration_NewPasswordChallenge`.
    pub source: &'static str,
}

impl App {
    fn lifetimes(&self, client: &Client) -> (u64, u64, u64) {
        let l = self.knobs().lifetimes.clone();
        (
            l.access_token_seconds
                .unwrap_or(client.access_token_seconds),
            l.id_token_seconds.unwrap_or(client.id_token_seconds),
            l.refresh_token_seconds
                .unwrap_or(client.refresh_token_seconds),
        )
    }

    /// A new sign-in: access (+ ID) token and a new refresh token with a new `origin_jti`. Fails when
    /// the pool's PreTokenGeneration trigger does (nothing is stored then).
    pub fn sign_in(&self, store: &mut Store, s: SignIn<'_>) -> Result<Issued, ApiError> {
        let now = self.now();
        let (_, _, refresh_secs) = self.lifetimes(s.client);
        let origin_jti = random_uuid();
        let refresh = new_refresh_token();
        let mut issued = self.jwts(
            s.pool_id,
            s.client,
            s.user,
            &s.scopes,
            s.id_token,
            s.nonce.as_deref(),
            s.auth_time,
            &origin_jti,
            s.source,
        )?;
        store.refresh_tokens.insert(
            refresh.clone(),
            RefreshRecord {
                pool_id: s.pool_id.to_string(),
                client_id: s.client.id.clone(),
                username: s.user.username.clone(),
                origin_jti: origin_jti.clone(),
                scopes: s.scopes.clone(),
                id_token: s.id_token,
                auth_time: s.auth_time,
                expires_at: now + refresh_secs as i64,
                rotated_at: None,
                successor: None,
            },
        );
        issued.refresh_token = Some(refresh);
        Ok(issued)
    }

    #[allow(clippy::too_many_arguments)]
    fn jwts(
        &self,
        pool_id: &str,
        client: &Client,
        user: &User,
        scopes: &[String],
        with_id: bool,
        nonce: Option<&str>,
        auth_time: i64,
        origin_jti: &str,
        source: &str,
    ) -> Result<Issued, ApiError> {
        let now = self.now();
        let mut scopes = scopes.to_vec();
        let (access_secs, id_secs, _) = self.lifetimes(client);
        let keys = &self.keys[pool_id];
        let iss = self.issuer(pool_id);
        let event_id = random_uuid();

        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        if !user.groups.is_empty() {
            access.insert("cognito:groups".into(), json!(user.groups));
        }
        access.insert("iss".into(), json!(iss));
        access.insert("client_id".into(), json!(client.id));
        access.insert("origin_jti".into(), json!(origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        access.insert("scope".into(), json!(scopes.join(" ")));
        access.insert("auth_time".into(), json!(auth_time));
        access.insert("exp".into(), json!(now + access_secs as i64));
        access.insert("iat".into(), json!(now));
        access.insert("jti".into(), json!(random_uuid()));
        access.insert("username".into(), json!(user.username));
        access.insert("version".into(), json!(2));

        let id_claims = with_id.then(|| {
            let mut id = Map::new();
            id.insert("sub".into(), json!(user.sub));
            if !user.groups.is_empty() {
                id.insert("cognito:groups".into(), json!(user.groups));
            }
            let (roles, preferred) = group_roles(self.config.user_pool(pool_id), &user.groups);
            if !roles.is_empty() {
                id.insert("cognito:roles".into(), json!(roles));
            }
            if let Some(p) = preferred {
                id.insert("cognito:preferred_role".into(), json!(p));
            }
            for (name, value) in &user.attributes {
                if name == "sub" {
                    continue;
                }
                let v = if name.ends_with("_verified") {
                    json!(value == "true")
                } else if name == "identities" {
                    // Stored as a JSON string (as GetUser shows it), a JSON array in the ID token.
                    serde_json::from_str(value).unwrap_or_else(|_| json!(value))
                } else {
                    json!(value)
                };
                id.insert(name.clone(), v);
            }
            id.insert("iss".into(), json!(iss));
            id.insert("cognito:username".into(), json!(user.username));
            if let Some(n) = nonce {
                id.insert("nonce".into(), json!(n));
            }
            id.insert("origin_jti".into(), json!(origin_jti));
            id.insert("aud".into(), json!(client.id));
            id.insert("event_id".into(), json!(event_id));
            id.insert("token_use".into(), json!("id"));
            id.insert("auth_time".into(), json!(auth_time));
            id.insert("exp".into(), json!(now + id_secs as i64));
            id.insert("iat".into(), json!(now));
            id.insert("jti".into(), json!(random_uuid()));
            id
        });
        let mut id_claims = id_claims;
        if let Some(pool) = self.config.user_pool(pool_id) {
            triggers::pre_token_generation(
                self,
                pool,
                source,
                user,
                &client.id,
                group_roles(Some(pool), &user.groups),
                TokenClaims {
                    id: id_claims.as_mut(),
                    access: &mut access,
                    scopes: &mut scopes,
                },
            )?;
        }
        let access_token = keys.access.sign(&Value::Object(access));
        let id_token = id_claims.map(|id| keys.id.sign(&Value::Object(id)));
        Ok(Issued {
            access_token,
            id_token,
            refresh_token: None,
            expires_in: access_secs,
        })
    }

    /// The refresh_token grant / GetTokensFromRefreshToken / REFRESH_TOKEN_AUTH.
    pub fn refresh(
        &self,
        store: &mut Store,
        client: &Client,
        token: &str,
    ) -> Result<Issued, RefreshError> {
        let now = self.now();
        let rec = store
            .refresh_tokens
            .get(token)
            .cloned()
            .ok_or(RefreshError::Invalid)?;
        if rec.client_id != client.id {
            return Err(RefreshError::Invalid);
        }
        if store.revoked_origins.contains(&rec.origin_jti) {
            return Err(RefreshError::Revoked);
        }
        if now >= rec.expires_at {
            return Err(RefreshError::Expired);
        }
        let user = store
            .users
            .get(&rec.pool_id)
            .and_then(|u| u.get(&rec.username))
            .filter(|u| u.enabled)
            .cloned()
            .ok_or(RefreshError::Invalid)?;
        // A token that rotation already replaced works only within the grace period, and then yields the
        // successor it was replaced with.
        if let Some(rotated_at) = rec.rotated_at {
            if now > rotated_at + client.rotation_grace_seconds as i64 {
                return Err(RefreshError::Reused);
            }
        }
        let mut issued = self
            .jwts(
                &rec.pool_id,
                client,
                &user,
                &rec.scopes,
                rec.id_token,
                None,
                rec.auth_time,
                &rec.origin_jti,
                "TokenGeneration_RefreshTokens",
            )
            .map_err(RefreshError::Trigger)?;
        if client.refresh_token_rotation {
            let successor = match &rec.successor {
                Some(s) => s.clone(),
                None => {
                    let (_, _, refresh_secs) = self.lifetimes(client);
                    let next = new_refresh_token();
                    let mut new_rec = rec.clone();
                    new_rec.expires_at = now + refresh_secs as i64;
                    new_rec.rotated_at = None;
                    new_rec.successor = None;
                    store.refresh_tokens.insert(next.clone(), new_rec);
                    let old = store.refresh_tokens.get_mut(token).expect("present");
                    old.rotated_at = Some(now);
                    old.successor = Some(next.clone());
                    next
                }
            };
            issued.refresh_token = Some(successor);
        }
        Ok(issued)
    }

    /// Revokes a refresh token and every token issued with its `origin_jti`. Returns false when the
    /// token belongs to another client.
    pub fn revoke(&self, store: &mut Store, client_id: &str, token: &str) -> bool {
        if let Some(rec) = store.refresh_tokens.get(token) {
            if rec.client_id != client_id {
                return false;
            }
            store.revoked_origins.insert(rec.origin_jti.clone());
        }
        true
    }

    /// Global sign-out: every session of the user ends.
    pub fn global_sign_out(&self, store: &mut Store, pool_id: &str, username: &str) {
        let origins: Vec<String> = store
            .refresh_tokens
            .values()
            .filter(|r| r.pool_id == pool_id && r.username == username)
            .map(|r| r.origin_jti.clone())
            .collect();
        store.revoked_origins.extend(origins);
    }

    /// Verifies a JWT this server issued: signature (with the key for `token_use`), issuer of a known
    /// pool, expiry against the (offset) server clock, token_use, revocation and the user's existence.
    pub fn verify(
        &self,
        store: &Store,
        token: &str,
        token_use: &str,
    ) -> Result<Verified, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::Signature);
        }
        let unverified = jsonwebtoken::dangerous::insecure_decode::<Value>(token)
            .map_err(|_| VerifyError::Malformed)?;
        let iss = unverified
            .claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let pool_id = self
            .config
            .user_pools
            .iter()
            .find(|p| self.issuer(&p.id) == iss)
            .map(|p| p.id.clone())
            .ok_or(VerifyError::Issuer)?;
        let keys = &self.keys[&pool_id];
        let key = if token_use == "id" {
            &keys.id
        } else {
            &keys.access
        };
        if header.kid.as_deref() != Some(key.kid.as_str()) {
            return Err(VerifyError::Signature);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Value>(token, &key.decoding, &validation)
            .map_err(|_| VerifyError::Signature)?;
        let claims = data.claims;
        if claims.get("token_use").and_then(Value::as_str) != Some(token_use) {
            return Err(VerifyError::TokenUse);
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(VerifyError::Malformed)?;
        if self.now() >= exp {
            return Err(VerifyError::Expired);
        }
        let origin = claims
            .get("origin_jti")
            .and_then(Value::as_str)
            .unwrap_or("");
        if store.revoked_origins.contains(origin) {
            return Err(VerifyError::Revoked);
        }
        let username_claim = if token_use == "id" {
            "cognito:username"
        } else {
            "username"
        };
        let username = claims
            .get(username_claim)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let user = store
            .users
            .get(&pool_id)
            .and_then(|u| u.get(&username))
            .filter(|u| {
                u.enabled && Some(u.sub.as_str()) == claims.get("sub").and_then(Value::as_str)
            })
            .cloned()
            .ok_or(VerifyError::UserGone)?;
        Ok(Verified {
            pool_id,
            user,
            claims,
        })
    }
}

pub struct Verified {
    pub pool_id: String,
    pub user: User,
    pub claims: Value,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VerifyError {
    Malformed,
    Signature,
    Issuer,
    TokenUse,
    Expired,
    Revoked,
    UserGone,
}

impl VerifyError {
    pub fn message(self, what: &str) -> String {
        match self {
            VerifyError::Malformed => format!("Invalid {what}"),
            VerifyError::Signature => format!("Invalid {what}: signature verification failed"),
            VerifyError::Issuer => format!("Invalid {what}: unknown issuer"),
            VerifyError::TokenUse => format!("Invalid {what}: wrong token_use"),
            VerifyError::Expired => format!("{what} has expired"),
            VerifyError::Revoked => format!("{what} has been revoked"),
            VerifyError::UserGone => "User does not exist.".to_string(),
        }
    }
}

#[derive(Debug)]
pub enum RefreshError {
    Invalid,
    Revoked,
    Expired,
    Reused,
    /// PreTokenGeneration refused (UserLambdaValidationException).
    Trigger(ApiError),
}

impl RefreshError {
    /// The JSON API's refusal: NotAuthorizedException, or the trigger's error.
    pub fn api(self) -> ApiError {
        match self {
            RefreshError::Trigger(e) => e,
            other => not_authorized(&other.message()),
        }
    }

    pub fn message(&self) -> String {
        match self {
            RefreshError::Trigger(e) => e.message.clone(),
            RefreshError::Invalid => "Invalid Refresh Token".into(),
            RefreshError::Revoked => "Refresh Token has been revoked".into(),
            RefreshError::Expired => "Refresh Token has expired".into(),
            RefreshError::Reused => {
                "Refresh token has already been rotated and its grace period is over".into()
            }
        }
    }
}

/// The ID token's `cognito:roles` (the roles of the user's groups, best precedence first) and
/// `cognito:preferred_role`: the role of the group with the lowest precedence among the groups with a
/// role; none when groups of that precedence have different roles (groups without a precedence come
/// last and count as one precedence).
pub fn group_roles(pool: Option<&UserPool>, groups: &[String]) -> (Vec<String>, Option<String>) {
    let mut with_roles: Vec<(Option<u32>, &str)> = groups
        .iter()
        .filter_map(|name| pool?.group(name))
        .filter_map(|g| Some((g.precedence, g.role_arn.as_deref()?)))
        .collect();
    // Precedence 0 first, no precedence last.
    with_roles.sort_by_key(|(p, _)| p.map_or(u64::MAX, u64::from));
    let mut roles: Vec<String> = Vec::new();
    for (_, arn) in &with_roles {
        if !roles.iter().any(|r| r == arn) {
            roles.push(arn.to_string());
        }
    }
    let best = with_roles.first().map(|(p, _)| *p);
    let mut top = with_roles
        .iter()
        .filter(|(p, _)| Some(*p) == best)
        .map(|(_, arn)| *arn);
    let first = top.next();
    let preferred = first.filter(|f| top.all(|a| a == *f)).map(String::from);
    (roles, preferred)
}

fn new_refresh_token() -> String {
    // Opaque; real Cognito refresh tokens are JWEs, clients must never parse them.
    format!("dsrt.{}", random_string(96, URL_SAFE))
}
