//! serde for the JSON values (cargo feature `serde`).
//!
//! [`Value`], [`Object`] and [`Number`] serialize as the JSON they are, and [`Value`] and [`Object`]
//! deserialize from any self-describing format under the reader's rules: unique keys, at most
//! [`MAX_KEYS`] members per object, at most [`MAX_DEPTH`] nested containers; a float becomes the
//! shortest text that reads back as the same `f64`. `&Value` and `&Object` are `serde::Deserializer`s,
//! so a typed struct is read straight from parsed claims (`T::deserialize(&claims)`), with no second
//! JSON parser and no JSON text in between; its errors are `serde::de::value::Error`.

use std::fmt;

use serde::de::value::{
    BorrowedStrDeserializer, Error, MapAccessDeserializer, MapDeserializer, SeqDeserializer,
};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{forward_to_deserialize_any, ser, Deserialize, Deserializer, Serialize, Serializer};

use super::{Number, Object, Value, MAX_DEPTH, MAX_KEYS};

/// A number as serde's data model holds it: a `u64` or an `i64` when the literal is an integer that
/// fits, otherwise the nearest `f64`; `None` beyond `f64`'s range (`1e400`, refused with [`BEYOND_F64`]).
enum Num {
    U(u64),
    I(i64),
    F(f64),
}

const BEYOND_F64: &str = "a JSON number beyond the range of f64";

fn num(n: &Number) -> Option<Num> {
    n.as_u64()
        .map(Num::U)
        .or_else(|| n.as_i64().map(Num::I))
        .or_else(|| n.as_f64().map(Num::F))
}

impl Serialize for Number {
    /// As a `u64` or an `i64` when the literal is an integer that fits, otherwise as the nearest `f64`;
    /// an error for a number beyond `f64`'s range (`1e400`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match num(self) {
            Some(Num::U(n)) => s.serialize_u64(n),
            Some(Num::I(n)) => s.serialize_i64(n),
            Some(Num::F(f)) => s.serialize_f64(f),
            None => Err(ser::Error::custom(BEYOND_F64)),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => s.collect_seq(items),
            Value::Object(o) => o.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Depth(0))
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_map(Depth(0))? {
            Value::Object(o) => Ok(o),
            _ => Err(de::Error::custom("expected a JSON object")),
        }
    }
}

/// Reads one value with this many containers around it.
#[derive(Clone, Copy)]
struct Depth(u32);

impl Depth {
    /// The depth inside one more container, or the error for one too many.
    fn inner<E: de::Error>(self) -> Result<Self, E> {
        if self.0 >= MAX_DEPTH {
            return Err(E::custom("JSON nested more than 64 deep"));
        }
        Ok(Depth(self.0 + 1))
    }
}

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(n.into())
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(n.into())
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        if !f.is_finite() {
            return Err(E::custom("NaN and the infinities are not JSON numbers"));
        }
        // `{:?}` of a finite f64 is the shortest text that reads back as it (`0.1`, `1e300`, `-0.0`),
        // always valid under the JSON number grammar.
        Ok(Value::Number(Number(format!("{f:?}"))))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(s.into())
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(s.into())
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut o = Object::new();
        while let Some(key) = map.next_key::<String>()? {
            if o.len() == MAX_KEYS || o.contains_key(&key) {
                return Err(de::Error::custom(
                    "a JSON object with a duplicate key or more than 256 members",
                ));
            }
            let value = map.next_value_seed(inner)?;
            o.0.push((key, value));
        }
        Ok(Value::Object(o))
    }
}

impl<'de> IntoDeserializer<'de, Error> for &'de Value {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for &'de Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match num(n) {
                Some(Num::U(u)) => visitor.visit_u64(u),
                Some(Num::I(i)) => visitor.visit_i64(i),
                Some(Num::F(f)) => visitor.visit_f64(f),
                None => Err(de::Error::custom(BEYOND_F64)),
            },
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(o) => o.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant from a string (`"gold"`), any variant from an object of one member
    /// (`{"range":[1,2]}`), as serde_json reads them.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Object(o) if o.len() == 1 => {
                visitor.visit_enum(MapAccessDeserializer::new(entries(o)))
            }
            _ => Err(de::Error::custom(
                "expected an enum: a string or an object of one member",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The members of `o` as a `MapAccess` (keys borrowed from `o`).
fn entries<'de>(
    o: &'de Object,
) -> MapDeserializer<
    'de,
    impl Iterator<Item = (BorrowedStrDeserializer<'de, Error>, &'de Value)>,
    Error,
> {
    MapDeserializer::new(
        o.0.iter()
            .map(|(k, v)| (BorrowedStrDeserializer::new(k), v)),
    )
}

impl<'de> Deserializer<'de> for &'de Object {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut map = entries(self);
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}
