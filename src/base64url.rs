//! Unpadded base64url (RFC 4648 §5), the encoding of JWT segments, JWK parameters, PKCE challenges and
//! random state strings.
//!
//! The rules are those of the `base64` crate's `URL_SAFE_NO_PAD` engine (which jsonwebtoken uses):
//! no padding, no whitespace, and the unused bits of the last character must be zero, so that each
//! byte string has exactly one encoding. Written here because the crate's generic engine is ~1.5 KB
//! gzipped of code and tables in wasm for the few hundred bytes these need; the tests check both ways
//! against the crate.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The base64url encoding of `bytes`, without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// The value of one base64url character.
fn sextet(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    } as u32)
}

/// The bytes of an unpadded base64url text, or `None` when it is not one (a character outside the
/// alphabet, padding, a length of 4n+1, or non-zero unused bits at the end).
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= sextet(c)? << (18 - 6 * i);
        }
        // 2, 3 or 4 characters carry 1, 2 or 3 bytes; the bits below them must be zero.
        let len = chunk.len() - 1;
        if n & (0x00ff_ffff >> (8 * len)) != 0 {
            return None;
        }
        for i in 0..len {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// Standard base64 with padding (RFC 4648 §4), as SRP's `SECRET_BLOCK` and signature travel.
pub(crate) fn encode_std(bytes: &[u8]) -> String {
    let mut out: String = encode(bytes)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

/// The bytes of a padded standard base64 text (RFC 4648 §4), or `None`: the rules of [`decode`], with
/// `+` and `/`, and the padding that makes the length a multiple of 4.
pub(crate) fn decode_std(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let body = text
        .strip_suffix(b"==")
        .or(text.strip_suffix(b"="))
        .unwrap_or(text);
    let mapped: Option<Vec<u8>> = body
        .iter()
        .map(|&c| match c {
            b'+' => Some(b'-'),
            b'/' => Some(b'_'),
            b'-' | b'_' => None,
            c => Some(c),
        })
        .collect();
    decode(&mapped?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn standard_base64_matches_the_base64_crate() {
        use base64::engine::general_purpose::STANDARD;
        let mut bytes = Vec::new();
        for n in 0..=40u32 {
            let text = STANDARD.encode(&bytes);
            assert_eq!(encode_std(&bytes), text, "{n} bytes");
            assert_eq!(decode_std(text.as_bytes()), Some(bytes.clone()));
            bytes.push((n.wrapping_mul(157) ^ 0xfb) as u8);
        }
        for bad in ["AA", "AA=", "A===", "-w==", "_w==", "AA==AA==", "AB=="] {
            assert_eq!(decode_std(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(decode_std(b"+/8="), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn encoding_matches_the_base64_crate() {
        let mut bytes = Vec::new();
        for n in 0..=70u32 {
            assert_eq!(encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes), "{n} bytes");
            assert_eq!(decode(encode(&bytes).as_bytes()), Some(bytes.clone()));
            bytes.push((n.wrapping_mul(151) ^ 0xa5) as u8);
        }
        assert_eq!(encode(&[0xff, 0xfe, 0xfd]), "__79");
    }

    #[test]
    fn decoding_refuses_what_the_base64_crate_refuses() {
        for text in [
            "", "A", "AA", "AB", "AAA", "AAB", "AAAA", "AAAAA", "AA==", "AAA=", "A+/A", "ab cd",
            "Zm9v", "Zm9vYg", "Zm9vYh", "Zm9vYmE", "Zm9vYmF", "_-_-", "AQAB", "é",
        ] {
            assert_eq!(
                decode(text.as_bytes()),
                URL_SAFE_NO_PAD.decode(text).ok(),
                "{text:?}"
            );
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use crate::testing::fuzz;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(fuzz::config(256))]

            /// Any text near the alphabet decodes exactly when the base64 crate decodes it, to the same bytes.
            #[test]
            fn prop_base64url_decode_agrees(text in "[A-Za-z0-9_=+/ -]{0,24}") {
                prop_assert_eq!(decode(text.as_bytes()), URL_SAFE_NO_PAD.decode(&text).ok());
            }

            /// Any bytes encode as the base64 crate encodes them, and decode back.
            #[test]
            fn prop_base64url_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
                let text = encode(&bytes);
                prop_assert_eq!(&text, &URL_SAFE_NO_PAD.encode(&bytes));
                prop_assert_eq!(decode(text.as_bytes()), Some(bytes));
            }
        }
    }
}
