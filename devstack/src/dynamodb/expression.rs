//! DynamoDB's expression language: the tokens, the `ExpressionAttributeNames` and
//! `ExpressionAttributeValues` an expression uses ([`Ctx`]), and the parser of condition, projection
//! and update expressions into [`Cond`], paths and [`Update`].

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::path::{show_path, Elem, Path};
use super::value::check_value;

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
    pub fn mirrored(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            o => o,
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

/// A [`Ctx`] of these `ExpressionAttributeNames` and `ExpressionAttributeValues` (`{}`: none), for the
/// tests of the expressions.
#[cfg(test)]
pub fn test_ctx(names: Value, values: Value) -> Ctx {
    let none_if_empty = |v: Value| {
        if v == serde_json::json!({}) {
            Value::Null
        } else {
            v
        }
    };
    Ctx::new(&serde_json::json!({ "ExpressionAttributeNames": none_if_empty(names), "ExpressionAttributeValues": none_if_empty(values) })).unwrap()
}
