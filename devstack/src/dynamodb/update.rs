//! Update expressions applied to an item (`SET` / `REMOVE`, every value computed from the item before).

use std::collections::BTreeSet;

use super::condition::{eval, missing};
use super::expression::Update;
use super::path::{remove_path, set_path, Elem};
use super::value::Item;

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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::expression::{parse_projection, parse_update, test_ctx as ctx};
    use super::super::projection::project;
    use super::*;

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
}
