//! DynamoDB's typed attribute values (`S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS`, `BS`):
//! validation with DynamoDB's `ValidationException` messages, normalisation, equality, order, and the
//! string of a key value.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::number::Number;

/// An item: attribute name → typed attribute value (`{"S": "..."}`).
pub type Item = Map<String, Value>;

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

/// The untyped value inside a typed one (`{"S": "x"}` → `"x"`; Null for what is not typed).
pub fn inner(v: &Value) -> &Value {
    v.as_object()
        .and_then(|o| o.values().next())
        .unwrap_or(&Value::Null)
}

/// The number of an `N` value.
pub fn as_number(v: &Value) -> Option<Number> {
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
        // Zero (and what is no number) sorts as zero.
        "N" => as_number(v).map_or_else(|| "1".into(), |n| n.sort_key()),
        "B" => STANDARD
            .decode(inner(v).as_str().unwrap_or(""))
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        _ => inner(v).as_str().unwrap_or("").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
