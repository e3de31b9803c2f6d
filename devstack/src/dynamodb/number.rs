//! DynamoDB's numbers: decimals of up to 38 significant digits, parsed, normalised, compared and added
//! exactly.

use std::cmp::Ordering;

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

    /// The number as a string that sorts like the number, for storage keys: sign class, then magnitude,
    /// then digits; negative numbers inverted so that order holds.
    pub fn sort_key(&self) -> String {
        if self.digits.is_empty() {
            return "1".into();
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let mag = self.magnitude() + 200;
        if self.neg {
            let inv: String = digits
                .chars()
                .map(|c| char::from(b'9' - (c as u8 - b'0')))
                .collect();
            format!("0{:03}{inv}~", 999 - mag)
        } else {
            format!("2{mag:03}{digits}")
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::value::key_string;

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
}
