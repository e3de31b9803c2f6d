//! Unit tests for each rule of the reader and writer, and property tests against `serde_json` as
//! an oracle.
//!
//! The property tests run 256 cases each by default; for a longer run:
//! `PROPTEST_CASES=100000 cargo test -p cognito-wasm --lib json::tests::prop`

use super::*;

fn ok(text: &str) -> Value {
    match Value::parse(text) {
        Some(v) => v,
        None => panic!("rejected: {text:?}"),
    }
}

fn bad(text: &str) {
    assert_eq!(Value::parse(text), None, "accepted: {text:?}");
}

fn num(text: &str) -> Number {
    match ok(text) {
        Value::Number(n) => n,
        other => panic!("not a number: {other:?}"),
    }
}

fn nested(depth: usize) -> String {
    "[".repeat(depth) + &"]".repeat(depth)
}

#[test]
fn scalars_and_containers() {
    assert_eq!(ok("null"), Value::Null);
    assert_eq!(ok("true"), Value::Bool(true));
    assert_eq!(ok(" \t\r\nfalse \t\r\n"), Value::Bool(false));
    assert_eq!(ok(r#""hi""#), Value::from("hi"));
    assert_eq!(ok("[]"), Value::Array(vec![]));
    assert_eq!(ok("{}"), Value::Object(Object::new()));
    let v = ok(r#" { "a" : [ 1 , true , null , "x" , { } ] , "b" : -2 } "#);
    let a = v.get("a").and_then(Value::as_array).unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(a[0].as_u64(), Some(1));
    assert_eq!(a[1].as_bool(), Some(true));
    assert!(a[2].is_null());
    assert!(a[3].is_string());
    assert!(a[4].as_object().unwrap().is_empty());
    assert_eq!(v.get("b").and_then(Value::as_i64), Some(-2));
    assert_eq!(v.get("missing"), None);
    assert_eq!(ok("[1]").get("a"), None);
    let keys: Vec<&str> = v.as_object().unwrap().iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "b"]);
}

#[test]
fn rejects_bad_syntax() {
    for text in [
        "",
        " ",
        "nul",
        "nulll",
        "True",
        "[",
        "]",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{",
        "{,}",
        r#"{"a":1,}"#,
        r#"{"a"}"#,
        r#"{"a":}"#,
        r#"{"a" 1}"#,
        "{1:2}",
        "{a:1}",
        r#"{'a':1}"#,
        "'a'",
        r#""abc"#,
        "[1]]",
        "[1] x",
        "1 2",
        "// c\n1",
        "/* c */ 1",
        "1 // c",
        "NaN",
        "Infinity",
        "-Infinity",
        "undefined",
        "\u{feff}1",
        "\u{a0}1",
        "\u{b}1",
        "\u{c}1",
        "[1,\u{c}2]",
        "{\"a\":1 \"b\":2}",
    ] {
        bad(text);
    }
}

#[test]
fn numbers_grammar() {
    for text in [
        "0",
        "-0",
        "1",
        "-1",
        "10",
        "0.5",
        "-0.5",
        "1e3",
        "1E3",
        "1e+3",
        "1e-3",
        "1.25e-10",
        "0e0",
        "123456789012345678901234567890",
        "1.0",
    ] {
        assert_eq!(num(text).as_str(), text);
    }
    for text in [
        "01", "-01", "00", "+1", ".5", "-.5", "1.", "1.e3", "1e", "1e+", "-", "--1", "1ee3",
        "0x10", "1_000", "- 1", "1.5.2", "١",
    ] {
        bad(text);
    }
    // A number directly followed by a token in a container.
    assert_eq!(ok("[-0,1e3]").as_array().unwrap().len(), 2);
    bad("[01]");
    bad("[1.]");
}

#[test]
fn number_integer_accessors() {
    assert_eq!(num("18446744073709551615").as_u64(), Some(u64::MAX));
    assert_eq!(num("18446744073709551616").as_u64(), None);
    assert_eq!(num("99999999999999999999").as_u64(), None);
    assert_eq!(num("9223372036854775807").as_i64(), Some(i64::MAX));
    assert_eq!(num("9223372036854775808").as_i64(), None);
    assert_eq!(num("9223372036854775808").as_u64(), Some(1 << 63));
    assert_eq!(num("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(num("-9223372036854775809").as_i64(), None);
    assert_eq!(num("-1").as_u64(), None);
    assert_eq!(num("-0").as_u64(), None);
    assert_eq!(num("-0").as_i64(), Some(0));
    assert_eq!(num("-0").as_f64().map(f64::is_sign_negative), Some(true));
    assert_eq!(num("0").as_u64(), Some(0));
    assert_eq!(num("1e3").as_u64(), None);
    assert_eq!(num("1e3").as_i64(), None);
    assert_eq!(num("1.0").as_u64(), None);
    assert_eq!(num("1e3").as_f64(), Some(1000.0));
    assert_eq!(num("-1.5e-3").as_f64(), Some(-0.0015));
    assert_eq!(num("1e400").as_f64(), None);
    assert_eq!(num("1e-400").as_f64(), Some(0.0));
    assert_eq!(ok("\"1\"").as_u64(), None);
    for n in [0, 1, 9, 10, 99, 100, u64::MAX - 1, u64::MAX] {
        let s = Number::from_u64(n);
        assert_eq!(s.as_str(), n.to_string());
        assert_eq!(s.as_u64(), Some(n));
    }
    for n in [0, 1, -1, -10, i64::MIN, i64::MIN + 1, i64::MAX] {
        let s = Number::from_i64(n);
        assert_eq!(s.as_str(), n.to_string());
        assert_eq!(s.as_i64(), Some(n));
    }
}

#[test]
fn string_escapes() {
    assert_eq!(
        ok(r#""\" \\ \/ \b \f \n \r \t""#),
        Value::from("\" \\ / \u{8} \u{c} \n \r \t")
    );
    assert_eq!(ok(r#""\u0041\u00e9\u20AC\u0000""#), Value::from("Aé€\0"));
    assert_eq!(ok(r#""\ud83d\ude00""#), Value::from("😀"));
    assert_eq!(ok(r#""\uDBFF\uDFFF""#), Value::from("\u{10FFFF}"));
    assert_eq!(ok("\"é😀\u{7f}\""), Value::from("é😀\u{7f}"));
    for text in [
        r#""\a""#,
        r#""\x41""#,
        r#""\u41""#,
        r#""\u004""#,
        r#""\u00g1""#,
        r#""\U0041""#,
        r#""\""#,
        "\"\\\"",
        r#""\'""#,
    ] {
        bad(text);
    }
}

#[test]
fn surrogates() {
    for text in [
        r#""\ud800""#,       // lone high
        r#""\udc00""#,       // lone low
        r#""\ud800x""#,      // high then text
        r#""\ud800\n""#,     // high then another escape
        r#""\ud800\u0041""#, // high then non-surrogate
        r#""\ud800\ud800""#, // high then high
        r#""\ude00\ud83d""#, // pair in the wrong order
        r#""\udfff""#,       // lone low, top of range
        r#""\ud83d\ude0""#,  // truncated low
        r#""\ud83d""#,       // high at end of string
    ] {
        bad(text);
    }
}

#[test]
fn control_characters_in_strings_rejected() {
    for c in 0u8..0x20 {
        let text = format!("\"a{}b\"", char::from(c));
        bad(&text);
    }
    assert_eq!(ok("\"\u{7f}\""), Value::from("\u{7f}"));
}

#[test]
fn duplicate_keys_rejected() {
    bad(r#"{"a":1,"a":1}"#);
    bad(r#"{"a":1,"b":2,"a":3}"#);
    bad(r#"{"x":{"a":1,"a":2}}"#);
    bad(r#"[{"a":1,"a":2}]"#);
    // Keys compare after unescaping.
    bad(r#"{"a":1,"\u0061":2}"#);
    // The same key in sibling objects is fine.
    assert!(Value::parse(r#"[{"a":1},{"a":2}]"#).is_some());
    assert!(Value::parse(r#"{"a":{"a":1}}"#).is_some());
}

/// `{"<key>":0,...}` of these keys, in order.
fn keyed_text(keys: &[String]) -> String {
    let mut s = String::from("{");
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        write_string(k, &mut s);
        s.push_str(":0");
    }
    s.push('}');
    s
}

#[test]
fn duplicate_keys_rejected_in_objects_of_any_size() {
    for n in [2, 3, 32, 100, MAX_KEYS - 1, MAX_KEYS] {
        let keys: Vec<String> = (0..n).map(|i| format!("key{i}")).collect();
        let parsed = ok(&keyed_text(&keys));
        let read: Vec<&str> = parsed.as_object().unwrap().iter().map(|(k, _)| k).collect();
        assert_eq!(read, keys, "{n} keys keep their order");
        // A repeat of any key at the start, the middle or the end.
        for (at, of) in [
            (n - 1, 0),
            (1, 0),
            (n - 1, n - 2),
            (n / 2, 0),
            (n - 1, n / 2),
        ] {
            if at == of {
                continue;
            }
            let mut repeated = keys.clone();
            repeated[at] = keys[of].clone();
            bad(&keyed_text(&repeated));
        }
        // Keys compare after unescaping.
        let mut escaped = keyed_text(&keys[..n - 1]);
        escaped.insert_str(1, r#""\u006bey0":1,"#);
        bad(&escaped);
    }
}

#[test]
fn objects_over_the_key_limit_rejected() {
    let keys: Vec<String> = (0..=MAX_KEYS).map(|i| format!("k{i}")).collect();
    assert!(Value::parse(&keyed_text(&keys[..MAX_KEYS])).is_some());
    bad(&keyed_text(&keys));
    bad(&keyed_text(
        &(0..80_000).map(|i| format!("k{i}")).collect::<Vec<_>>(),
    ));
    // The limit is per object: many full objects, nested or side by side, parse.
    let full = keyed_text(&keys[..MAX_KEYS]);
    let nested = format!(r#"{{"a":{full},"b":[{full},{full}]}}"#);
    assert_eq!(ok(&nested).get("b").unwrap().as_array().unwrap().len(), 2);
}

#[test]
fn depth_limit() {
    assert!(Value::parse(&nested(64)).is_some());
    bad(&nested(65));
    let objs = |d: usize| r#"{"a":"#.repeat(d - 1) + "{}" + &"}".repeat(d - 1);
    assert!(Value::parse(&objs(64)).is_some());
    bad(&objs(65));
    // Far beyond the limit: no stack overflow.
    bad(&nested(1_000_000));
    bad(&"[".repeat(1_000_000));
    bad(&r#"{"a":["#.repeat(100_000));
}

#[test]
fn trailing_content_rejected() {
    bad("{} {}");
    bad("null x");
    bad("1,");
    bad("\"a\"\"b\"");
    assert!(Value::parse("{}\r\n\t ").is_some());
}

#[test]
fn parse_bytes_checks_utf8() {
    assert_eq!(Value::parse_bytes(b"\"\xc3\xa9\""), Some(Value::from("é")));
    assert_eq!(Value::parse_bytes(b"\"\xff\""), None);
    assert_eq!(Value::parse_bytes(b"\"\xed\xa0\x80\""), None); // encoded surrogate
    assert_eq!(Value::parse_bytes(b"\"\xc3\""), None);
    assert_eq!(
        Value::parse_bytes(b"[1]"),
        Some(Value::from(vec![Value::from(1u64)]))
    );
}

#[test]
fn writer() {
    let mut s = String::new();
    write_string("a\"b\\c/\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é😀", &mut s);
    assert_eq!(
        s,
        r#""a\"b\\c/\n\r\t\b\f\u0000\u001f"#.to_owned() + "\u{7f}é😀\""
    );
    assert_eq!(
        ok(&s).as_str(),
        Some("a\"b\\c/\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é😀")
    );

    let mut o = Object::new();
    o.insert("z", 1u64);
    o.insert("a", -1i64);
    o.insert("n", None::<bool>);
    o.insert("s", Some("x"));
    o.insert(
        "arr",
        vec![
            Value::from(true),
            Value::Null,
            Value::from(String::from("y")),
        ],
    );
    o.insert("o", Object::new());
    o.insert("z", "replaced");
    assert_eq!(o.len(), 6);
    let v = Value::from(o.clone());
    assert_eq!(
        v.to_json(),
        r#"{"z":"replaced","a":-1,"n":null,"s":"x","arr":[true,null,"y"],"o":{}}"#
    );
    assert_eq!(ok(&v.to_json()), v);
    // Numbers round-trip with their literal text.
    assert_eq!(ok("[1.50E+02,-0]").to_json(), "[1.50E+02,-0]");

    assert!(o.contains_key("arr"));
    assert_eq!(o.remove("z"), Some(Value::from("replaced")));
    assert_eq!(o.remove("z"), None);
    assert!(!o.contains_key("z"));
    assert_eq!(o.iter().next().map(|(k, _)| k), Some("a"));
    assert!(!o.is_empty());
    assert_eq!(Object::default(), Object::new());
}

#[test]
fn never_panics_on_truncations() {
    let text = r#"{"a":[1,-2.5e+3,true,false,null,"\u00e9\ud83d\ude00\n"],"b":{"c":{}}}"#;
    assert!(Value::parse(text).is_some());
    for i in 0..text.len() {
        if let Some(prefix) = text.get(..i) {
            assert_eq!(Value::parse(prefix), None, "{prefix}");
        }
        let bytes = text.as_bytes();
        let _ = Value::parse_bytes(&bytes[..i]);
        let _ = Value::parse_bytes(&bytes[i..]);
    }
}

mod prop {
    //! `serde_json` as an oracle. 256 cases per property by default (`PROPTEST_CASES` overrides).

    use super::super::*;
    use super::keyed_text;
    use proptest::prelude::*;
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    /// What `serde_json` read, keeping object order and duplicate keys.
    #[derive(Debug)]
    enum Oracle {
        Null,
        Bool(bool),
        U64(u64),
        I64(i64),
        F64(f64),
        Str(String),
        Arr(Vec<Oracle>),
        Obj(Vec<(String, Oracle)>),
    }

    impl<'de> Deserialize<'de> for Oracle {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(OracleVisitor)
        }
    }

    struct OracleVisitor;

    impl<'de> Visitor<'de> for OracleVisitor {
        type Value = Oracle;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_unit<E>(self) -> Result<Oracle, E> {
            Ok(Oracle::Null)
        }
        fn visit_bool<E>(self, b: bool) -> Result<Oracle, E> {
            Ok(Oracle::Bool(b))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Oracle, E> {
            Ok(Oracle::U64(n))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Oracle, E> {
            Ok(Oracle::I64(n))
        }
        fn visit_f64<E>(self, n: f64) -> Result<Oracle, E> {
            Ok(Oracle::F64(n))
        }
        fn visit_str<E>(self, s: &str) -> Result<Oracle, E> {
            Ok(Oracle::Str(s.to_owned()))
        }
        fn visit_string<E>(self, s: String) -> Result<Oracle, E> {
            Ok(Oracle::Str(s))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Oracle, A::Error> {
            let mut items = Vec::new();
            while let Some(v) = seq.next_element()? {
                items.push(v);
            }
            Ok(Oracle::Arr(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Oracle, A::Error> {
            let mut pairs = Vec::new();
            while let Some(kv) = map.next_entry()? {
                pairs.push(kv);
            }
            Ok(Oracle::Obj(pairs))
        }
    }

    fn has_duplicates(o: &Oracle) -> bool {
        match o {
            Oracle::Arr(a) => a.iter().any(has_duplicates),
            Oracle::Obj(pairs) => {
                pairs
                    .iter()
                    .enumerate()
                    .any(|(i, (k, _))| pairs[..i].iter().any(|(k2, _)| k2 == k))
                    || pairs.iter().any(|(_, v)| has_duplicates(v))
            }
            _ => false,
        }
    }

    fn depth(o: &Oracle) -> usize {
        match o {
            Oracle::Arr(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Oracle::Obj(p) => 1 + p.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
            _ => 0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        // serde_json's default float parser may be off by an ulp; ours is std's (exact).
        a == b || (a - b).abs() <= a.abs().max(b.abs()) * 4.0 * f64::EPSILON
    }

    /// Same structure, same order, same strings, same numeric values.
    fn agree(ours: &Value, theirs: &Oracle) -> bool {
        match (ours, theirs) {
            (Value::Null, Oracle::Null) => true,
            (Value::Bool(a), Oracle::Bool(b)) => a == b,
            (Value::Number(n), Oracle::U64(m)) => n.as_u64() == Some(*m),
            (Value::Number(n), Oracle::I64(m)) => n.as_i64() == Some(*m),
            (Value::Number(n), Oracle::F64(m)) => {
                n.as_u64().is_none()
                    && n.as_i64().is_none_or(|i| i == 0 && *m == 0.0)
                    && n.as_f64().is_some_and(|f| close(f, *m))
            }
            (Value::String(a), Oracle::Str(b)) => a == b,
            (Value::Array(a), Oracle::Arr(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| agree(x, y))
            }
            (Value::Object(a), Oracle::Obj(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && agree(v1, v2))
            }
            _ => false,
        }
    }

    /// Valid number literals, including fractions and exponents within f64 range.
    fn arb_number_literal() -> impl Strategy<Value = Value> {
        "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,12})?([eE][+-]?[0-9]{1,2})?"
            .prop_map(|s| Value::parse(&s).expect("generated literal is valid"))
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            arb_number_literal(),
            any::<String>().prop_map(Value::String),
            "[\"\\\\/\\x00-\\x1f\\u{7f}-\\u{ff}\\u{10000}-\\u{10ffff}a]{0,8}"
                .prop_map(Value::String),
        ];
        leaf.prop_recursive(8, 128, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..8).prop_map(|pairs| {
                    let mut o = Object::new();
                    for (k, v) in pairs {
                        o.insert(k, v); // a repeated key replaces: keys stay unique
                    }
                    Value::Object(o)
                }),
            ]
        })
    }

    /// Bytes likely to matter to a JSON parser, for mutations.
    fn arb_json_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            any::<u8>(),
            prop::sample::select(
                b"{}[]\":,\\/ \t\r\n0123456789-+.eEutfnlrsabx\x00\x1f\x7f\xc3\xa9".to_vec()
            ),
        ]
    }

    /// Valid JSON text with a few random insertions, replacements and deletions.
    fn arb_mutated() -> impl Strategy<Value = Vec<u8>> {
        (
            arb_value(),
            prop::collection::vec(
                (any::<prop::sample::Index>(), arb_json_byte(), 0..3u8),
                0..4,
            ),
        )
            .prop_map(|(v, edits)| {
                let mut b = v.to_json().into_bytes();
                for (at, byte, op) in edits {
                    let i = at.index(b.len() + 1);
                    match op {
                        0 => b.insert(i, byte),
                        1 if i < b.len() => b[i] = byte,
                        _ if i < b.len() => {
                            b.remove(i);
                        }
                        _ => b.push(byte),
                    }
                }
                b
            })
    }

    fn arb_text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => arb_mutated(),
            1 => any::<String>().prop_map(String::into_bytes),
            1 => prop::collection::vec(arb_json_byte(), 0..40),
            1 => "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,40}".prop_map(String::into_bytes),
            1 => (1usize..140).prop_map(|d| format!("{}1{}", "[".repeat(d), "]".repeat(d)).into_bytes()),
        ]
    }

    /// Up to 300 object keys (so past [`MAX_KEYS`]): from a small set (repeats common), or distinct
    /// with at most one copied over another (anywhere, so at either end too).
    fn arb_keys() -> impl Strategy<Value = Vec<String>> {
        prop_oneof![
            prop::collection::vec("[ab\u{e9}]{0,4}", 0..120),
            (
                prop::collection::hash_set("[a-z]{1,8}", 0..300),
                any::<Option<(prop::sample::Index, prop::sample::Index)>>()
            )
                .prop_map(|(set, copy)| {
                    let mut keys: Vec<String> = set.into_iter().collect();
                    if let (Some((from, to)), false) = (copy, keys.is_empty()) {
                        let key = from.get(&keys).clone();
                        let at = to.index(keys.len());
                        keys[at] = key;
                    }
                    keys
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256)
        ))]

        /// An object of up to 300 keys: rejected exactly when a key repeats or there are more than
        /// [`MAX_KEYS`], else read with its keys in order.
        #[test]
        fn prop_duplicate_keys(keys in arb_keys()) {
            let repeats = keys.len() > MAX_KEYS
                || keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
            match Value::parse(&keyed_text(&keys)) {
                Some(Value::Object(o)) => {
                    prop_assert!(!repeats);
                    prop_assert!(o.iter().map(|(k, _)| k).eq(keys.iter().map(String::as_str)));
                }
                other => prop_assert!(repeats && other.is_none(), "{:?}", other),
            }
        }

        /// Written JSON parses back to the same value, and serde_json reads the same structure.
        #[test]
        fn prop_roundtrip(v in arb_value()) {
            let text = v.to_json();
            prop_assert_eq!(Value::parse(&text), Some(v.clone()));
            let theirs: Oracle = serde_json::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("serde_json rejected {text}: {e}")))?;
            prop_assert!(agree(&v, &theirs), "{} vs {:?}", text, theirs);
        }

        /// Any number literal (the u64/i64 edges, beyond f64, huge exponents, long digit strings): every
        /// reader answers without a panic, and they agree where they overlap.
        #[test]
        fn prop_number_readers(text in crate::testing::fuzz::number_literal()) {
            let Some(Value::Number(n)) = Value::parse(&text) else {
                return Err(TestCaseError::fail(format!("not a number: {text}")));
            };
            let (whole, float) = (n.as_whole_u64(), n.as_f64());
            if let Some(u) = n.as_u64() {
                prop_assert_eq!(whole, Some(u));
                prop_assert_eq!(n.as_i64(), i64::try_from(u).ok());
            }
            if let (Some(w), Some(f)) = (whole, float) {
                prop_assert!((w as f64 - f.trunc()).abs() <= 1.0 + f * 4.0 * f64::EPSILON, "{} {} {}", text, w, f);
            }
        }

        /// Arbitrary input: never panics; agrees with serde_json wherever the rules coincide.
        #[test]
        fn prop_oracle(bytes in arb_text()) {
            let ours = Value::parse_bytes(&bytes);
            let theirs = serde_json::from_slice::<Oracle>(&bytes);
            let text = String::from_utf8_lossy(&bytes);
            match (ours, theirs) {
                (Some(v), Ok(o)) => prop_assert!(agree(&v, &o), "{:?}: {:?} vs {:?}", text, v, o),
                // serde_json (without arbitrary_precision) refuses numbers beyond f64's range;
                // ours keeps the literal.
                (Some(v), Err(e)) => prop_assert!(
                    e.to_string().starts_with("number out of range"),
                    "ours accepted {:?} as {:?}, serde_json: {}", text, v, e
                ),
                (None, Ok(o)) => prop_assert!(
                    has_duplicates(&o) || depth(&o) > MAX_DEPTH as usize,
                    "ours rejected {:?}, serde_json read {:?}", text, o
                ),
                (None, Err(_)) => {}
            }
        }
    }
}

#[test]
fn whole_numbers_in_any_notation() {
    let whole = |t: &str| match Value::parse(t) {
        Some(Value::Number(n)) => n.as_whole_u64(),
        other => panic!("{t}: {other:?}"),
    };
    assert_eq!(whole("1700000000"), Some(1_700_000_000));
    assert_eq!(whole("1.7E9"), Some(1_700_000_000));
    assert_eq!(whole("1.723456789E9"), Some(1_723_456_789));
    assert_eq!(whole("1.7234567899E9"), Some(1_723_456_789));
    assert_eq!(whole("17e-1"), Some(1));
    assert_eq!(whole("12.9"), Some(12));
    assert_eq!(whole("0.5"), Some(0));
    assert_eq!(whole("5e-99999"), Some(0));
    assert_eq!(whole("1e+2"), Some(100));
    assert_eq!(whole("18446744073709551615"), Some(u64::MAX));
    assert_eq!(whole("18446744073709551616"), None);
    assert_eq!(whole("1e20"), None);
    assert_eq!(whole("1e99999"), None);
    assert_eq!(whole("-1"), None);
    assert_eq!(whole("-0.5"), None);
}
