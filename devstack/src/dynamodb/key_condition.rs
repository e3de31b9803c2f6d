//! Key-condition expressions (Query): an equality on the partition key and an optional condition on
//! the sort key.

use serde_json::{Map, Value};

use super::condition::holds;
use super::expression::{CmpOp, Cond, Operand};
use super::path::Elem;

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
    use serde_json::json;

    use super::super::expression::{parse_condition, test_ctx as ctx};
    use super::*;

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
