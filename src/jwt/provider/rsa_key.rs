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

/// An RSA public key, checked as `rsa` 0.9 checks one: n odd and at most 4096 bits, e odd,
/// 2 < e < n and e ≤ 2^33 − 1.
pub(crate) struct PublicKey {
    /// The modulus, least significant limb first, without leading zero limbs.
    n: Vec<u32>,
    /// −n⁻¹ mod 2^32.
    n_inv: u32,
    /// The modulus's length in bytes (k of RFC 8017).
    k: usize,
    e: u64,
}

fn strip(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[zeros..]
}

/// Big-endian bytes (at most 4·`len` of them) as `len` little-endian limbs.
fn limbs(bytes: &[u8], len: usize) -> Vec<u32> {
    let mut out = vec![0u32; len];
    for (i, &b) in bytes.iter().rev().enumerate() {
        out[i / 4] |= u32::from(b) << (8 * (i % 4));
    }
    out
}

/// a − b in place, returning the borrow.
fn sub_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u32::from(borrow));
        *x = d;
        borrow = b1 | b2;
    }
    borrow
}

/// Whether a ≥ b (equal lengths).
fn ge(a: &[u32], b: &[u32]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

impl PublicKey {
    /// The key of big-endian `n` and `e` (leading zeros allowed), or `None` if `rsa` would refuse it.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Option<Self> {
        let (n, e) = (strip(n), strip(e));
        // An empty modulus is no key (and 0 − 8 bits would overflow).
        let bits = n.len() * 8 - n.first()?.leading_zeros() as usize;
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
        // n⁻¹ mod 2^32 by Newton's iteration (each step doubles the correct low bits; n·n ≡ 1 mod 8).
        let mut inv = n[0];
        for _ in 0..4 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        Some(Self {
            n_inv: inv.wrapping_neg(),
            k: bits.div_ceil(8),
            n,
            e,
        })
    }

    /// a·b·R⁻¹ mod n (CIOS, Koç et al. 1996), for a, b < n.
    fn mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let n = &self.n;
        let l = n.len();
        let mut t = vec![0u32; l + 2];
        for &ai in a {
            let mut c = 0u64;
            for (tj, &bj) in t.iter_mut().zip(b) {
                let x = u64::from(*tj) + u64::from(ai) * u64::from(bj) + c;
                *tj = x as u32;
                c = x >> 32;
            }
            let x = u64::from(t[l]) + c;
            t[l] = x as u32;
            t[l + 1] = (x >> 32) as u32;
            let m = t[0].wrapping_mul(self.n_inv);
            let mut c = (u64::from(t[0]) + u64::from(m) * u64::from(n[0])) >> 32;
            for j in 1..l {
                let x = u64::from(t[j]) + u64::from(m) * u64::from(n[j]) + c;
                t[j - 1] = x as u32;
                c = x >> 32;
            }
            let x = u64::from(t[l]) + c;
            t[l - 1] = x as u32;
            t[l] = t[l + 1] + (x >> 32) as u32;
        }
        // t < 2n: one subtraction brings it below n.
        let top = t[l];
        t.truncate(l);
        if top != 0 || ge(&t, n) {
            sub_assign(&mut t, n);
        }
        t
    }

    /// 2·a mod n in place, for a < n.
    fn double(&self, a: &mut [u32]) {
        let mut carry = 0;
        for x in a.iter_mut() {
            let next = *x >> 31;
            *x = *x << 1 | carry;
            carry = next;
        }
        if carry != 0 || ge(a, &self.n) {
            sub_assign(a, &self.n);
        }
    }

    /// s^e mod n (RSAVP1, RFC 8017 §5.2.2), for s < n, as `n.len()` limbs.
    fn public_op(&self, s: &[u32]) -> Vec<u32> {
        let l = self.n.len();
        // R² mod n without a division: 2^(b−1) < n, where n has b bits, doubled 32·L − b + 1 times
        // is R mod n (1 in Montgomery form); doubled L more times, 2^L in Montgomery form; squared
        // five times, (2^L)^32 = R in Montgomery form, which is R² mod n.
        let bits = 32 * l - self.n[l - 1].leading_zeros() as usize;
        let mut x = vec![0u32; l];
        x[(bits - 1) / 32] = 1 << ((bits - 1) % 32);
        for _ in 0..(32 * l - bits + 1 + l) {
            self.double(&mut x);
        }
        for _ in 0..5 {
            x = self.mul(&x, &x);
        }
        // Left-to-right square-and-multiply in Montgomery form; e is odd, so its last step's
        // multiplication by s itself (not s·R) also leaves the form: s^(e−1)·R · s · R⁻¹ = s^e.
        let s_r = self.mul(s, &x);
        let mut acc = s_r.clone();
        let top = 63 - self.e.leading_zeros();
        for i in (1..top).rev() {
            acc = self.mul(&acc, &acc);
            if self.e >> i & 1 == 1 {
                acc = self.mul(&acc, &s_r);
            }
        }
        acc = self.mul(&acc, &acc);
        self.mul(&acc, s)
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
        let s = limbs(signature, self.n.len());
        if ge(&s, &self.n) {
            return false;
        }
        let m = self.public_op(&s);
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
            (m[j / 4] >> (8 * (j % 4))) as u8 == want
        })
    }
}

#[cfg(test)]
mod tests {
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
