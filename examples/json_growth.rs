//! How the JSON reader's parse time grows with its input (issue 18: bad input must cost linear time).
//! Prints figures; it asserts only what each input parses to (the project measures speed with
//! benchmarks that print, never with timed tests). The figures are recorded in docs/json-growth.md.
//!
//! `cargo run --release --example json_growth`

use std::hint::black_box;
use std::time::{Duration, Instant};

use cognito_wasm::json::{Value, MAX_KEYS};

/// `{"k0000000":0,...}`: `n` keys numbered from `first`, the last one repeating the first when
/// `duplicate`.
fn object(first: usize, n: usize, duplicate: bool) -> String {
    let mut s = String::from("{");
    for i in 0..n {
        let key = first + if duplicate && i + 1 == n { 0 } else { i };
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("\"k{key:07}\":{i}"));
    }
    s.push('}');
    s
}

/// The worst case the reader accepts: an array of `count` objects of [`MAX_KEYS`] keys each, every key
/// the same length (so each comparison reads the key to its end).
fn full_objects(count: usize) -> String {
    let objects: Vec<String> = (0..count)
        .map(|c| object(c * MAX_KEYS, MAX_KEYS, false))
        .collect();
    format!("[{}]", objects.join(","))
}

/// The claims of a typical Cognito ID token: a small object, the common case.
const CLAIMS: &str = r#"{"sub":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","cognito:groups":["admin"],"email_verified":true,"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123","cognito:username":"alice","origin_jti":"11111111-2222-3333-4444-555555555555","aud":"1example23456789","event_id":"66666666-7777-8888-9999-000000000000","token_use":"id","auth_time":1700000000,"exp":1700003600,"iat":1700000000,"jti":"abcdefab-cdef-abcd-efab-cdefabcdefab","email":"alice@example.com"}"#;

/// The best of several runs of `f` (at least one, more while the total stays under a second).
fn best(mut f: impl FnMut()) -> Duration {
    let mut best = Duration::MAX;
    let start = Instant::now();
    for _ in 0..20 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
        if start.elapsed() > Duration::from_secs(1) {
            break;
        }
    }
    best
}

fn row(name: &str, text: &str, accepted: bool) {
    let time = best(|| {
        let parsed = Value::parse(black_box(text));
        assert_eq!(parsed.is_some(), accepted, "{name}");
        black_box(parsed);
    });
    let verdict = if accepted { "read" } else { "refused" };
    println!(
        "{name:<40}{:>10}{:>9}{:>11.2} ms",
        text.len(),
        verdict,
        ms(time)
    );
}

fn main() {
    println!(
        "{:<40}{:>10}{:>9}{:>14}",
        "input", "bytes", "result", "parse (best)"
    );
    for n in [20_000, 40_000, 80_000] {
        row(
            &format!("one object of {n} keys"),
            &object(0, n, false),
            false,
        );
        row(
            &format!("one object of {n} keys, last repeats"),
            &object(0, n, true),
            false,
        );
    }
    // Scaled to about 256 KB, 512 KB and 1 MB (the cap on a response).
    for count in [64, 128, 256] {
        row(
            &format!("{count} objects of {MAX_KEYS} keys"),
            &full_objects(count),
            true,
        );
    }
    // Small objects: 10,000 parses of the claims above, per parse.
    let time = best(|| {
        for _ in 0..10_000 {
            black_box(Value::parse(black_box(CLAIMS)));
        }
    });
    println!(
        "{:<40}{:>10}{:>9}{:>11.2} µs",
        "ID-token claims (14 keys)",
        CLAIMS.len(),
        "read",
        ms(time) * 1000.0 / 10_000.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
