//! Strategies shared by the property tests that prove "no input makes it panic": every parser of what
//! a network, a URL, storage or the page hands the crate gets (a) arbitrary text and bytes and (b)
//! structure-aware mutations of valid inputs (fields removed, values of the wrong type, huge numbers,
//! unicode, deep nesting, bytes inserted, replaced or deleted, cuts at any byte, very long inputs), and
//! must answer with a value or a typed error.
//!
//! Every property is named `prop_*`. Cases per property: the default its module passes to [`config`]
//! (chosen so that all of them together stay within a few seconds of a debug test run), or
//! `PROPTEST_CASES` when set. A longer run:
//! `PROPTEST_CASES=20000 cargo test -p cognito-wasm --lib prop_`

use proptest::prelude::*;
use proptest::sample::Index;

use crate::json::{Object, Value};

/// The property-test configuration: `PROPTEST_CASES` cases when set, else `default_cases`.
pub(crate) fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Characters that matter to the parsers: JSON, URL and header punctuation, base64url and base64
/// alphabets, escapes, control characters, multi-byte UTF-8 (2, 3 and 4 bytes), a BOM and a
/// right-to-left override.
const SPECIAL: &str =
    "{}[]\":,\\/ .=&?#%+-_~@;*!$'()|^`<>\t\r\n\u{0}\u{1f}\u{7f}0123456789aeEfnrtuxzAFZ\u{e9}\u{fc}\u{20ac}\u{1f600}\u{feff}\u{202e}\u{ffff}";

/// One character: any, or one of [`SPECIAL`].
pub(crate) fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        1 => any::<char>(),
        3 => prop::sample::select(SPECIAL.chars().collect::<Vec<_>>()),
    ]
}

/// One byte: any, or one of [`SPECIAL`]'s bytes (including the pieces of its multi-byte characters).
pub(crate) fn any_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        1 => any::<u8>(),
        3 => prop::sample::select(SPECIAL.as_bytes().to_vec()),
    ]
}

/// Short text of any kind.
pub(crate) fn short_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        prop::collection::vec(any_char(), 0..40).prop_map(String::from_iter),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| lossy(&b)),
    ]
    .boxed()
}

/// Text of any kind, now and then very long (up to 64 KB).
pub(crate) fn text() -> BoxedStrategy<String> {
    prop_oneof![
        8 => short_text(),
        1 => (short_text(), 1..4096usize).prop_map(|(s, n)| {
            let mut long = s.repeat(n);
            let mut end = long.len().min(64 * 1024);
            while !long.is_char_boundary(end) {
                end -= 1;
            }
            long.truncate(end);
            long
        }),
    ]
    .boxed()
}

/// Bytes of any kind (not always UTF-8).
pub(crate) fn bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any_byte(), 0..64),
        text().prop_map(String::into_bytes),
    ]
    .boxed()
}

/// `bytes` as text, invalid UTF-8 replaced.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An object of `pairs` (a repeated key keeps the last value, as [`Object::insert`] does).
pub(crate) fn object_of(pairs: impl IntoIterator<Item = (String, Value)>) -> Object {
    let mut o = Object::new();
    for (k, v) in pairs {
        o.insert(k, v);
    }
    o
}

/// Number literals: ordinary ones, and the edges (u64/i64 limits and one past, beyond f64, tiny,
/// huge exponents, long digit strings).
pub(crate) fn number_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,6})?",
        prop::sample::select(vec![
            "0",
            "-0",
            "0.0",
            "1",
            "-1",
            "1.5",
            "-0.5",
            "1E9",
            "1.8e9",
            "18446744073709551615",
            "18446744073709551616",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "1e400",
            "-1e400",
            "1e-400",
            "5e-324",
            "1.7976931348623157e308",
            "1e9999999999999999999",
            "1e-9999999999999999999",
            "0e99999",
            "123456789012345678901234567890123456789012345678901234567890",
        ])
        .prop_map(String::from),
    ]
}

/// A time or count in seconds: any u64, with the edges often (0, around `i64::MAX`, near `u64::MAX`),
/// where sums and differences overflow.
pub(crate) fn timestamp() -> BoxedStrategy<u64> {
    prop_oneof![
        2 => any::<u64>(),
        1 => 0..=4_000_000_000u64,
        1 => prop::sample::select(vec![0u64, 1, i64::MAX as u64, 1 << 63, u64::MAX]),
        1 => (u64::MAX - 200_000)..=u64::MAX,
        1 => (i64::MAX as u64 - 100_000)..=(i64::MAX as u64 + 100_000),
    ]
    .boxed()
}

/// A JSON scalar of any type.
pub(crate) fn json_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        timestamp().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        number_literal().prop_map(|s| Value::parse(&s).expect("a valid number literal")),
        short_text().prop_map(Value::String),
    ]
    .boxed()
}

/// An object key: a plain name or any text.
pub(crate) fn key() -> BoxedStrategy<String> {
    prop_oneof!["[A-Za-z_:]{1,12}", short_text()].boxed()
}

/// A JSON value of any type and shape (a few levels deep).
pub(crate) fn json_value() -> BoxedStrategy<Value> {
    json_leaf()
        .prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|pairs| Value::Object(object_of(pairs))),
            ]
        })
        .boxed()
}

/// `depth` nested arrays or objects around `null` (the reader refuses more than 64).
pub(crate) fn nested(depth: usize, objects: bool) -> Value {
    let mut v = Value::Null;
    for _ in 0..depth {
        v = if objects {
            Value::Object(Object::new().with("a", v))
        } else {
            Value::Array(vec![v])
        };
    }
    v
}

/// A value to put where another was expected: any scalar or shape, or deep nesting.
pub(crate) fn wrong_value() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => json_leaf(),
        2 => json_value(),
        1 => (1..=64usize, any::<bool>()).prop_map(|(d, o)| nested(d, o)),
    ]
    .boxed()
}

/// `valid` with a few edits: a field removed, a field's value replaced by [`wrong_value`], a field
/// added (under any key, or a known one), a field's value wrapped in an array.
pub(crate) fn mutated_object(
    valid: impl Strategy<Value = Object>,
    known_keys: &'static [&'static str],
) -> impl Strategy<Value = Object> {
    let known = prop::sample::select(known_keys.to_vec()).prop_map(String::from);
    let edit = (
        any::<Index>(),
        0..4u8,
        prop_oneof![key(), known],
        wrong_value(),
    );
    (valid, prop::collection::vec(edit, 1..4)).prop_map(|(o, edits)| {
        let mut pairs: Vec<(String, Value)> =
            o.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        for (at, op, key, value) in edits {
            if pairs.is_empty() || op == 2 {
                pairs.push((key, value));
                continue;
            }
            let i = at.index(pairs.len());
            match op {
                0 => {
                    pairs.remove(i);
                }
                1 => pairs[i].1 = value,
                _ => pairs[i].1 = Value::Array(vec![pairs[i].1.clone()]),
            }
        }
        object_of(pairs)
    })
}

/// `valid` with a few bytes inserted, replaced or deleted, or cut short at any byte.
pub(crate) fn mutated_bytes(
    valid: impl Strategy<Value = String>,
) -> impl Strategy<Value = Vec<u8>> {
    let edit = (any::<Index>(), any_byte(), 0..4u8);
    (valid, prop::collection::vec(edit, 1..5)).prop_map(|(s, edits)| {
        let mut b = s.into_bytes();
        for (at, byte, op) in edits {
            let i = at.index(b.len() + 1);
            match op {
                0 => b.insert(i, byte),
                1 if i < b.len() => b[i] = byte,
                2 if i < b.len() => {
                    b.remove(i);
                }
                _ => b.truncate(i),
            }
        }
        b
    })
}

/// [`mutated_bytes`] as text (invalid UTF-8 replaced), for the parsers that take `&str`.
pub(crate) fn mutated_text(valid: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    mutated_bytes(valid).prop_map(|b| lossy(&b))
}

/// Calls `f` with every prefix and every suffix of `text` (cut at every byte; a cut inside a
/// character leaves a replacement character).
pub(crate) fn every_cut(text: &str, mut f: impl FnMut(&str)) {
    let b = text.as_bytes();
    for i in 0..=b.len() {
        f(&lossy(&b[..i]));
        f(&lossy(&b[i..]));
    }
}
