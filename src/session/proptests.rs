//! No stored value makes the session layer panic: whatever is under the session, transaction or
//! handled-callback keys, the next load reads it or gets a typed error (and drops it), and the clock
//! math over what it read answers for any time (strategies in `crate::testing::fuzz`).

use proptest::prelude::*;

use super::*;
use crate::testing::fuzz::{self, *};
use crate::view::Tokens;

const SESSION_KEYS: &[&str] = &[
    "v",
    "id_token",
    "access_token",
    "refresh_token",
    "expires_at",
    "clock_offset",
    "received_at",
];
const TRANSACTION_KEYS: &[&str] = &[
    "v",
    "state",
    "verifier",
    "nonce",
    "custom_state",
    "return_to",
    "created_at",
];
const HANDLED_KEYS: &[&str] = &["sub", "custom_state", "return_to", "at"];

fn non_empty() -> impl Strategy<Value = String> {
    text().prop_filter("not empty", |s| !s.is_empty())
}

fn session() -> impl Strategy<Value = Session> {
    (
        non_empty(),
        non_empty(),
        prop::option::of(text()),
        timestamp(),
        any::<i64>(),
        timestamp(),
        any::<bool>(),
    )
        .prop_map(
            |(id_token, access_token, refresh, expires_at, clock_offset, received_at, via_api)| {
                Session {
                    v: STORAGE_VERSION,
                    id_token: id_token.into(),
                    access_token: access_token.into(),
                    refresh_token: refresh.map(RefreshToken::new),
                    expires_at,
                    clock_offset,
                    received_at,
                    via_api,
                }
            },
        )
}

fn transaction() -> impl Strategy<Value = Transaction> {
    (
        text(),
        text(),
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        timestamp(),
    )
        .prop_map(
            |(state, verifier, nonce, custom_state, return_to, created_at)| Transaction {
                v: STORAGE_VERSION,
                state,
                verifier: PkceVerifier::new(verifier),
                nonce,
                custom_state,
                return_to,
                created_at,
            },
        )
}

fn handled() -> impl Strategy<Value = HandledCallback> {
    (
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        timestamp(),
    )
        .prop_map(|(sub, custom_state, return_to, at)| HandledCallback {
            sub,
            custom_state,
            return_to,
            at,
        })
}

/// What may be found under a storage key: any text, any JSON, a stored value of the format with its
/// fields removed, of the wrong type, huge or negative numbers, deep nesting, or its bytes mutated.
fn stored(
    valid: BoxedStrategy<String>,
    keys: &'static [&'static str],
) -> impl Strategy<Value = String> {
    prop_oneof![
        2 => text(),
        1 => json_value().prop_map(|v| v.to_json()),
        4 => mutated_object(valid.clone().prop_map(|t| Object::parse(&t).unwrap()), keys)
            .prop_map(|o| o.to_json()),
        3 => mutated_text(valid),
    ]
}

/// Whatever is read back is used: refresh and expiry decisions, the server clock, the tokens handed
/// out, at any time.
fn use_session(s: &Session, now: u64, margin: u64, iat: u64) {
    let _ = (s.needs_refresh(now, margin), s.is_expired(now));
    let _ = server_time(now, s.clock_offset);
    let _ = refreshed_offset(iat, now, s.clock_offset);
    let _ = Tokens::from(s).to_json().to_json();
    let _ = format!("{s:?}");
}

proptest! {
    #![proptest_config(fuzz::config(256))]

    /// A stored session, written and read back, is the same session.
    #[test]
    fn prop_session_roundtrip(s in session()) {
        prop_assert_eq!(Session::from_json(&s.to_json()), Ok(s));
    }

    /// Whatever is stored under the session key: a session (which writes back as itself) or
    /// `ERR_STORAGE`; what was read is used at any time without a panic.
    #[test]
    fn prop_session_any_stored(
        text in stored(session().prop_map(|s| s.to_json()).boxed(), SESSION_KEYS),
        times in [timestamp(), timestamp(), timestamp()],
    ) {
        match Session::from_json(&text) {
            Ok(s) => {
                prop_assert_eq!(Session::from_json(&s.to_json()), Ok(s.clone()));
                use_session(&s, times[0], times[1], times[2]);
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Storage),
        }
    }

    /// A sign-in transaction, written and read back, is the same; anything else stored under its key
    /// is `ERR_STORAGE`; its expiry answers for any time and lifetime.
    #[test]
    fn prop_session_transaction_stored(
        tx in transaction(),
        text in stored(transaction().prop_map(|t| t.to_json()).boxed(), TRANSACTION_KEYS),
        now in timestamp(),
        ttl in timestamp(),
    ) {
        prop_assert_eq!(Transaction::from_json(&tx.to_json()), Ok(tx));
        match Transaction::from_json(&text) {
            Ok(t) => {
                let _ = t.is_expired(now, ttl);
                prop_assert_eq!(Transaction::from_json(&t.to_json()), Ok(t));
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Storage),
        }
    }

    /// A handled-callback record, written and read back, is the same; anything else stored under its
    /// key reads as none; its expiry answers for any time.
    #[test]
    fn prop_session_handled_callback_stored(
        h in handled(),
        text in stored(handled().prop_map(|h| h.to_json()).boxed(), HANDLED_KEYS),
        now in timestamp(),
    ) {
        prop_assert_eq!(HandledCallback::from_json(&h.to_json()), Some(h));
        if let Some(h) = HandledCallback::from_json(&text) {
            let _ = h.is_expired(now);
            prop_assert_eq!(HandledCallback::from_json(&h.to_json()), Some(h));
        }
    }

    /// The clock math over any token times and clocks: offsets within their bounds, sessions built
    /// from any token response, the backoff for any attempt.
    #[test]
    fn prop_session_clock_math(
        iat in timestamp(),
        now in timestamp(),
        previous in any::<i64>(),
        exp in timestamp(),
        expires_in in timestamp(),
        attempt in any::<u32>(),
        random in any::<u32>(),
    ) {
        let offset = clock_offset(iat, now);
        prop_assert!((-MAX_CLOCK_OFFSET..=MAX_CLOCK_OFFSET).contains(&offset));
        let refreshed = refreshed_offset(iat, now, previous);
        prop_assert!(refreshed >= previous.saturating_sub(MAX_OFFSET_DRIFT));
        prop_assert!(refreshed <= previous.saturating_add(MAX_OFFSET_DRIFT));
        let tokens = TokenResponse {
            id_token: Some("id".into()),
            access_token: "access".into(),
            refresh_token: None,
            expires_in,
        };
        let s = Session::from_tokens(tokens, exp, previous, None, now).unwrap();
        prop_assert!(s.expires_at <= now.saturating_add(expires_in));
        use_session(&s, now, expires_in, iat);
        let wait = backoff_ms(attempt, random);
        prop_assert!((125..=4000).contains(&wait));
    }
}

/// Every prefix and suffix of each stored format: typed errors (or none), no panic.
#[test]
fn prop_session_every_cut() {
    let s = Session {
        v: STORAGE_VERSION,
        id_token: "eyJ\u{e9}".into(),
        access_token: "a".into(),
        refresh_token: Some(RefreshToken::new("r\n")),
        expires_at: u64::MAX,
        clock_offset: i64::MIN,
        received_at: 0,
        via_api: true,
    };
    every_cut(&s.to_json(), |t| {
        if let Err(e) = Session::from_json(t) {
            assert_eq!(e.kind(), ErrorKind::Storage);
        }
    });
    let tx = Transaction {
        v: STORAGE_VERSION,
        state: "s".into(),
        verifier: PkceVerifier::new("v"),
        nonce: "n".into(),
        custom_state: Some("{\"cart\":3}".into()),
        return_to: None,
        created_at: u64::MAX,
    };
    every_cut(&tx.to_json(), |t| {
        if let Ok(t) = Transaction::from_json(t) {
            let _ = t.is_expired(u64::MAX, u64::MAX);
        }
    });
    let h = HandledCallback {
        sub: "sub".into(),
        custom_state: None,
        return_to: Some("/\u{1f600}".into()),
        at: u64::MAX,
    };
    every_cut(&h.to_json(), |t| {
        if let Some(h) = HandledCallback::from_json(t) {
            let _ = h.is_expired(u64::MAX);
        }
    });
}
