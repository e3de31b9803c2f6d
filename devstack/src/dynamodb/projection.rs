//! Projection expressions: the attributes (and nested paths) of an item they name.

use serde_json::{json, Map, Value};

use super::path::{get_path, Elem, Path};
use super::value::{type_of, Item};

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
