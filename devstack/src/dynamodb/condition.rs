//! Condition expressions evaluated against an item: operands, comparisons, `BETWEEN`, `IN`, the
//! functions (`attribute_exists`, `attribute_type`, `begins_with`, `contains`, `size`), `AND` / `OR` /
//! `NOT`.

use std::cmp::Ordering;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::expression::{CmpOp, Cond, Operand};
use super::path::get_path;
use super::value::{as_number, compare, inner, type_of, values_equal, Item};

impl CmpOp {
    /// `a <op> b` (values of different types are not ordered).
    pub fn holds(self, a: &Value, b: &Value) -> bool {
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

/// The error of an operand that names an attribute the item does not have.
pub fn missing() -> String {
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

#[cfg(test)]
mod tests {
    use super::super::expression::{parse_condition, test_ctx as ctx};
    use super::*;

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
}
