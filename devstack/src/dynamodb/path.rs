//! Document paths (`a.b[2].c`): reading, writing and removing the value a path names in an item.

use serde_json::Value;

use super::value::{inner, type_of, Item};

#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    Key(String),
    Index(usize),
}

pub type Path = Vec<Elem>;

/// A path as an expression writes it (`a.b[2]`), for error messages.
pub fn show_path(p: &[Elem]) -> String {
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

/// Writes `value` at `path` (UpdateExpression `SET`): the parent must exist, a list index past the end
/// appends.
pub fn set_path(item: &mut Item, path: &[Elem], value: Value) -> Result<(), String> {
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

/// Removes what `path` names (UpdateExpression `REMOVE`); nothing when it is not there.
pub fn remove_path(item: &mut Item, path: &[Elem]) {
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
