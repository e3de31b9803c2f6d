//! A small, strict RFC 8259 JSON reader and writer.
//!
//! Meant to replace `serde_json` in the shipped code, where `serde` + `serde_json` cost about 15 KB
//! gzipped in wasm. The parser is a hand-written recursive descent over bytes; neither it nor the
//! writer goes through `core::fmt`.
//!
//! The reader is strict: it accepts exactly the RFC 8259 grammar (whitespace is only space, tab,
//! CR and LF; no comments, trailing commas, leading zeros, `+1`, `.5`, `NaN` or `Infinity`; no raw
//! control characters in strings; lone or mismatched UTF-16 surrogates in `\u` escapes are errors),
//! and on top of it rejects duplicate keys in an object (JWT claims must not be ambiguous,
//! RFC 7519 §4), objects of more than [`MAX_KEYS`] members and nesting deeper than [`MAX_DEPTH`].
//! Any violation yields `None`; no input panics or overflows the stack. Each key is compared with at
//! most `MAX_KEYS - 1` others, so reading takes time linear in the length of the text.
//!
//! Numbers keep their literal text ([`Number`]), so no precision is lost and integers are read
//! without float parsing.
//!
//! ```
//! use cognito_wasm::json::{Object, Value};
//! let v = Value::parse(r#"{"sub":"abc","exp":1700000000,"aud":["x"]}"#).unwrap();
//! assert_eq!(v.get("exp").and_then(Value::as_u64), Some(1_700_000_000));
//! assert!(Value::parse(r#"{"a":1,"a":2}"#).is_none());
//! let mut o = Object::new();
//! o.insert("k", "v\n");
//! assert_eq!(Value::from(o).to_json(), r#"{"k":"v\n"}"#);
//! ```

/// The deepest nesting of arrays and objects that [`Value::parse`] accepts: 64 nested containers
/// parse, 65 do not.
pub const MAX_DEPTH: u32 = 64;

/// The most members an object may have for [`Value::parse`]: 256 parse, 257 do not. This bounds the
/// duplicate-key check (each key against the earlier ones of its object) to 255 comparisons per key,
/// so an adversarial text costs time linear in its length: a megabyte of 256-key objects parses in
/// milliseconds, where one object of 80,000 keys took 13 s (docs/json-growth.md). Cognito's objects
/// have a few dozen members at most (a token's claims, `GetUser`'s response, a JWK).
pub const MAX_KEYS: usize = 256;

/// A JSON value.
#[derive(Clone, PartialEq, Debug)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its literal text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, in insertion order, with unique keys.
    Object(Object),
}

/// A JSON number: its literal text exactly as it appeared in the input (or as written by
/// [`Number::from_u64`] / [`Number::from_i64`]), always valid under the RFC 8259 number grammar.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Number(String);

impl Number {
    /// The number `n`.
    pub fn from_u64(n: u64) -> Self {
        let mut s = String::new();
        push_u64(n, &mut s);
        Number(s)
    }

    /// The number `n`.
    pub fn from_i64(n: i64) -> Self {
        let mut s = String::new();
        if n < 0 {
            s.push('-');
        }
        push_u64(n.unsigned_abs(), &mut s);
        Number(s)
    }

    /// The literal text, e.g. `"-1.5e3"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, if the literal is a non-negative integer (no fraction, no exponent, no minus
    /// sign, so not `-0`) that fits in a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        let mut n: u64 = 0;
        for b in self.0.bytes() {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        Some(n)
    }

    /// The value, if the literal is an integer (no fraction, no exponent) that fits in an `i64`.
    /// `-0` is `Some(0)`.
    pub fn as_i64(&self) -> Option<i64> {
        let Some(digits) = self.0.strip_prefix('-') else {
            return i64::try_from(self.as_u64()?).ok();
        };
        let mut n: i64 = 0;
        for b in digits.bytes() {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
        }
        Some(n)
    }

    /// The value truncated towards zero to a whole number, for non-negative numbers in any notation
    /// (`1.5E9` → 1500000000, `12.9` → 12, `0.5` → 0) that fit in a `u64`. Exact, and read without
    /// float parsing: for timestamps such as a JWT's NumericDate or AWS's epoch-seconds `Expiration`.
    pub fn as_whole_u64(&self) -> Option<u64> {
        let text = self.0.as_str();
        if text.starts_with('-') {
            return None;
        }
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => {
                let (negative, digits) = match e.as_bytes().first() {
                    Some(b'-') => (true, e.get(1..)?),
                    Some(b'+') => (false, e.get(1..)?),
                    _ => (false, e),
                };
                // Anything beyond ±40 is 0 or an overflow either way; keep the arithmetic small.
                let magnitude = if digits.len() > 4 {
                    9999
                } else {
                    Number(digits.into()).as_u64()?
                };
                let magnitude = magnitude.min(9999) as i64;
                (m, if negative { -magnitude } else { magnitude })
            }
            None => (text, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // The decimal point sits after `int.len() + exponent` digits of int ++ frac.
        let point = int.len() as i64 + exponent;
        if point <= 0 {
            return Some(0);
        }
        let mut n: u64 = 0;
        for (i, b) in int
            .bytes()
            .chain(frac.bytes())
            .chain(std::iter::repeat(b'0'))
            .enumerate()
        {
            if i as i64 >= point {
                break;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        Some(n)
    }

    /// The value as the nearest `f64`, or `None` if it is out of `f64`'s range (e.g. `1e400`).
    /// Uses the standard library's float parser, so call it only where a float is really wanted.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }
}

/// Appends the decimal digits of `n` to `out`.
fn push_u64(mut n: u64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in buf.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// A JSON object: key/value pairs in insertion order, keys unique.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object(Vec::new())
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`: an existing key keeps its position and gets the new value, a new key
    /// is appended.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The object with `key` set to `value` (see [`insert`](Self::insert)), for building objects.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.insert(key, value);
        self
    }

    /// Appends the compact JSON text of this object to `out` (keys in order).
    pub fn write(&self, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(k, out);
            out.push(':');
            v.write(out);
        }
        out.push('}');
    }

    /// The compact JSON text of this object.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Parses a JSON object; any other JSON value, or text that is not JSON, is `None`.
    pub fn parse(text: &str) -> Option<Object> {
        match Value::parse(text)? {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Removes `key` and returns its value; the other pairs keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let pos = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(pos).1)
    }
}

impl Value {
    /// Parses one JSON text (RFC 8259, strictly; see the [module docs](self)). `None` on any
    /// syntax error, duplicate key, object over [`MAX_KEYS`] members, nesting beyond [`MAX_DEPTH`] or
    /// trailing non-whitespace.
    pub fn parse(text: &str) -> Option<Value> {
        let mut p = Parser {
            s: text,
            b: text.as_bytes(),
            i: 0,
        };
        let v = p.value(0)?;
        p.ws();
        if p.i == p.b.len() {
            Some(v)
        } else {
            None
        }
    }

    /// [`Value::parse`] on bytes, which must be UTF-8 (`None` otherwise).
    pub fn parse_bytes(bytes: &[u8]) -> Option<Value> {
        Value::parse(core::str::from_utf8(bytes).ok()?)
    }

    /// The value under `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a number; see [`Number::as_u64`].
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The number, if this is a number; see [`Number::as_i64`].
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The number, if this is a number; see [`Number::as_f64`].
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// The [`Number`], if this is a number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The strings of an array (other items skipped); empty when this is not an array.
    pub fn strings(&self) -> Vec<String> {
        self.as_array()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Appends the compact JSON text of this value to `out` (no whitespace; object keys in order).
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(&n.0),
            Value::String(s) => write_string(s, out),
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(o) => o.write(out),
        }
    }

    /// The compact JSON text of this value.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` to `out` as a JSON string literal: quoted, with `"` and `\` escaped, control
/// characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, everything else verbatim.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, hence a char boundary.
        out.push_str(s.get(start..i).unwrap_or_default());
        start = i + 1;
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(Number::from_u64(n))
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(Number::from_i64(n))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

/// Recursive-descent parser state: `b` is `s` as bytes, `i` the position (always ≤ `b.len()`
/// and, between tokens, at a char boundary).
struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Option<Value> {
        if self.b.get(self.i..)?.starts_with(word) {
            self.i += word.len();
            Some(v)
        } else {
            None
        }
    }

    /// A value after optional whitespace; `depth` is the number of enclosing containers.
    fn value(&mut self, depth: u32) -> Option<Value> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            _ => self.number(),
        }
    }

    fn array(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1; // '['
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.ws();
            match self.next()? {
                b',' => {}
                b']' => return Some(Value::Array(items)),
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1; // '{'
        let mut obj = Object::new();
        self.ws();
        if self.eat(b'}') {
            return Some(Value::Object(obj));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if obj.0.len() == MAX_KEYS || obj.contains_key(&key) {
                return None; // one member too many, or a duplicate key
            }
            self.ws();
            if !self.eat(b':') {
                return None;
            }
            let v = self.value(depth)?;
            obj.0.push((key, v));
            self.ws();
            match self.next()? {
                b',' => {}
                b'}' => return Some(Value::Object(obj)),
                _ => return None,
            }
        }
    }

    /// A string literal; `self.i` is at the opening quote.
    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            let c = self.peek()?;
            if c != b'"' && c != b'\\' && c >= 0x20 {
                self.i += 1;
                continue;
            }
            // `self.i` is at an ASCII byte, so both ends are char boundaries.
            out.push_str(self.s.get(start..self.i)?);
            self.i += 1;
            match c {
                b'"' => return Some(out),
                b'\\' => {}
                _ => return None, // raw control character
            }
            let e = match self.next()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode_escape()?,
                _ => return None,
            };
            out.push(e);
            start = self.i;
        }
    }

    /// The code point of a `\u` escape (after the `u`), combining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        let cp = match hi {
            0xD800..=0xDBFF => {
                if !(self.eat(b'\\') && self.eat(b'u')) {
                    return None;
                }
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return None;
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => return None,
            _ => hi,
        };
        char::from_u32(cp)
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.next()? {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'f' => c - b'a' + 10,
                c @ b'A'..=b'F' => c - b'A' + 10,
                _ => return None,
            };
            n = (n << 4) | u32::from(d);
        }
        Some(n)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(Value::Number(Number(self.s.get(start..self.i)?.to_owned())))
    }
}

#[cfg(feature = "serde")]
mod serde_impl;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
