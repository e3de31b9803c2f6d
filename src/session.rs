//! Sessions and login transactions as stored values, with the clock math and refresh decisions.
//! Pure: the current time is passed in (seconds since the epoch, local clock).

use crate::error::{Error, ErrorKind, Result};
use crate::json::{Number, Object, Value};
use crate::jwt::{self, Claims};
use crate::oauth::TokenResponse;
use crate::secret::{AccessToken, IdToken, PkceVerifier, RefreshToken};

/// Version of the stored formats; values of another version are discarded.
pub const STORAGE_VERSION: u32 = 1;

/// The largest server clock offset believed, in seconds (larger ones are clamped).
pub const MAX_CLOCK_OFFSET: i64 = 12 * 3600;

/// The namespaced storage key of `what` for an app client: `cognito-wasm.<clientId>.<what>`.
pub fn storage_key(client_id: &str, what: &str) -> String {
    // Built by hand: this runs on every storage access, and nothing is formatted on a path that works.
    let mut key = String::with_capacity(14 + client_id.len() + what.len());
    key.push_str("cognito-wasm.");
    key.push_str(client_id);
    key.push('.');
    key.push_str(what);
    key
}

/// Reads stored JSON into an object (stored values are read field by field).
pub(crate) fn object(text: &str) -> Option<Object> {
    Object::parse(text)
}

pub(crate) fn text_field(obj: &Object, name: &str) -> Option<String> {
    obj.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// An optional string field: absent or null → `Some(None)`; another type → `None` (invalid).
fn opt_text_field(obj: &Object, name: &str) -> Option<Option<String>> {
    match obj.get(name) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    }
}

pub(crate) fn u64_field(obj: &Object, name: &str) -> Option<u64> {
    obj.get(name).and_then(Value::as_u64)
}

pub(crate) fn is_current(obj: &Object) -> bool {
    u64_field(obj, "v") == Some(u64::from(STORAGE_VERSION))
}

/// A new stored object of the current format version.
pub(crate) fn versioned() -> Object {
    Object::new().with("v", u64::from(STORAGE_VERSION))
}

/// A signed-in session: the tokens, when they expire on the local clock, and the server clock offset.
/// `Debug` redacts the tokens (they are [secret types](crate::secret)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Format version ([`STORAGE_VERSION`]).
    pub v: u32,
    /// The ID token (verified before it was stored).
    pub id_token: IdToken,
    /// The access token (verified before it was stored).
    pub access_token: AccessToken,
    /// The refresh token, if any.
    pub refresh_token: Option<RefreshToken>,
    /// When the tokens expire, in local-clock seconds: the earlier of the access token's `expires_in`
    /// counted from receipt and the ID token's `exp` moved onto the local clock.
    pub expires_at: u64,
    /// Server clock minus local clock, in seconds, measured at receipt from the ID token's `iat`.
    pub clock_offset: i64,
    /// When the tokens were received, in local-clock seconds.
    pub received_at: u64,
    /// Whether the tokens came from the user-pool API (`signIn`, not the managed login): they are
    /// then refreshed through the API (`GetTokensFromRefreshToken`), which needs no `domain`.
    pub via_api: bool,
}

/// The clock offset implied by a token issued at server time `iat` and received at local time `now`,
/// clamped to ±[`MAX_CLOCK_OFFSET`].
pub fn clock_offset(iat: u64, local_now: u64) -> i64 {
    // `iat` is read before the token is verified, so it may be any u64: no subtraction can overflow.
    let d = iat.abs_diff(local_now).min(MAX_CLOCK_OFFSET as u64) as i64;
    if iat >= local_now {
        d
    } else {
        -d
    }
}

/// The largest change of the server clock offset believed between two token responses of one session, in
/// seconds. A refreshed token whose `iat` implies a larger jump is verified on the previous offset (a
/// replayed old response cannot pass for fresh).
pub const MAX_OFFSET_DRIFT: i64 = 300;

/// The offset to verify a refreshed token with: the one its `iat` implies, kept within
/// [`MAX_OFFSET_DRIFT`] of the session's previous offset.
pub fn refreshed_offset(iat: u64, local_now: u64, previous: i64) -> i64 {
    clock_offset(iat, local_now).clamp(
        previous.saturating_sub(MAX_OFFSET_DRIFT),
        previous.saturating_add(MAX_OFFSET_DRIFT),
    )
}

/// `local_now` moved onto the server clock.
pub fn server_time(local_now: u64, offset: i64) -> u64 {
    (local_now as i64).saturating_add(offset).max(0) as u64
}

impl Session {
    /// A session from a token response received at `local_now`, with the server clock offset measured
    /// from the ID token and its `exp`. Rotation rule: a new refresh token replaces the old one; none
    /// returned keeps `previous_refresh`.
    pub fn from_tokens(
        tokens: TokenResponse,
        id_token_exp: u64,
        clock_offset: i64,
        previous_refresh: Option<RefreshToken>,
        local_now: u64,
    ) -> Result<Self> {
        let id_token = tokens.id_token.ok_or_else(|| {
            Error::new(
                ErrorKind::OAuth,
                "the token response has no ID token (is 'openid' in the scopes?)",
            )
        })?;
        let access_expiry = local_now.saturating_add(tokens.expires_in);
        let id_expiry = id_token_exp.saturating_add_signed(clock_offset.saturating_neg());
        Ok(Self {
            v: STORAGE_VERSION,
            id_token,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token.or(previous_refresh),
            expires_at: access_expiry.min(id_expiry),
            clock_offset,
            received_at: local_now,
            via_api: false,
        })
    }

    /// Whether the tokens must be refreshed at `local_now`: expired, or expiring within `margin` seconds.
    /// The margin is capped at half the tokens' lifetime, so short-lived tokens are not refreshed on
    /// every call.
    pub fn needs_refresh(&self, local_now: u64, margin: u64) -> bool {
        let lifetime = self.expires_at.saturating_sub(self.received_at);
        local_now.saturating_add(margin.min(lifetime / 2)) >= self.expires_at
    }

    /// Seconds from `local_now` until [`needs_refresh`](Self::needs_refresh) turns true (0 when it is).
    pub fn refresh_due_in(&self, local_now: u64, margin: u64) -> u64 {
        let lifetime = self.expires_at.saturating_sub(self.received_at);
        self.expires_at
            .saturating_sub(margin.min(lifetime / 2))
            .saturating_sub(local_now)
    }

    /// Whether the tokens have expired at `local_now`.
    pub fn is_expired(&self, local_now: u64) -> bool {
        local_now >= self.expires_at
    }

    /// The JSON text stored.
    pub fn to_json(&self) -> String {
        versioned()
            .with("id_token", self.id_token.expose())
            .with("access_token", self.access_token.expose())
            .with(
                "refresh_token",
                self.refresh_token.as_ref().map(RefreshToken::expose),
            )
            .with("expires_at", self.expires_at)
            .with(
                "clock_offset",
                Value::Number(Number::from_i64(self.clock_offset)),
            )
            .with("received_at", self.received_at)
            .with("via", self.via_api.then_some("api"))
            .to_json()
    }

    /// Reads a stored value; anything else than a session of this version is an error (to discard).
    pub fn from_json(text: &str) -> Result<Self> {
        let parse = || {
            let o = object(text)?;
            if !is_current(&o) {
                return None;
            }
            Some(Self {
                v: STORAGE_VERSION,
                id_token: text_field(&o, "id_token").filter(|t| !t.is_empty())?.into(),
                access_token: text_field(&o, "access_token")
                    .filter(|t| !t.is_empty())?
                    .into(),
                refresh_token: opt_text_field(&o, "refresh_token")?.map(RefreshToken::new),
                expires_at: u64_field(&o, "expires_at")?,
                clock_offset: o.get("clock_offset").and_then(Value::as_i64)?,
                received_at: u64_field(&o, "received_at")?,
                via_api: match o.get("via") {
                    None | Some(Value::Null) => false,
                    Some(v) => v.as_str()? == "api",
                },
            })
        };
        parse().ok_or_else(|| {
            Error::new(
                ErrorKind::Storage,
                "the stored session is not readable or has another format",
            )
        })
    }
}

/// A sign-in in progress, stored under its `state` until the callback comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Format version ([`STORAGE_VERSION`]).
    pub v: u32,
    /// The `state` sent (also the key it is stored under).
    pub state: String,
    /// The PKCE verifier; redacted in `Debug`.
    pub verifier: PkceVerifier,
    /// The `nonce` sent, expected back in the ID token.
    pub nonce: String,
    /// Application state to hand back after the callback.
    pub custom_state: Option<String>,
    /// Where the app was when the sign-in started (path, query and fragment), to return to.
    pub return_to: Option<String>,
    /// When the sign-in started, in local-clock seconds.
    pub created_at: u64,
}

impl Transaction {
    /// Whether the transaction is older than `ttl` seconds at `local_now`.
    pub fn is_expired(&self, local_now: u64, ttl: u64) -> bool {
        local_now >= self.created_at.saturating_add(ttl)
            || self.created_at > local_now.saturating_add(ttl)
    }

    /// The JSON text stored.
    pub fn to_json(&self) -> String {
        versioned()
            .with("state", self.state.as_str())
            .with("verifier", self.verifier.expose())
            .with("nonce", self.nonce.as_str())
            .with("custom_state", self.custom_state.as_deref())
            .with("return_to", self.return_to.as_deref())
            .with("created_at", self.created_at)
            .to_json()
    }

    /// Reads a stored transaction.
    pub fn from_json(text: &str) -> Result<Self> {
        let parse = || {
            let o = object(text)?;
            if !is_current(&o) {
                return None;
            }
            Some(Self {
                v: STORAGE_VERSION,
                state: text_field(&o, "state")?,
                verifier: PkceVerifier::new(text_field(&o, "verifier")?),
                nonce: text_field(&o, "nonce")?,
                custom_state: opt_text_field(&o, "custom_state")?,
                return_to: opt_text_field(&o, "return_to")?,
                created_at: u64_field(&o, "created_at")?,
            })
        };
        parse().ok_or_else(|| {
            Error::new(
                ErrorKind::Storage,
                "the stored sign-in transaction is not readable",
            )
        })
    }
}

/// A record that a callback `state` was handled, so that handling the same URL again (reload, React
/// StrictMode, the back button) answers with the same result instead of failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandledCallback {
    /// The `sub` of the user signed in by that callback.
    pub sub: String,
    /// The custom state handed back.
    pub custom_state: Option<String>,
    /// The return path handed back.
    pub return_to: Option<String>,
    /// When it was handled, local-clock seconds.
    pub at: u64,
}

impl HandledCallback {
    /// The JSON text stored.
    pub fn to_json(&self) -> String {
        Object::new()
            .with("sub", self.sub.as_str())
            .with("custom_state", self.custom_state.as_deref())
            .with("return_to", self.return_to.as_deref())
            .with("at", self.at)
            .to_json()
    }

    /// Whether the record is older than a day at `local_now` (it is then dropped). `at` is read from
    /// storage, so it may be any u64.
    pub fn is_expired(&self, local_now: u64) -> bool {
        local_now >= self.at.saturating_add(86_400)
    }

    /// Reads a stored record.
    pub fn from_json(text: &str) -> Option<Self> {
        let o = object(text)?;
        Some(Self {
            sub: text_field(&o, "sub")?,
            custom_state: opt_text_field(&o, "custom_state")?,
            return_to: opt_text_field(&o, "return_to")?,
            at: u64_field(&o, "at")?,
        })
    }
}

/// The wait before retry `attempt` (0-based) of a failed refresh, in milliseconds: exponential from
/// 250 ms, capped at 4 s, with "equal jitter" (half fixed, half random) from `random`.
pub fn backoff_ms(attempt: u32, random: u32) -> u32 {
    let cap = 250u32.saturating_mul(1 << attempt.min(4)).min(4000);
    cap / 2 + random % (cap / 2 + 1)
}

/// Attempts of one request (a refresh, a code exchange, an identity-pool call) before a transient
/// failure is reported to the caller.
pub const RETRY_ATTEMPTS: u32 = 3;

/// The retry schedule of every flow: after attempt `attempt` (1-based) failed with `error`, how long to
/// wait before the next one, or `None` to report the error now. Only transient failures
/// ([`ErrorKind::Network`]: no answer, 5xx, throttling) are retried; `random` spreads the waits.
pub fn retry_after(attempt: u32, error: &Error, random: u32) -> Option<u32> {
    (error.kind() == ErrorKind::Network && attempt < RETRY_ATTEMPTS)
        .then(|| backoff_ms(attempt.saturating_sub(1), random))
}

/// Accepts or refuses the verified claims of a token response: the ID token's `token_use` is `id`
/// (and its `nonce` the one sent, for a sign-in), the access token's is `access`, both for one `sub`.
pub fn check_token_pair(id: &Claims, access: &Claims, nonce: Option<&str>) -> Result<()> {
    if jwt::string(id, "token_use") != Some("id") {
        return Err(Error::new(
            ErrorKind::JwtTokenUse,
            "the ID token's token_use is not \"id\"",
        ));
    }
    if let Some(expected) = nonce {
        if jwt::string(id, "nonce") != Some(expected) {
            return Err(Error::new(
                ErrorKind::NonceMismatch,
                "the ID token's nonce is not the one sent with the sign-in",
            ));
        }
    }
    if jwt::string(access, "token_use") != Some("access") {
        return Err(Error::new(
            ErrorKind::JwtTokenUse,
            "the access token's token_use is not \"access\"",
        ));
    }
    if jwt::string(access, "sub") != jwt::string(id, "sub") {
        return Err(Error::new(
            ErrorKind::JwtAudience,
            "the ID and access tokens are for different users",
        ));
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn tokens(refresh: Option<&str>, expires_in: u64) -> TokenResponse {
        TokenResponse {
            id_token: Some("id".into()),
            access_token: "access".into(),
            refresh_token: refresh.map(RefreshToken::new),
            expires_in,
        }
    }

    #[test]
    fn expiry_comes_from_expires_in_and_the_corrected_id_exp() {
        // Server clock 300 s ahead: the ID token says iat = NOW + 300, exp = iat + 3600.
        let offset = clock_offset(NOW + 300, NOW);
        assert_eq!(offset, 300);
        let s = Session::from_tokens(tokens(Some("r"), 3600), NOW + 300 + 3600, offset, None, NOW)
            .unwrap();
        assert_eq!(s.expires_at, NOW + 3600);
        assert_eq!(server_time(NOW, s.clock_offset), NOW + 300);
        // An ID token living shorter than the access token bounds the session.
        let s = Session::from_tokens(tokens(Some("r"), 3600), NOW + 300 + 600, offset, None, NOW)
            .unwrap();
        assert_eq!(s.expires_at, NOW + 600);
        // A local clock two days slow: the offset is clamped, the expiry still follows expires_in.
        assert_eq!(clock_offset(NOW + 2 * 86_400, NOW), MAX_CLOCK_OFFSET);
        assert_eq!(clock_offset(NOW, NOW + 2 * 86_400), -MAX_CLOCK_OFFSET);
    }

    #[test]
    fn a_refreshed_token_cannot_move_the_clock_far() {
        assert_eq!(refreshed_offset(NOW + 100, NOW, 90), 100);
        // An old response replayed: its iat says the server is 10 h behind; the previous offset holds.
        assert_eq!(refreshed_offset(NOW - 36_000, NOW, 0), -MAX_OFFSET_DRIFT);
        assert_eq!(
            refreshed_offset(NOW + 36_000, NOW, 7_200),
            7_200 + MAX_OFFSET_DRIFT
        );
    }

    #[test]
    fn the_margin_is_capped_at_half_the_lifetime() {
        let s = Session::from_tokens(tokens(Some("r"), 300), NOW + 300, 0, None, NOW).unwrap();
        assert!(
            !s.needs_refresh(NOW, 3000),
            "a 5-minute token is not refreshed at once"
        );
        assert!(!s.needs_refresh(NOW + 149, 3000));
        assert!(s.needs_refresh(NOW + 150, 3000));
    }

    #[test]
    fn refresh_decisions_with_a_margin() {
        let s = Session::from_tokens(tokens(Some("r"), 3600), NOW + 3600, 0, None, NOW).unwrap();
        assert!(!s.needs_refresh(NOW, 120));
        assert!(!s.needs_refresh(NOW + 3600 - 121, 120));
        assert!(s.needs_refresh(NOW + 3600 - 120, 120));
        assert!(!s.is_expired(NOW + 3599));
        assert!(s.is_expired(NOW + 3600));
    }

    #[test]
    fn rotation_keeps_or_replaces_the_refresh_token() {
        let kept = Session::from_tokens(
            tokens(None, 3600),
            NOW + 3600,
            0,
            Some(RefreshToken::new("old")),
            NOW,
        )
        .unwrap();
        assert_eq!(kept.refresh_token.unwrap().expose(), "old");
        let rotated = Session::from_tokens(
            tokens(Some("new"), 3600),
            NOW + 3600,
            0,
            Some(RefreshToken::new("old")),
            NOW,
        )
        .unwrap();
        assert_eq!(rotated.refresh_token.unwrap().expose(), "new");
        let no_id = TokenResponse {
            id_token: None,
            ..tokens(None, 60)
        };
        assert_eq!(
            Session::from_tokens(no_id, NOW, 0, None, NOW)
                .unwrap_err()
                .kind(),
            ErrorKind::OAuth
        );
    }

    #[test]
    fn stored_values_round_trip_and_corruption_is_an_error() {
        let s = Session::from_tokens(tokens(Some("r"), 3600), NOW + 3600, 5, None, NOW).unwrap();
        assert_eq!(Session::from_json(&s.to_json()).unwrap(), s);
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("\"r\"") && !debug.contains("\"id\"") && !debug.contains("\"access\""),
            "{debug}"
        );
        for bad in [
            "",
            "{",
            "null",
            "[]",
            r#"{"v":2}"#,
            &s.to_json().replace("\"v\":1", "\"v\":9"),
            "{\"foreign\":true}",
        ] {
            assert_eq!(
                Session::from_json(bad).unwrap_err().kind(),
                ErrorKind::Storage,
                "{bad}"
            );
        }
        let tx = Transaction {
            v: STORAGE_VERSION,
            state: "s".into(),
            verifier: PkceVerifier::new("v"),
            nonce: "n".into(),
            custom_state: Some("{\"cart\":3}".into()),
            return_to: Some("/shop?item=7#reviews".into()),
            created_at: NOW,
        };
        assert_eq!(Transaction::from_json(&tx.to_json()).unwrap(), tx);
        assert!(Transaction::from_json("garbage").is_err());
        assert!(!tx.is_expired(NOW + 599, 600));
        assert!(tx.is_expired(NOW + 600, 600));
        assert!(
            tx.is_expired(NOW - 601, 600),
            "a transaction from the future is not trusted either"
        );
        assert_eq!(storage_key("abc", "session"), "cognito-wasm.abc.session");
    }

    #[test]
    fn clock_math_saturates_for_any_time() {
        // Found by prop_session_clock_math and prop_session_any_stored: an unverified `iat` or a
        // verified `exp` past i64::MAX overflowed a subtraction (a panic in a debug build, a wrong
        // sign in a release build).
        assert_eq!(clock_offset(1 << 63, NOW), MAX_CLOCK_OFFSET);
        assert_eq!(clock_offset(u64::MAX, 0), MAX_CLOCK_OFFSET);
        assert_eq!(clock_offset(0, u64::MAX), -MAX_CLOCK_OFFSET);
        assert_eq!(clock_offset(NOW - 5, NOW), -5);
        assert_eq!(
            refreshed_offset(1 << 63, NOW, i64::MAX),
            i64::MAX - MAX_OFFSET_DRIFT
        );
        let s = Session::from_tokens(tokens(None, 60), 1 << 63, 300, None, NOW).unwrap();
        assert_eq!(s.expires_at, NOW + 60);
        let s = Session::from_tokens(tokens(None, u64::MAX), 100, -300, None, NOW).unwrap();
        assert_eq!(s.expires_at, 400);
        let s = Session::from_tokens(tokens(None, 60), 100, i64::MAX, None, NOW).unwrap();
        assert_eq!(s.expires_at, 0);
        // Found by prop_session_handled_callback_stored: a stored `at` near u64::MAX overflowed.
        let h = |at| HandledCallback {
            sub: "s".into(),
            custom_state: None,
            return_to: None,
            at,
        };
        assert!(!h(u64::MAX).is_expired(NOW));
        assert!(h(u64::MAX).is_expired(u64::MAX));
        assert!(!h(NOW).is_expired(NOW + 86_399));
        assert!(h(NOW).is_expired(NOW + 86_400));
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        assert!((125..=250).contains(&backoff_ms(0, 0)) && backoff_ms(0, 0) == 125);
        assert_eq!(backoff_ms(0, 125), 250);
        assert!((250..=500).contains(&backoff_ms(1, 77)));
        assert!((2000..=4000).contains(&backoff_ms(10, u32::MAX)));
        let spread: std::collections::HashSet<u32> =
            (0..50).map(|r| backoff_ms(2, r * 7919)).collect();
        assert!(spread.len() > 10, "jitter spreads retries");
    }
}
