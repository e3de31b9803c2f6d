//! The RSA public-key operation of RS256 verification and its PKCS#1 v1.5 check (RFC 8017 §5.2.2,
//! §8.2.2, §9.2): s^e mod n by Montgomery multiplication on 32-bit limbs (wasm32 has no wider
//! multiply), with the key checks `rsa` 0.9 makes.
//!
//! Why not the `rsa` crate: at the package's opt-level "z", `rsa` 0.9's num-bigint-dig takes about
//! 1 ms a verification in Chromium and 4.9 KB gzipped; `rsa` 0.10's crypto-bigint builds Montgomery
//! parameters with its Karatsuba multiplication (+7.8 KB gzipped, still 0.14× jose). This is a
//! fraction of either (docs/benchmarks.md, docs/size.md). Verification handles only public values
//! (the key, the token, its signature), so nothing here needs to run in constant time.
//!
//! Montgomery form: with L limbs, R = 2^(32·L); `mul(a, b)` is a·b·R⁻¹ mod n, for a, b < n.

/// The largest modulus accepted, in bits (as `rsa` 0.9's `RsaPublicKey::new`).
const MAX_BITS: usize = 4096;
/// The largest public exponent accepted (as `rsa`: RSADoS, RustCrypto/RSA#155).
const MAX_E: u64 = (1 << 33) - 1;

/// The DER of SHA-256's DigestInfo before the hash (RFC 8017 §9.2, note 1).
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

use crate::bigint::{ge, limbs, strip, Modulus};

thread_local! {
    /// R² mod n (see [`Modulus::r_squared`]) of the last four moduli used, newest first.
    static R_SQUARED: std::cell::RefCell<Vec<(Vec<u32>, Vec<u32>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// An RSA public key, checked as `rsa` 0.9 checks one: n odd and at most 4096 bits, e odd,
/// 2 < e < n and e ≤ 2^33 − 1.
pub(crate) struct PublicKey {
    /// The modulus.
    m: Modulus,
    /// The modulus's length in bytes (k of RFC 8017).
    k: usize,
    e: u64,
}

impl PublicKey {
    /// The key of big-endian `n` and `e` (leading zeros allowed), or `None` if `rsa` would refuse it.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Option<Self> {
        let (n, e) = (strip(n), strip(e));
        let bits = n
            .first()
            .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
        if bits > MAX_BITS || n.last().is_none_or(|b| b & 1 == 0) || e.len() > 8 {
            return None;
        }
        let e = e.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        let n = limbs(n, n.len().div_ceil(4));
        // e < n: n is longer than e's 64 bits, or compares as a number.
        let e_below_n =
            n.len() > 2 || (u64::from(n.get(1).copied().unwrap_or(0)) << 32 | u64::from(n[0])) > e;
        if e & 1 == 0 || !(3..=MAX_E).contains(&e) || !e_below_n {
            return None;
        }
        Some(Self {
            k: bits.div_ceil(8),
            m: Modulus::new(n),
            e,
        })
    }

    /// s^e mod n (RSAVP1, RFC 8017 §5.2.2), for s < n, as `n.len()` limbs.
    fn public_op(&self, s: &[u32]) -> Vec<u32> {
        let m = &self.m;
        let l = m.n.len();
        // R² of the last few moduli is kept: its five squarings were a fifth of a verification's
        // multiplications (the key is rebuilt for every token), and a pool signs with two keys.
        let mut x = R_SQUARED.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some((_, r2)) = cache.iter().find(|(n, _)| *n == m.n) {
                return r2.clone();
            }
            let r2 = m.r_squared();
            cache.truncate(3);
            cache.insert(0, (m.n.clone(), r2.clone()));
            r2
        });
        let mut y = vec![0u32; l];
        // Left-to-right square-and-multiply in Montgomery form; e is odd, so its last step's
        // multiplication by s itself (not s·R) also leaves the form: s^(e−1)·R · s · R⁻¹ = s^e.
        let mut s_r = vec![0u32; l];
        m.mul(s, &x, &mut s_r);
        x.copy_from_slice(&s_r);
        let top = 63 - self.e.leading_zeros();
        for i in (0..top).rev() {
            m.mul(&x, &x, &mut y);
            let factor = match i {
                0 => s,
                _ if self.e >> i & 1 == 1 => &s_r,
                _ => {
                    std::mem::swap(&mut x, &mut y);
                    continue;
                }
            };
            m.mul(&y, factor, &mut x);
        }
        x
    }

    /// Whether `signature` is an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2) of the SHA-256 hash
    /// `hash`: exactly k bytes, below n, and s^e mod n is the whole encoded message
    /// EM = 0x00 01 FF…FF 00 ‖ DigestInfo(SHA-256) ‖ H (§9.2), with at least 8 bytes of FF.
    pub(crate) fn verify_sha256(&self, hash: &[u8], signature: &[u8]) -> bool {
        let k = self.k;
        let t_len = SHA256_PREFIX.len() + hash.len();
        if signature.len() != k || hash.len() != 32 || k < t_len + 11 {
            return false;
        }
        let s = limbs(signature, self.m.n.len());
        if ge(&s, &self.m.n) {
            return false;
        }
        let em = self.public_op(&s);
        // I2OSP(m, k) compared with EM byte by byte, from the last byte.
        let ps_end = k - t_len - 1;
        (0..k).all(|i| {
            let want = match i {
                0 => 0,
                1 => 1,
                _ if i < ps_end => 0xff,
                _ if i == ps_end => 0,
                _ if i < k - hash.len() => SHA256_PREFIX[i - ps_end - 1],
                _ => hash[i - (k - hash.len())],
            };
            let j = k - 1 - i;
            (em[j / 4] >> (8 * (j % 4))) as u8 == want
        })
    }
}

// For the property test against num-bigint-dig (native only, as proptest is).
#[cfg(all(test, not(target_arch = "wasm32")))]
impl PublicKey {
    /// RSAVP1 of the big-endian `s` (< n): s^e mod n as k big-endian bytes.
    pub(crate) fn rsavp1(&self, s: &[u8]) -> Vec<u8> {
        let m = self.public_op(&limbs(strip(s), self.m.n.len()));
        (0..self.k)
            .rev()
            .map(|j| (m[j / 4] >> (8 * (j % 4))) as u8)
            .collect()
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::{SignatureEncoding, Signer};
    use rsa::traits::PublicKeyParts;
    use rsa::{BigUint, RsaPrivateKey};
    use sha2::{Digest, Sha256};

    fn key(bits: usize, e: u64) -> RsaPrivateKey {
        let mut rng = rand::thread_rng();
        RsaPrivateKey::new_with_exp(&mut rng, bits, &BigUint::from(e)).unwrap()
    }

    fn public(k: &RsaPrivateKey) -> PublicKey {
        PublicKey::new(&k.n().to_bytes_be(), &k.e().to_bytes_be()).unwrap()
    }

    #[test]
    fn signatures_of_rsa_verify_for_each_exponent_and_size_and_nothing_else_does() {
        for (bits, e) in [
            (2048, 65537),
            (1024, 3),
            (1024, 17),
            (3072, 65537),
            (1032, 65537),
        ] {
            let k = key(bits, e);
            let p = public(&k);
            let message = b"header.payload";
            let hash = Sha256::digest(message);
            let sig = SigningKey::<Sha256>::new(k.clone()).sign(message).to_vec();
            assert!(p.verify_sha256(&hash, &sig), "{bits} bits, e = {e}");
            // Any flipped bit, another message, a signature a byte short or long, or one ≥ n: refused.
            for i in [0, sig.len() / 2, sig.len() - 1] {
                let mut bad = sig.clone();
                bad[i] ^= 0x01;
                assert!(!p.verify_sha256(&hash, &bad), "flipped byte {i}");
            }
            assert!(!p.verify_sha256(&Sha256::digest(b"other"), &sig));
            assert!(!p.verify_sha256(&hash, &sig[1..]));
            let mut long = vec![0];
            long.extend_from_slice(&sig);
            assert!(!p.verify_sha256(&hash, &long));
            let n = k.n().to_bytes_be();
            assert!(!p.verify_sha256(&hash, &n), "s = n");
        }
    }

    #[test]
    fn the_kept_r_squared_serves_each_key_and_only_its_own() {
        let keys: Vec<_> = (0..6).map(|_| key(1024, 65537)).collect();
        let hash = Sha256::digest(b"m");
        let sigs: Vec<_> = keys
            .iter()
            .map(|k| SigningKey::<Sha256>::new(k.clone()).sign(b"m").to_vec())
            .collect();
        // Six moduli through a cache of four, twice over, in an order that evicts and reuses.
        for round in 0..2 {
            for (i, k) in keys.iter().enumerate().chain(keys.iter().enumerate().rev()) {
                let p = public(k);
                assert!(p.verify_sha256(&hash, &sigs[i]), "round {round}, key {i}");
                assert!(
                    !p.verify_sha256(&hash, &sigs[(i + 1) % 6]),
                    "another key's signature"
                );
            }
        }
    }

    #[test]
    fn keys_rsa_refuses_are_refused() {
        let k = key(1024, 65537);
        let n = k.n().to_bytes_be();
        let e = k.e().to_bytes_be();
        assert!(PublicKey::new(&n, &e).is_some());
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xfe;
        assert!(PublicKey::new(&even, &e).is_none(), "an even modulus");
        for bad_e in [&[1u8][..], &[2], &[0x01, 0x00, 0x00], &[0x02, 0, 0, 0, 0]] {
            assert!(PublicKey::new(&n, bad_e).is_none(), "e = {bad_e:?}");
        }
        assert!(
            PublicKey::new(&vec![0xff; 513], &e).is_none(),
            "over 4096 bits"
        );
        assert!(PublicKey::new(&[], &e).is_none(), "no modulus");
    }
}
