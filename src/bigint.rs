//! The big-integer arithmetic of the crate's two public-key computations: RSA verification
//! ([`crate::jwt`]'s RS256) and the SRP client ([`crate::srp`]). Numbers are little-endian vectors of
//! 32-bit limbs (wasm32 has no wider multiply); arithmetic modulo an odd n is Montgomery's: with L
//! limbs, R = 2^(32·L), and [`Modulus::mul`] computes a·b·R⁻¹ mod n.
//!
//! Nothing here runs in constant time. RSA verification handles only public values; SRP's private
//! exponent is a fresh random value used once, in a browser, where the timing of one computation is
//! not observable by the server it talks to (as in the JavaScript clients Cognito publishes).

/// `bytes` without its leading zero bytes.
pub(crate) fn strip(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[zeros..]
}

/// Big-endian bytes (at most 4·`len` of them) as `len` little-endian limbs.
pub(crate) fn limbs(bytes: &[u8], len: usize) -> Vec<u32> {
    let mut out = vec![0u32; len];
    for (i, &b) in bytes.iter().rev().enumerate() {
        out[i / 4] |= u32::from(b) << (8 * (i % 4));
    }
    out
}

/// Little-endian limbs as big-endian bytes, without leading zero bytes.
pub(crate) fn to_bytes(limbs: &[u32]) -> Vec<u8> {
    let bytes: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
    strip(&bytes).to_vec()
}

/// a − b in place (equal lengths), returning the borrow.
pub(crate) fn sub_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u32::from(borrow));
        *x = d;
        borrow = b1 | b2;
    }
    borrow
}

/// a + b in place (equal lengths), returning the carry.
pub(crate) fn add_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut carry = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let s = u64::from(*x) + u64::from(y) + carry;
        *x = s as u32;
        carry = s >> 32;
    }
    carry != 0
}

/// Whether a ≥ b (equal lengths).
pub(crate) fn ge(a: &[u32], b: &[u32]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

/// The product a·b (schoolbook), `a.len() + b.len()` limbs.
pub(crate) fn product(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = u64::from(out[i + j]) + u64::from(x) * u64::from(y) + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
        }
        out[i + b.len()] = carry as u32;
    }
    out
}

/// An odd modulus n and what Montgomery multiplication by it needs.
pub(crate) struct Modulus {
    /// n, least significant limb first, without leading zero limbs.
    pub(crate) n: Vec<u32>,
    /// −n⁻¹ mod 2^32.
    n_inv: u32,
}

impl Modulus {
    /// The modulus of `n` (odd, without leading zero limbs: the caller checks).
    pub(crate) fn new(n: Vec<u32>) -> Self {
        // n⁻¹ mod 2^32 by Newton's iteration (each step doubles the correct low bits; n·n ≡ 1 mod 8).
        let mut inv = n[0];
        for _ in 0..4 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        Self {
            n,
            n_inv: inv.wrapping_neg(),
        }
    }

    /// a·b·R⁻¹ mod n into `out` (`n.len()` limbs), for a, b < n: Montgomery multiplication with
    /// the multiplication and the reduction in one pass over the limbs (FIOS, Koç et al. 1996).
    pub(crate) fn mul(&self, a: &[u32], b: &[u32], out: &mut [u32]) {
        let n = &self.n[..];
        let l = n.len();
        let (b, t) = (&b[..l], &mut out[..l]);
        assert!(l > 0 && n.len() == l && b.len() == l && t.len() == l);
        t.fill(0);
        // The limb above t (t < 2n < 2R, so it is 0 or 1 between the rounds).
        let mut top = 0u64;
        for &ai in &a[..l] {
            let ai = u64::from(ai);
            let x = u64::from(t[0]) + ai * u64::from(b[0]);
            let m = u64::from((x as u32).wrapping_mul(self.n_inv));
            let mut c1 = x >> 32;
            let mut c2 = (u64::from(x as u32) + m * u64::from(n[0])) >> 32;
            for j in 1..l {
                let x = u64::from(t[j]) + ai * u64::from(b[j]) + c1;
                c1 = x >> 32;
                let y = u64::from(x as u32) + m * u64::from(n[j]) + c2;
                c2 = y >> 32;
                t[j - 1] = y as u32;
            }
            let s = top + c1 + c2;
            t[l - 1] = s as u32;
            top = s >> 32;
        }
        // t < 2n: one subtraction brings it below n.
        if top != 0 || ge(t, n) {
            sub_assign(t, n);
        }
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

    /// R² mod n, the factor into Montgomery form, without a division: 2^(b−1) < n, where n has b bits,
    /// doubled 32·L − b + 1 times is R mod n (1 in Montgomery form); doubled L more times, 2^L in
    /// Montgomery form; squared five times, (2^L)^32 = R in Montgomery form, which is R² mod n.
    pub(crate) fn r_squared(&self) -> Vec<u32> {
        let l = self.n.len();
        let bits = 32 * l - self.n[l - 1].leading_zeros() as usize;
        let mut x = vec![0u32; l];
        x[(bits - 1) / 32] = 1 << ((bits - 1) % 32);
        for _ in 0..(32 * l - bits + 1 + l) {
            self.double(&mut x);
        }
        let mut y = vec![0u32; l];
        for _ in 0..5 {
            self.mul(&x, &x, &mut y);
            std::mem::swap(&mut x, &mut y);
        }
        x
    }

    /// x in Montgomery form (x·R mod n), for x < n, given R² mod n.
    pub(crate) fn to_montgomery(&self, x: &[u32], r2: &[u32]) -> Vec<u32> {
        let mut out = vec![0u32; self.n.len()];
        self.mul(x, r2, &mut out);
        out
    }

    /// x out of Montgomery form (x·R⁻¹ mod n).
    pub(crate) fn out_of_montgomery(&self, x: &[u32]) -> Vec<u32> {
        let mut one = vec![0u32; self.n.len()];
        one[0] = 1;
        let mut out = vec![0u32; self.n.len()];
        self.mul(x, &one, &mut out);
        out
    }

    /// base^exp in Montgomery form, for `base` in Montgomery form and the big-endian exponent `exp`
    /// (left-to-right square-and-multiply); `one` is R mod n (1 in Montgomery form).
    pub(crate) fn pow(&self, base: &[u32], exp: &[u8], one: &[u32]) -> Vec<u32> {
        let mut x = one.to_vec();
        let mut y = vec![0u32; self.n.len()];
        for byte in exp {
            for bit in (0..8).rev() {
                self.mul(&x, &x, &mut y);
                if byte >> bit & 1 == 1 {
                    self.mul(&y, base, &mut x);
                } else {
                    std::mem::swap(&mut x, &mut y);
                }
            }
        }
        x
    }
}
