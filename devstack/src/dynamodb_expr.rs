//! DynamoDB's data and expression language, for `dynamodb.rs`: typed attribute values (`S`, `N`, `B`,
//! `BOOL`, `NULL`, `M`, `L`, `SS`, `NS`, `BS`: validation, number normalisation, equality and order) and
//! the condition, key-condition, update (`SET` / `REMOVE`) and projection expressions with their
//! `ExpressionAttributeNames` and `ExpressionAttributeValues`, evaluated against items. Pure (no I/O, no
//! other devstack module); errors are DynamoDB's `ValidationException` messages.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

/// An item: attribute name → typed attribute value (`{"S": "..."}`).
pub type Item = Map<String, Value>;

// ---------------------------------------------------------------------------------------------
// Numbers: DynamoDB's decimal numbers (up to 38 significant digits), exact.

/// A decimal number: `digits × 10^scale`, digits without leading or trailing zeros (none for zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    neg: bool,
    digits: Vec<u8>,
    scale: i64,
}

impl Number {
    /// Parses `-12.5`, `1e3`, `+.5`, ...
    pub fn parse(s: &str) -> Option<Number> {
        let (neg, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        Some(Number::normal(neg, digits, exp - frac.len() as i64))
    }

    fn normal(neg: bool, mut digits: Vec<u8>, mut scale: i64) -> Number {
        let lead = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..lead);
        while digits.last() == Some(&0) {
            digits.pop();
            scale += 1;
        }
        if digits.is_empty() {
            return Number {
                neg: false,
                digits,
                scale: 0,
            };
        }
        Number { neg, digits, scale }
    }

    /// The exponent of the leading digit + 1 (`123` → 3, `0.05` → -1).
    fn magnitude(&self) -> i64 {
        self.digits.len() as i64 + self.scale
    }

    /// DynamoDB's limits: 38 significant digits, magnitudes 1E-130 to 1E+126.
    pub fn check(&self) -> Result<(), String> {
        if self.digits.len() > 38 {
            return Err("Attempting to store more than 38 significant digits in a Number".into());
        }
        if !self.digits.is_empty() && self.magnitude() > 126 {
            return Err("Number overflow. Attempting to store a number with magnitude larger than supported range".into());
        }
        if !self.digits.is_empty() && self.magnitude() < -129 {
            return Err("Number underflow. Attempting to store a number with magnitude smaller than supported range".into());
        }
        Ok(())
    }

    fn cmp_magnitude(&self, other: &Number) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => self
                .magnitude()
                .cmp(&other.magnitude())
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }

    fn aligned(&self, scale: i64) -> Vec<u8> {
        let mut d = self.digits.clone();
        d.extend(std::iter::repeat_n(0, (self.scale - scale).max(0) as usize));
        d
    }

    /// `self + other` (`other` negated for a subtraction).
    pub fn add(&self, other: &Number, negate_other: bool) -> Number {
        let other_neg = other.neg != negate_other && !other.digits.is_empty();
        let scale = self.scale.min(other.scale);
        let (a, b) = (self.aligned(scale), other.aligned(scale));
        if self.neg == other_neg {
            return Number::normal(self.neg, add_digits(&a, &b), scale);
        }
        let mag_a = Number::normal(false, a.clone(), scale);
        let mag_b = Number::normal(false, b.clone(), scale);
        match mag_a.cmp_magnitude(&mag_b) {
            Ordering::Equal => Number::normal(false, vec![], 0),
            Ordering::Greater => Number::normal(self.neg, sub_digits(&a, &b), scale),
            Ordering::Less => Number::normal(other_neg, sub_digits(&b, &a), scale),
        }
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        let d: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if self.neg { "-" } else { "" };
        if self.scale >= 0 {
            return write!(f, "{sign}{d}{}", "0".repeat(self.scale as usize));
        }
        let point = d.len() as i64 + self.scale;
        if point > 0 {
            write!(f, "{sign}{}.{}", &d[..point as usize], &d[point as usize..])
        } else {
            write!(f, "{sign}0.{}{d}", "0".repeat((-point) as usize))
        }
    }
}

fn pad(a: &[u8], len: usize) -> Vec<u8> {
    let mut v = vec![0; len - a.len()];
    v.extend_from_slice(a);
    v
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len());
    let (a, b) = (pad(a, n), pad(b, n));
    let mut out = vec![0; n + 1];
    let mut carry = 0;
    for i in (0..n).rev() {
        let s = a[i] + b[i] + carry;
        out[i + 1] = s % 10;
        carry = s / 10;
    }
    out[0] = carry;
    out
}

/// `a - b` for `a >= b`.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let n = a.len().max(b.len());
    let (a, b) = (pad(a, n), pad(b, n));
    let mut out = vec![0; n];
    let mut borrow = 0i8;
    for i in (0..n).rev() {
        let mut d = a[i] as i8 - b[i] as i8 - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Attribute values.

fn invalid(m: &str) -> String {
    format!("One or more parameter values were invalid: {m}")
}

fn number(s: &str) -> Result<Number, String> {
    let n = Number::parse(s)
        .ok_or_else(|| format!("The parameter cannot be converted to a numeric value: {s}"))?;
    n.check()?;
    Ok(n)
}

fn binary(s: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(s)
        .map_err(|_| invalid(&format!("Invalid Base64 binary value: {s}")))
}

/// Validates a typed attribute value and returns it normalised (numbers in their canonical form).
pub fn check_value(v: &Value) -> Result<Value, String> {
    let Some(obj) = v.as_object().filter(|o| !o.is_empty()) else {
        return Err(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .into(),
        );
    };
    if obj.len() > 1 {
        return Err("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".into());
    }
    let (ty, inner) = obj.iter().next().expect("one member");
    let wrong = || invalid(&format!("Invalid value for the {ty} data type: {inner}"));
    let strings = || -> Result<Vec<&str>, String> {
        inner
            .as_array()
            .ok_or_else(wrong)?
            .iter()
            .map(|s| s.as_str().ok_or_else(wrong))
            .collect()
    };
    let unique = |items: Vec<String>, empty: &str| -> Result<Value, String> {
        if items.is_empty() {
            return Err(invalid(empty));
        }
        let set: BTreeSet<&String> = items.iter().collect();
        if set.len() != items.len() {
            return Err(invalid(&format!(
                "Input collection [{}] contains duplicates.",
                items.join(", ")
            )));
        }
        Ok(json!({ ty: items }))
    };
    match ty.as_str() {
        "S" => inner.as_str().map(|_| v.clone()).ok_or_else(wrong),
        "N" => Ok(json!({ "N": number(inner.as_str().ok_or_else(wrong)?)?.to_string() })),
        "B" => {
            binary(inner.as_str().ok_or_else(wrong)?)?;
            Ok(v.clone())
        }
        "BOOL" => inner.as_bool().map(|_| v.clone()).ok_or_else(wrong),
        "NULL" => match inner {
            Value::Bool(true) => Ok(v.clone()),
            _ => Err(invalid(
                "Null attribute value types must have the value of true",
            )),
        },
        "M" => {
            let m = inner.as_object().ok_or_else(wrong)?;
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), check_value(x)?);
            }
            Ok(json!({ "M": out }))
        }
        "L" => {
            let l = inner.as_array().ok_or_else(wrong)?;
            Ok(json!({ "L": l.iter().map(check_value).collect::<Result<Vec<_>, _>>()? }))
        }
        "SS" => unique(
            strings()?.into_iter().map(String::from).collect(),
            "An string set  may not be empty",
        ),
        "NS" => unique(
            strings()?
                .into_iter()
                .map(|s| number(s).map(|n| n.to_string()))
                .collect::<Result<_, _>>()?,
            "An number set  may not be empty",
        ),
        "BS" => {
            let items = strings()?;
            for s in &items {
                binary(s)?;
            }
            unique(
                items.into_iter().map(String::from).collect(),
                "Binary sets should not be empty",
            )
        }
        other => Err(format!(
            "Supplied AttributeValue has an unknown datatype: {other}"
        )),
    }
}

/// Validates an item (a map of attribute values) and returns it normalised.
pub fn check_item(v: &Value) -> Result<Item, String> {
    let Some(obj) = v.as_object() else {
        return Err(invalid("An item must be a map of attribute values"));
    };
    let mut out = Map::new();
    for (k, x) in obj {
        if k.is_empty() {
            return Err(invalid("An attribute name cannot be empty"));
        }
        out.insert(k.clone(), check_value(x)?);
    }
    Ok(out)
}

/// The type tag of a (valid) attribute value.
pub fn type_of(v: &Value) -> &str {
    v.as_object()
        .and_then(|o| o.keys().next())
        .map(String::as_str)
        .unwrap_or("")
}

fn inner(v: &Value) -> &Value {
    v.as_object()
        .and_then(|o| o.values().next())
        .unwrap_or(&Value::Null)
}

fn as_number(v: &Value) -> Option<Number> {
    (type_of(v) == "N")
        .then(|| inner(v).as_str().and_then(Number::parse))
        .flatten()
}

/// Equality as DynamoDB compares values: same type; numbers by value, sets regardless of order.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    let (ta, tb) = (type_of(a), type_of(b));
    if ta != tb {
        return false;
    }
    match ta {
        "N" => as_number(a) == as_number(b),
        "SS" | "NS" | "BS" => {
            let set = |v: &Value| -> BTreeSet<String> {
                inner(v)
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str())
                    .map(|s| match Number::parse(s) {
                        Some(n) if ta == "NS" => n.to_string(),
                        _ => s.to_string(),
                    })
                    .collect()
            };
            set(a) == set(b)
        }
        "L" => {
            let (x, y) = (inner(a).as_array(), inner(b).as_array());
            match (x, y) {
                (Some(x), Some(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
                }
                _ => false,
            }
        }
        "M" => {
            let (x, y) = (inner(a).as_object(), inner(b).as_object());
            match (x, y) {
                (Some(x), Some(y)) => {
                    x.len() == y.len()
                        && x.iter()
                            .all(|(k, p)| y.get(k).is_some_and(|q| values_equal(p, q)))
                }
                _ => false,
            }
        }
        _ => a == b,
    }
}

/// Order of two scalars of the same type (`N`, `S`, `B`); None otherwise.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (type_of(a), type_of(b)) {
        ("N", "N") => Some(as_number(a)?.cmp(&as_number(b)?)),
        ("S", "S") => Some(inner(a).as_str()?.cmp(inner(b).as_str()?)),
        ("B", "B") => {
            let x = STANDARD.decode(inner(a).as_str()?).ok()?;
            let y = STANDARD.decode(inner(b).as_str()?).ok()?;
            Some(x.cmp(&y))
        }
        _ => None,
    }
}

/// A key attribute's value as a string that sorts like the value (numbers padded, binary in hex), for
/// the storage key.
pub fn key_string(v: &Value) -> String {
    match type_of(v) {
        "N" => {
            let n = as_number(v).unwrap_or(Number::normal(false, vec![], 0));
            // Sign class, then magnitude, then digits; negative numbers inverted so that order holds.
            if n.digits.is_empty() {
                return "1".into();
            }
            let digits: String = n.digits.iter().map(|d| char::from(b'0' + d)).collect();
            let mag = n.magnitude() + 200;
            if n.neg {
                let inv: String = digits
                    .chars()
                    .map(|c| char::from(b'9' - (c as u8 - b'0')))
                    .collect();
                format!("0{:03}{inv}~", 999 - mag)
            } else {
                format!("2{mag:03}{digits}")
            }
        }
        "B" => STANDARD
            .decode(inner(v).as_str().unwrap_or(""))
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        _ => inner(v).as_str().unwrap_or("").to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Document paths.

#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    Key(String),
    Index(usize),
}

pub type Path = Vec<Elem>;

fn show_path(p: &[Elem]) -> String {
    let parts: Vec<String> = p
        .iter()
        .map(|e| match e {
            Elem::Key(k) => k.clone(),
            Elem::Index(i) => format!("[{i}]"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn child<'a>(v: &'a Value, e: &Elem) -> Option<&'a Value> {
    match e {
        Elem::Key(k) if type_of(v) == "M" => inner(v).get(k),
        Elem::Index(i) if type_of(v) == "L" => inner(v).get(*i),
        _ => None,
    }
}

fn child_mut<'a>(v: &'a mut Value, e: &Elem) -> Option<&'a mut Value> {
    let (ty, inner) = v.as_object_mut()?.iter_mut().next()?;
    match e {
        Elem::Key(k) if ty == "M" => inner.get_mut(k),
        Elem::Index(i) if ty == "L" => inner.get_mut(*i),
        _ => None,
    }
}

/// The value at `path` in `item`.
pub fn get_path<'a>(item: &'a Item, path: &[Elem]) -> Option<&'a Value> {
    let Some(Elem::Key(first)) = path.first() else {
        return None;
    };
    path[1..]
        .iter()
        .try_fold(item.get(first)?, |v, e| child(v, e))
}

fn parent_mut<'a>(item: &'a mut Item, path: &[Elem]) -> Option<&'a mut Value> {
    let Some(Elem::Key(first)) = path.first() else {
        return None;
    };
    path[1..path.len() - 1]
        .iter()
        .try_fold(item.get_mut(first)?, |v, e| child_mut(v, e))
}

fn set_path(item: &mut Item, path: &[Elem], value: Value) -> Result<(), String> {
    let invalid =
        || "The document path provided in the update expression is invalid for update".to_string();
    if let [Elem::Key(k)] = path {
        item.insert(k.clone(), value);
        return Ok(());
    }
    let parent = parent_mut(item, path).ok_or_else(invalid)?;
    let (ty, inner) = parent
        .as_object_mut()
        .and_then(|o| o.iter_mut().next())
        .ok_or_else(invalid)?;
    match (path.last(), ty.as_str(), inner) {
        (Some(Elem::Key(k)), "M", Value::Object(m)) => {
            m.insert(k.clone(), value);
        }
        (Some(Elem::Index(i)), "L", Value::Array(l)) => {
            if *i < l.len() {
                l[*i] = value;
            } else {
                l.push(value);
            }
        }
        _ => return Err(invalid()),
    }
    Ok(())
}

fn remove_path(item: &mut Item, path: &[Elem]) {
    if let [Elem::Key(k)] = path {
        item.remove(k);
        return;
    }
    let Some(parent) = parent_mut(item, path) else {
        return;
    };
    let Some((ty, inner)) = parent.as_object_mut().and_then(|o| o.iter_mut().next()) else {
        return;
    };
    match (path.last(), ty.as_str(), inner) {
        (Some(Elem::Key(k)), "M", Value::Object(m)) => {
            m.remove(k);
        }
        (Some(Elem::Index(i)), "L", Value::Array(l)) if *i < l.len() => {
            l.remove(*i);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions: tokens, the names and values they use, the parser.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Name(String),
    Val(String),
    Num(usize),
    Sym(&'static str),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Name(s) | Tok::Val(s) => s.clone(),
            Tok::Num(n) => n.to_string(),
            Tok::Sym(s) => s.to_string(),
        }
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self, Tok::Ident(s) if s.eq_ignore_ascii_case(word))
    }
}

const SYMBOLS: &[&str] = &[
    "<>", "<=", ">=", "=", "<", ">", "(", ")", ",", ".", "[", "]", "+", "-",
];

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |from: usize| {
        let mut j = from;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        j
    };
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'#' || c == b':' {
            let j = word(i + 1);
            if j == i + 1 {
                return Err(syntax(&s[i..i + 1], s));
            }
            let t = s[i..j].to_string();
            out.push(if c == b'#' { Tok::Name(t) } else { Tok::Val(t) });
            i = j;
        } else if c.is_ascii_digit() {
            let j = word(i);
            let n = s[i..j].parse().map_err(|_| syntax(&s[i..j], s))?;
            out.push(Tok::Num(n));
            i = j;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let j = word(i);
            out.push(Tok::Ident(s[i..j].to_string()));
            i = j;
        } else if let Some(sym) = SYMBOLS.iter().find(|sym| s[i..].starts_with(**sym)) {
            out.push(Tok::Sym(sym));
            i += sym.len();
        } else {
            let ch = s[i..].chars().next().expect("in bounds");
            return Err(syntax(&ch.to_string(), s));
        }
    }
    Ok(out)
}

fn syntax(token: &str, near: &str) -> String {
    format!("Syntax error; token: \"{token}\", near: \"{near}\"")
}

/// The `ExpressionAttributeNames` and `ExpressionAttributeValues` of a request, and which of them the
/// expressions used (DynamoDB refuses unused ones).
pub struct Ctx {
    names: Map<String, Value>,
    values: Map<String, Value>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

impl Ctx {
    pub fn new(input: &Value) -> Result<Ctx, String> {
        let names = match input.get("ExpressionAttributeNames") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) if m.is_empty() => {
                return Err("ExpressionAttributeNames must not be empty".into())
            }
            Some(Value::Object(m)) if m.values().all(Value::is_string) => m.clone(),
            Some(_) => return Err("ExpressionAttributeNames must map names to strings".into()),
        };
        let values = match input.get("ExpressionAttributeValues") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) if m.is_empty() => {
                return Err("ExpressionAttributeValues must not be empty".into())
            }
            Some(Value::Object(m)) => {
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(
                        k.clone(),
                        check_value(v).map_err(|e| {
                            format!(
                                "ExpressionAttributeValues contains invalid value: {e} for key {k}"
                            )
                        })?,
                    );
                }
                out
            }
            Some(_) => return Err("ExpressionAttributeValues must be a map".into()),
        };
        Ok(Ctx {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        })
    }

    /// Refuses names and values that no expression used.
    pub fn finish(&self) -> Result<(), String> {
        let unused = |all: &Map<String, Value>, used: &BTreeSet<String>| -> Vec<String> {
            all.keys().filter(|k| !used.contains(*k)).cloned().collect()
        };
        let names = unused(&self.names, &self.used_names);
        if !names.is_empty() {
            return Err(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            ));
        }
        let values = unused(&self.values, &self.used_values);
        if !values.is_empty() {
            return Err(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn of(sym: &str) -> Option<CmpOp> {
        Some(match sym {
            "=" => CmpOp::Eq,
            "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`a < b` is `b > a`).
    fn mirrored(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            o => o,
        }
    }

    fn holds(self, a: &Value, b: &Value) -> bool {
        match self {
            CmpOp::Eq => values_equal(a, b),
            CmpOp::Ne => !values_equal(a, b),
            _ => compare(a, b).is_some_and(|o| match self {
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(Value),
    Size(Path),
    IfNotExists(Path, Box<Operand>),
    ListAppend(Box<Operand>, Box<Operand>),
    Plus(Box<Operand>, Box<Operand>),
    Minus(Box<Operand>, Box<Operand>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Cmp(Operand, CmpOp, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    Exists(Path),
    NotExists(Path),
    AttrType(Path, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

struct Parser<'c> {
    toks: Vec<Tok>,
    pos: usize,
    ctx: &'c mut Ctx,
    text: String,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek2(&self) -> Option<&Tok> {
        self.toks.get(self.pos + 1)
    }

    fn error_here(&self) -> String {
        match self.toks.get(self.pos) {
            Some(t) => {
                let near: Vec<String> = self.toks
                    [self.pos.saturating_sub(1)..(self.pos + 2).min(self.toks.len())]
                    .iter()
                    .map(Tok::text)
                    .collect();
                syntax(&t.text(), &near.join(" "))
            }
            None => format!("Syntax error; token: \"<EOF>\", near: \"{}\"", self.text),
        }
    }

    fn expect(&mut self, sym: &str) -> Result<(), String> {
        if !self.at_sym(sym) {
            return Err(self.error_here());
        }
        self.pos += 1;
        Ok(())
    }

    fn at_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym)
    }

    fn name(&mut self, t: &Tok) -> Result<String, String> {
        match t {
            Tok::Ident(s) => Ok(s.clone()),
            Tok::Name(n) => {
                let v = self.ctx.names.get(n).and_then(Value::as_str).ok_or_else(|| {
                    format!("An expression attribute name used in the document path is not defined; attribute name: {n}")
                })?;
                self.ctx.used_names.insert(n.clone());
                Ok(v.to_string())
            }
            _ => Err(self.error_here()),
        }
    }

    fn path(&mut self) -> Result<Path, String> {
        let first = match self.peek() {
            Some(t @ (Tok::Ident(_) | Tok::Name(_))) => t.clone(),
            _ => return Err(self.error_here()),
        };
        self.pos += 1;
        let mut path = vec![Elem::Key(self.name(&first)?)];
        loop {
            if self.at_sym(".") {
                self.pos += 1;
                let t = match self.peek() {
                    Some(t @ (Tok::Ident(_) | Tok::Name(_))) => t.clone(),
                    _ => return Err(self.error_here()),
                };
                self.pos += 1;
                path.push(Elem::Key(self.name(&t)?));
            } else if self.at_sym("[") {
                self.pos += 1;
                let Some(Tok::Num(i)) = self.peek().cloned() else {
                    return Err(self.error_here());
                };
                self.pos += 1;
                self.expect("]")?;
                path.push(Elem::Index(i));
            } else {
                return Ok(path);
            }
        }
    }

    fn value(&mut self, v: &str) -> Result<Value, String> {
        let value = self.ctx.values.get(v).cloned().ok_or_else(|| {
            format!("An expression attribute value used in expression is not defined; attribute value: {v}")
        })?;
        self.ctx.used_values.insert(v.to_string());
        Ok(value)
    }

    fn is_call(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == name)
            && self.peek2() == Some(&Tok::Sym("("))
    }

    /// An operand; `update` allows the update functions and `+` / `-`.
    fn operand(&mut self, update: bool) -> Result<Operand, String> {
        let left = self.simple_operand(update)?;
        if update && (self.at_sym("+") || self.at_sym("-")) {
            let plus = self.at_sym("+");
            self.pos += 1;
            let right = self.simple_operand(update)?;
            return Ok(if plus {
                Operand::Plus(Box::new(left), Box::new(right))
            } else {
                Operand::Minus(Box::new(left), Box::new(right))
            });
        }
        Ok(left)
    }

    fn simple_operand(&mut self, update: bool) -> Result<Operand, String> {
        match self.peek().cloned() {
            Some(Tok::Val(v)) => {
                self.pos += 1;
                Ok(Operand::Value(self.value(&v)?))
            }
            Some(Tok::Ident(f)) if self.peek2() == Some(&Tok::Sym("(")) => {
                self.pos += 2;
                let op = match f.as_str() {
                    "size" if !update => Operand::Size(self.path()?),
                    "if_not_exists" if update => {
                        let p = self.path()?;
                        self.expect(",")?;
                        Operand::IfNotExists(p, Box::new(self.simple_operand(update)?))
                    }
                    "list_append" if update => {
                        let a = self.simple_operand(update)?;
                        self.expect(",")?;
                        Operand::ListAppend(Box::new(a), Box::new(self.simple_operand(update)?))
                    }
                    _ => return Err(format!("Invalid function name; function: {f}")),
                };
                self.expect(")")?;
                Ok(op)
            }
            Some(Tok::Ident(_) | Tok::Name(_)) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.error_here()),
        }
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut c = self.and()?;
        while self.peek().is_some_and(|t| t.keyword("OR")) {
            self.pos += 1;
            c = Cond::Or(Box::new(c), Box::new(self.and()?));
        }
        Ok(c)
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut c = self.not()?;
        while self.peek().is_some_and(|t| t.keyword("AND")) {
            self.pos += 1;
            c = Cond::And(Box::new(c), Box::new(self.not()?));
        }
        Ok(c)
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.peek().is_some_and(|t| t.keyword("NOT")) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, String> {
        if self.at_sym("(") {
            self.pos += 1;
            let c = self.or()?;
            self.expect(")")?;
            return Ok(c);
        }
        for f in [
            "attribute_exists",
            "attribute_not_exists",
            "attribute_type",
            "begins_with",
            "contains",
        ] {
            if self.is_call(f) {
                self.pos += 2;
                let c = match f {
                    "attribute_exists" => Cond::Exists(self.path()?),
                    "attribute_not_exists" => Cond::NotExists(self.path()?),
                    "attribute_type" => {
                        let p = self.path()?;
                        self.expect(",")?;
                        Cond::AttrType(p, self.operand(false)?)
                    }
                    _ => {
                        let a = self.operand(false)?;
                        self.expect(",")?;
                        let b = self.operand(false)?;
                        if f == "begins_with" {
                            Cond::BeginsWith(a, b)
                        } else {
                            Cond::Contains(a, b)
                        }
                    }
                };
                self.expect(")")?;
                return Ok(c);
            }
        }
        let left = self.operand(false)?;
        match self.peek().cloned() {
            Some(Tok::Sym(s)) if CmpOp::of(s).is_some() => {
                self.pos += 1;
                let right = self.operand(false)?;
                Ok(Cond::Cmp(left, CmpOp::of(s).expect("checked"), right))
            }
            Some(t) if t.keyword("BETWEEN") => {
                self.pos += 1;
                let low = self.operand(false)?;
                if !self.peek().is_some_and(|t| t.keyword("AND")) {
                    return Err(self.error_here());
                }
                self.pos += 1;
                Ok(Cond::Between(left, low, self.operand(false)?))
            }
            Some(t) if t.keyword("IN") => {
                self.pos += 1;
                self.expect("(")?;
                let mut list = vec![self.operand(false)?];
                while self.at_sym(",") {
                    self.pos += 1;
                    list.push(self.operand(false)?);
                }
                self.expect(")")?;
                Ok(Cond::In(left, list))
            }
            _ => Err(self.error_here()),
        }
    }

    fn done(&self) -> Result<(), String> {
        if self.pos < self.toks.len() {
            return Err(self.error_here());
        }
        Ok(())
    }
}

fn parser<'c>(text: &str, ctx: &'c mut Ctx) -> Result<Parser<'c>, String> {
    if text.trim().is_empty() {
        return Err("The expression can not be empty;".into());
    }
    Ok(Parser {
        toks: tokenize(text)?,
        pos: 0,
        ctx,
        text: text.to_string(),
    })
}

/// Parses a condition (ConditionExpression, FilterExpression, KeyConditionExpression). Errors are
/// prefixed by the caller with `Invalid <kind>: `.
pub fn parse_condition(text: &str, ctx: &mut Ctx) -> Result<Cond, String> {
    let mut p = parser(text, ctx)?;
    let c = p.or()?;
    p.done()?;
    Ok(c)
}

/// Parses a ProjectionExpression: paths separated by commas.
pub fn parse_projection(text: &str, ctx: &mut Ctx) -> Result<Vec<Path>, String> {
    let mut p = parser(text, ctx)?;
    let mut paths = vec![p.path()?];
    while p.at_sym(",") {
        p.pos += 1;
        paths.push(p.path()?);
    }
    p.done()?;
    Ok(paths)
}

/// A parsed UpdateExpression.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub set: Vec<(Path, Operand)>,
    pub remove: Vec<Path>,
}

/// Parses an UpdateExpression: `SET path = value, ...` and `REMOVE path, ...` (once each, either order).
pub fn parse_update(text: &str, ctx: &mut Ctx) -> Result<Update, String> {
    let mut p = parser(text, ctx)?;
    let mut u = Update {
        set: vec![],
        remove: vec![],
    };
    let mut seen = BTreeSet::new();
    while let Some(t) = p.peek().cloned() {
        let clause = match &t {
            Tok::Ident(w) => w.to_ascii_uppercase(),
            _ => return Err(p.error_here()),
        };
        if !["SET", "REMOVE", "ADD", "DELETE"].contains(&clause.as_str()) {
            return Err(p.error_here());
        }
        if clause == "ADD" || clause == "DELETE" {
            return Err(format!(
                "devstack supports SET and REMOVE in update expressions, not {clause}"
            ));
        }
        if !seen.insert(clause.clone()) {
            return Err(format!(
                "The \"{clause}\" section can only be used once in an update expression;"
            ));
        }
        p.pos += 1;
        loop {
            if clause == "SET" {
                let path = p.path()?;
                p.expect("=")?;
                let value = p.operand(true)?;
                u.set.push((path, value));
            } else {
                u.remove.push(p.path()?);
            }
            if !p.at_sym(",") {
                break;
            }
            p.pos += 1;
        }
    }
    let all: Vec<&Path> = u.set.iter().map(|(p, _)| p).chain(&u.remove).collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            let n = a.len().min(b.len());
            if a[..n] == b[..n] {
                return Err(format!("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}", show_path(a), show_path(b)));
            }
        }
    }
    Ok(u)
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

fn size(v: &Value) -> Option<usize> {
    match type_of(v) {
        "S" => inner(v).as_str().map(str::len),
        "B" => STANDARD.decode(inner(v).as_str()?).ok().map(|b| b.len()),
        "SS" | "NS" | "BS" | "L" => inner(v).as_array().map(Vec::len),
        "M" => inner(v).as_object().map(Map::len),
        _ => None,
    }
}

fn bad_type() -> String {
    "An operand in the update expression has an incorrect data type".into()
}

/// The value of an operand in `item` (None: an attribute that is not there).
pub fn eval(op: &Operand, item: &Item) -> Result<Option<Value>, String> {
    Ok(match op {
        Operand::Path(p) => get_path(item, p).cloned(),
        Operand::Value(v) => Some(v.clone()),
        Operand::Size(p) => get_path(item, p)
            .and_then(size)
            .map(|n| json!({ "N": n.to_string() })),
        Operand::IfNotExists(p, default) => match get_path(item, p) {
            Some(v) => Some(v.clone()),
            None => eval(default, item)?,
        },
        Operand::ListAppend(a, b) => {
            let (Some(a), Some(b)) = (eval(a, item)?, eval(b, item)?) else {
                return Err(missing());
            };
            match (inner(&a), inner(&b)) {
                (Value::Array(x), Value::Array(y)) if type_of(&a) == "L" && type_of(&b) == "L" => {
                    let mut l = x.clone();
                    l.extend(y.iter().cloned());
                    Some(json!({ "L": l }))
                }
                _ => return Err(bad_type()),
            }
        }
        Operand::Plus(a, b) | Operand::Minus(a, b) => {
            let (Some(a), Some(b)) = (eval(a, item)?, eval(b, item)?) else {
                return Err(missing());
            };
            let (Some(x), Some(y)) = (as_number(&a), as_number(&b)) else {
                return Err(bad_type());
            };
            let n = x.add(&y, matches!(op, Operand::Minus(..)));
            n.check()?;
            Some(json!({ "N": n.to_string() }))
        }
    })
}

fn missing() -> String {
    "The provided expression refers to an attribute that does not exist in the item".into()
}

const TYPES: &[&str] = &["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

/// Whether `cond` holds for `item` (an absent item is an empty one).
pub fn holds(cond: &Cond, item: &Item) -> Result<bool, String> {
    let val = |o: &Operand| eval(o, item);
    Ok(match cond {
        Cond::Cmp(a, op, b) => match (val(a)?, val(b)?) {
            (Some(x), Some(y)) => op.holds(&x, &y),
            _ => *op == CmpOp::Ne,
        },
        Cond::Between(a, lo, hi) => match (val(a)?, val(lo)?, val(hi)?) {
            (Some(x), Some(l), Some(h)) => CmpOp::Ge.holds(&x, &l) && CmpOp::Le.holds(&x, &h),
            _ => false,
        },
        Cond::In(a, list) => match val(a)? {
            Some(x) => {
                let mut any = false;
                for o in list {
                    any |= val(o)?.is_some_and(|y| values_equal(&x, &y));
                }
                any
            }
            None => false,
        },
        Cond::Exists(p) => get_path(item, p).is_some(),
        Cond::NotExists(p) => get_path(item, p).is_none(),
        Cond::AttrType(p, t) => {
            let t = val(t)?;
            let name = t.as_ref().and_then(|t| inner(t).as_str()).unwrap_or("");
            if !TYPES.contains(&name) {
                return Err(format!("Invalid attribute type name found; type: {name}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"));
            }
            get_path(item, p).is_some_and(|v| type_of(v) == name)
        }
        Cond::BeginsWith(a, b) => match (val(a)?, val(b)?) {
            (Some(x), Some(y)) => match (type_of(&x), type_of(&y)) {
                ("S", "S") => inner(&x)
                    .as_str()
                    .zip(inner(&y).as_str())
                    .is_some_and(|(s, p)| s.starts_with(p)),
                ("B", "B") => {
                    let d = |v: &Value| {
                        STANDARD
                            .decode(inner(v).as_str().unwrap_or(""))
                            .unwrap_or_default()
                    };
                    d(&x).starts_with(&d(&y))
                }
                _ => false,
            },
            _ => false,
        },
        Cond::Contains(a, b) => match (val(a)?, val(b)?) {
            (Some(x), Some(y)) => match (type_of(&x), type_of(&y)) {
                ("S", "S") => inner(&x)
                    .as_str()
                    .zip(inner(&y).as_str())
                    .is_some_and(|(s, p)| s.contains(p)),
                ("SS", "S") | ("NS", "N") | ("BS", "B") => {
                    let elem_ty = type_of(&y).to_string();
                    inner(&x)
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|e| values_equal(&json!({ elem_ty.as_str(): e }), &y))
                }
                ("L", _) => inner(&x)
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| values_equal(e, &y)),
                _ => false,
            },
            _ => false,
        },
        Cond::And(a, b) => holds(a, item)? && holds(b, item)?,
        Cond::Or(a, b) => holds(a, item)? || holds(b, item)?,
        Cond::Not(a) => !holds(a, item)?,
    })
}

impl Update {
    /// The item after the update (every value is computed from the item before it).
    pub fn apply(&self, item: &Item) -> Result<Item, String> {
        let mut values = Vec::new();
        for (_, op) in &self.set {
            values.push(eval(op, item)?.ok_or_else(missing)?);
        }
        let mut out = item.clone();
        for ((path, _), v) in self.set.iter().zip(values) {
            set_path(&mut out, path, v)?;
        }
        for path in &self.remove {
            remove_path(&mut out, path);
        }
        Ok(out)
    }

    /// The top-level attributes the update writes or removes.
    pub fn touched(&self) -> BTreeSet<String> {
        self.set
            .iter()
            .map(|(p, _)| p)
            .chain(&self.remove)
            .filter_map(|p| match p.first() {
                Some(Elem::Key(k)) => Some(k.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The attributes of `item` named by a projection.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut out = Map::new();
    for path in paths {
        if let (Some(v), Some(Elem::Key(first))) = (get_path(item, path), path.first()) {
            let slot = out.entry(first.clone()).or_insert(Value::Null);
            place(slot, &path[1..], v.clone());
        }
    }
    out
}

fn place(slot: &mut Value, rest: &[Elem], v: Value) {
    let Some(e) = rest.first() else {
        *slot = v;
        return;
    };
    let container = match e {
        Elem::Key(_) => "M",
        Elem::Index(_) => "L",
    };
    if type_of(slot) != container {
        *slot = if container == "M" {
            json!({ "M": {} })
        } else {
            json!({ "L": [] })
        };
    }
    let inner = slot
        .as_object_mut()
        .and_then(|o| o.values_mut().next())
        .expect("a container");
    match (e, inner) {
        (Elem::Key(k), Value::Object(m)) => {
            place(m.entry(k.clone()).or_insert(Value::Null), &rest[1..], v)
        }
        (Elem::Index(_), Value::Array(l)) => {
            l.push(Value::Null);
            place(l.last_mut().expect("pushed"), &rest[1..], v)
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Key conditions (Query).

/// The condition on the sort key of a Query.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCond {
    Cmp(CmpOp, Value),
    Between(Value, Value),
    BeginsWith(Value),
}

impl SortCond {
    pub fn matches(&self, v: &Value) -> bool {
        match self {
            SortCond::Cmp(op, x) => op.holds(v, x),
            SortCond::Between(lo, hi) => CmpOp::Ge.holds(v, lo) && CmpOp::Le.holds(v, hi),
            SortCond::BeginsWith(p) => holds(
                &Cond::BeginsWith(Operand::Value(v.clone()), Operand::Value(p.clone())),
                &Map::new(),
            )
            .unwrap_or(false),
        }
    }
}

/// A parsed KeyConditionExpression: the partition key's value and an optional sort key condition.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCond {
    pub partition: Value,
    pub sort: Option<SortCond>,
}

fn conjuncts(c: Cond, out: &mut Vec<Cond>) -> Result<(), String> {
    match c {
        Cond::And(a, b) => {
            conjuncts(*a, out)?;
            conjuncts(*b, out)
        }
        Cond::Or(..) => Err("Invalid operator used in KeyConditionExpression: OR".into()),
        Cond::Not(..) => Err("Invalid operator used in KeyConditionExpression: NOT".into()),
        c => {
            out.push(c);
            Ok(())
        }
    }
}

fn key_name(o: &Operand) -> Option<&str> {
    match o {
        Operand::Path(p) => match p.as_slice() {
            [Elem::Key(k)] => Some(k),
            _ => None,
        },
        _ => None,
    }
}

fn plain_value(o: &Operand) -> Option<&Value> {
    match o {
        Operand::Value(v) => Some(v),
        _ => None,
    }
}

/// Reads a key condition against the table's key names.
pub fn key_condition(
    cond: Cond,
    partition_key: &str,
    sort_key: Option<&str>,
) -> Result<KeyCond, String> {
    let mut parts = Vec::new();
    conjuncts(cond, &mut parts)?;
    if parts.len() > 2 {
        return Err("KeyConditionExpressions must only contain one condition per key".into());
    }
    let unsupported = || "Query key condition not supported".to_string();
    let mut partition = None;
    let mut sort = None;
    for c in parts {
        let (name, sc) = match &c {
            Cond::Cmp(a, op, b) => match (key_name(a), plain_value(b), key_name(b), plain_value(a))
            {
                (Some(k), Some(v), _, _) => (k.to_string(), SortCond::Cmp(*op, v.clone())),
                (_, _, Some(k), Some(v)) => {
                    (k.to_string(), SortCond::Cmp(op.mirrored(), v.clone()))
                }
                _ => return Err(unsupported()),
            },
            Cond::Between(a, lo, hi) => match (key_name(a), plain_value(lo), plain_value(hi)) {
                (Some(k), Some(l), Some(h)) => {
                    (k.to_string(), SortCond::Between(l.clone(), h.clone()))
                }
                _ => return Err(unsupported()),
            },
            Cond::BeginsWith(a, p) => match (key_name(a), plain_value(p)) {
                (Some(k), Some(p)) => (k.to_string(), SortCond::BeginsWith(p.clone())),
                _ => return Err(unsupported()),
            },
            Cond::In(..) => {
                return Err("Invalid operator used in KeyConditionExpression: IN".into())
            }
            _ => return Err("Invalid operator used in KeyConditionExpression".into()),
        };
        if name == partition_key {
            let SortCond::Cmp(CmpOp::Eq, v) = sc else {
                return Err(unsupported());
            };
            if partition.replace(v).is_some() {
                return Err(
                    "KeyConditionExpressions must only contain one condition per key".into(),
                );
            }
        } else if Some(name.as_str()) == sort_key {
            if matches!(sc, SortCond::Cmp(CmpOp::Ne, _)) {
                return Err("Unsupported operator on KeyConditionExpression: operator: <>".into());
            }
            if sort.replace(sc).is_some() {
                return Err(
                    "KeyConditionExpressions must only contain one condition per key".into(),
                );
            }
        } else {
            return Err(format!(
                "Query condition missed key schema element: {}",
                if partition.is_none() {
                    partition_key
                } else {
                    sort_key.unwrap_or(partition_key)
                }
            ));
        }
    }
    let partition = partition
        .ok_or_else(|| format!("Query condition missed key schema element: {partition_key}"))?;
    Ok(KeyCond { partition, sort })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn numbers_normalise_compare_and_add_exactly() {
        assert_eq!(n("001.500").to_string(), "1.5");
        assert_eq!(n("-0.0").to_string(), "0");
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("12.5e-3").to_string(), "0.0125");
        assert!(n("-2") < n("-1.5") && n("-1.5") < n("0") && n("0.1") < n("0.10001"));
        assert!(n("100") > n("99.999"));
        assert_eq!(n("0.1").add(&n("0.2"), false).to_string(), "0.3");
        assert_eq!(n("5").add(&n("7.25"), true).to_string(), "-2.25");
        assert_eq!(
            n("99999999999999999999999999999999999999")
                .add(&n("-1"), false)
                .to_string(),
            "99999999999999999999999999999999999998"
        );
        assert!(
            Number::parse("1.2.3").is_none()
                && Number::parse("").is_none()
                && Number::parse("x").is_none()
        );
        assert!(n("1234567890123456789012345678901234567890")
            .check()
            .is_err());
        // The storage key sorts like the numbers.
        let mut v: Vec<&str> = vec!["10", "-3", "2.5", "0", "-20", "0.01", "-0.5"];
        v.sort_by_key(|s| key_string(&json!({ "N": s })));
        assert_eq!(v, ["-20", "-3", "-0.5", "0", "0.01", "2.5", "10"]);
    }

    #[test]
    fn values_are_validated_and_normalised() {
        assert_eq!(
            check_value(&json!({"N": "01.0"})).unwrap(),
            json!({"N": "1"})
        );
        assert!(check_value(&json!({})).unwrap_err().contains("empty"));
        assert!(check_value(&json!({"S": "a", "N": "1"}))
            .unwrap_err()
            .contains("more than one"));
        assert!(check_value(&json!({"N": "abc"}))
            .unwrap_err()
            .contains("numeric"));
        assert!(check_value(&json!({"SS": []})).is_err());
        assert!(check_value(&json!({"SS": ["a", "a"]}))
            .unwrap_err()
            .contains("duplicates"));
        assert!(check_value(&json!({"NULL": false})).is_err());
        assert!(check_value(&json!({"B": "not base64!"})).is_err());
        assert!(
            check_value(&json!({"M": {"a": {"L": [{"N": "2.50"}]}}})).unwrap()
                == json!({"M": {"a": {"L": [{"N": "2.5"}]}}})
        );
        assert!(values_equal(
            &json!({"NS": ["1", "2"]}),
            &json!({"NS": ["2", "1.0"]})
        ));
    }

    fn ctx(names: Value, values: Value) -> Ctx {
        let none_if_empty = |v: Value| if v == json!({}) { Value::Null } else { v };
        Ctx::new(&json!({ "ExpressionAttributeNames": none_if_empty(names), "ExpressionAttributeValues": none_if_empty(values) })).unwrap()
    }

    #[test]
    fn conditions_evaluate_against_items() {
        let item: Item = serde_json::from_value(json!({
            "id": {"S": "u1"}, "age": {"N": "30"}, "tags": {"SS": ["a", "b"]},
            "addr": {"M": {"city": {"S": "Oslo"}}}, "list": {"L": [{"S": "x"}, {"N": "1"}]}
        }))
        .unwrap();
        let mut c = ctx(
            json!({"#a": "age"}),
            json!({":v": {"N": "18"}, ":c": {"S": "Os"}, ":t": {"S": "a"}}),
        );
        for (text, want) in [
            ("#a > :v AND begins_with(addr.city, :c)", true),
            ("attribute_not_exists(id)", false),
            (
                "attribute_exists(list[1]) AND NOT contains(tags, :t)",
                false,
            ),
            ("(#a < :v) OR contains(tags, :t)", true),
            ("#a BETWEEN :v AND #a", true),
            ("size(list) = :v", false),
            ("nothere <> :v", true),
            ("#a IN (:v, #a)", true),
        ] {
            let cond = parse_condition(text, &mut c).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(holds(&cond, &item).unwrap(), want, "{text}");
        }
        c.finish().unwrap();
        let mut c = ctx(json!({"#a": "age"}), json!({":v": {"N": "1"}}));
        assert!(parse_condition("#b = :v", &mut c)
            .unwrap_err()
            .contains("attribute name: #b"));
        assert!(parse_condition("#a = :w", &mut c)
            .unwrap_err()
            .contains("attribute value: :w"));
        assert!(parse_condition("#a = ", &mut c)
            .unwrap_err()
            .starts_with("Syntax error"));
        assert!(parse_condition("#a == :v", &mut c)
            .unwrap_err()
            .starts_with("Syntax error"));
        let mut c = ctx(
            json!({"#a": "age", "#u": "unused"}),
            json!({":v": {"N": "1"}}),
        );
        parse_condition("#a = :v", &mut c).unwrap();
        assert!(c.finish().unwrap_err().contains("keys: {#u}"));
    }

    #[test]
    fn updates_set_and_remove() {
        let item: Item = serde_json::from_value(json!({
            "id": {"S": "u1"}, "n": {"N": "1"}, "l": {"L": [{"S": "a"}]}, "m": {"M": {"x": {"S": "1"}}}, "gone": {"S": "x"}
        }))
        .unwrap();
        let mut c = ctx(
            json!({"#n": "n"}),
            json!({":one": {"N": "1"}, ":l": {"L": [{"S": "b"}]}, ":d": {"S": "d"}}),
        );
        let u = parse_update(
            "SET #n = #n + :one, l = list_append(l, :l), m.y = :d, fresh = if_not_exists(fresh, :one) REMOVE gone",
            &mut c,
        )
        .unwrap();
        c.finish().unwrap();
        let out = u.apply(&item).unwrap();
        assert_eq!(out["n"], json!({"N": "2"}));
        assert_eq!(out["l"], json!({"L": [{"S": "a"}, {"S": "b"}]}));
        assert_eq!(out["m"], json!({"M": {"x": {"S": "1"}, "y": {"S": "d"}}}));
        assert_eq!(out["fresh"], json!({"N": "1"}));
        assert!(!out.contains_key("gone"));
        assert_eq!(u.touched().len(), 5);
        let mut c = ctx(json!({}), json!({":v": {"S": "s"}}));
        assert!(parse_update("SET a = :v SET b = :v", &mut c)
            .unwrap_err()
            .contains("only be used once"));
        assert!(parse_update("SET a = :v REMOVE a", &mut c)
            .unwrap_err()
            .contains("overlap"));
        assert!(parse_update("SET a = a + :v", &mut c)
            .unwrap()
            .apply(&item)
            .is_err());
        assert!(parse_update("SET a.b = :v", &mut c)
            .unwrap()
            .apply(&item)
            .is_err());
        assert!(parse_update("ADD n :v", &mut c).is_err());
        let p = parse_projection("id, m.x, l[0]", &mut c).unwrap();
        assert_eq!(
            Value::Object(project(&item, &p)),
            json!({"id": {"S": "u1"}, "m": {"M": {"x": {"S": "1"}}}, "l": {"L": [{"S": "a"}]}})
        );
    }

    #[test]
    fn key_conditions() {
        let mut c = ctx(
            json!({"#pk": "id"}),
            json!({":p": {"S": "u1"}, ":s": {"N": "5"}, ":t": {"N": "9"}}),
        );
        let k = key_condition(parse_condition("#pk = :p", &mut c).unwrap(), "id", None).unwrap();
        assert_eq!(k.partition, json!({"S": "u1"}));
        let k = key_condition(
            parse_condition(":p = #pk AND ts BETWEEN :s AND :t", &mut c).unwrap(),
            "id",
            Some("ts"),
        )
        .unwrap();
        assert!(k.sort.unwrap().matches(&json!({"N": "7"})));
        for bad in [
            "#pk = :p OR #pk = :p",
            "ts > :s",
            "#pk > :p",
            "#pk = :p AND other = :s",
        ] {
            assert!(
                key_condition(parse_condition(bad, &mut c).unwrap(), "id", Some("ts")).is_err(),
                "{bad}"
            );
        }
    }
}
