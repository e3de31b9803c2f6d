//! The client side of Cognito's `USER_SRP_AUTH` (SRP-6a): the password never leaves the client.
//!
//! As Cognito's own clients compute it (amazon-cognito-identity-js `AuthenticationHelper`, pycognito
//! `AWSSRP`): the 3072-bit group of RFC 5054 (RFC 3526 §4) with g = 2 and SHA-256; a number hashed or
//! keyed as the bytes of its shortest big-endian form with a 0x00 in front when its top bit is set
//! ("padHex"); k = H(N ‖ g); u = H(A ‖ B); x = H(salt ‖ H(poolName ‖ userId ‖ ":" ‖ password));
//! S = (B − k·g^x)^(a + u·x) mod N; the key is HKDF-SHA256 of S with u as salt and the info
//! "Caldera Derived Key", 16 bytes; the claim is HMAC-SHA256 under that key of
//! poolName ‖ userId ‖ SECRET_BLOCK (decoded) ‖ timestamp, in base64. The pool name is the part of
//! the pool id after `_`; userId is the challenge's `USER_ID_FOR_SRP`.
//!
//! Checked against vectors an independent client computed (tests/vectors/srp/).

use sha2::{Digest, Sha256};

use crate::base64url;
use crate::bigint::{add_assign, ge, limbs, product, strip, sub_assign, to_bytes, Modulus};
use crate::error::{Error, ErrorKind, Result};
pub(crate) use crate::sigv4::hex as to_hex;

/// N of the 3072-bit group (RFC 3526 §4, RFC 5054 Appendix A), big-endian hex.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// Limbs of N.
const L: usize = 96;

/// The bytes of a hex text (an odd length has an implied leading 0), or `None`.
pub(crate) fn from_hex(hex: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(hex.len() / 2 + 1);
    let mut acc = 0u8;
    let mut odd = hex.len() % 2 == 1;
    for c in hex.bytes() {
        let d = (c as char).to_digit(16)? as u8;
        if odd {
            out.push(acc << 4 | d);
            acc = 0;
        } else {
            acc = d;
        }
        odd = !odd;
    }
    Some(out)
}

/// A number as Cognito's clients hash it: its shortest big-endian bytes, with a 0x00 in front when
/// the top bit is set (zero is one 0x00).
fn padded(number: &[u8]) -> Vec<u8> {
    let bytes = strip(number);
    let mut out = Vec::with_capacity(bytes.len() + 1);
    if bytes.first().is_none_or(|&b| b >= 0x80) {
        out.push(0);
    }
    out.extend_from_slice(bytes);
    out
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    Sha256::digest(parts.concat()).into()
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    crate::sigv4::hmac(key, &parts.concat())
}

/// The group and what arithmetic in it needs.
struct Group {
    m: Modulus,
    /// R² mod N.
    r2: Vec<u32>,
    /// R mod N (1 in Montgomery form).
    one: Vec<u32>,
    /// g in Montgomery form.
    g: Vec<u32>,
}

impl Group {
    fn new() -> Self {
        let n = from_hex(N_HEX).expect("N is hex");
        let m = Modulus::new(limbs(&n, L));
        let r2 = m.r_squared();
        let mut one = vec![0u32; L];
        one[0] = 1;
        let one = m.to_montgomery(&one, &r2);
        let mut two = vec![0u32; L];
        two[0] = 2;
        let g = m.to_montgomery(&two, &r2);
        Self { m, r2, one, g }
    }

    /// g^exp mod N (`exp` big-endian), out of Montgomery form.
    fn g_pow(&self, exp: &[u8]) -> Vec<u32> {
        self.m
            .out_of_montgomery(&self.m.pow(&self.g, exp, &self.one))
    }
}

/// One SRP sign-in on the client side: the private value a and the public A = g^a mod N.
pub(crate) struct SrpClient {
    group: Group,
    /// a, big-endian (at most N's length).
    a: Vec<u8>,
    /// A, big-endian, shortest form.
    big_a: Vec<u8>,
}

impl std::fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrpClient { a: \"[redacted]\" }")
    }
}

/// A malformed `PASSWORD_VERIFIER` challenge.
fn bad_challenge(what: &str) -> Error {
    Error::new(
        ErrorKind::Network,
        crate::error::concat(&["the PASSWORD_VERIFIER challenge is malformed: ", what]),
    )
}

impl SrpClient {
    /// The client of the private value `a` (32 random bytes; a value that would make A ≡ 0 cannot
    /// occur for a < N and g = 2, as N is prime).
    pub(crate) fn new(a: [u8; 32]) -> Self {
        Self::with_private(&a)
    }

    /// The client of the private value `a` of any length up to N's (the vectors' clients use
    /// 128 bytes).
    fn with_private(a: &[u8]) -> Self {
        let group = Group::new();
        let big_a = to_bytes(&group.g_pow(a));
        Self {
            group,
            a: a.to_vec(),
            big_a,
        }
    }

    /// `SRP_A`: A in lowercase hex, as Cognito's clients send it.
    pub(crate) fn public_hex(&self) -> String {
        to_hex(&self.big_a)
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for the challenge's `SALT`, `SRP_B` (hex) and `SECRET_BLOCK`
    /// (base64), the user's `USER_ID_FOR_SRP`, `password`, the pool name (the part of the pool id
    /// after `_`) and `timestamp` ([`timestamp`]). A malformed or unsafe challenge (B ≡ 0 mod N,
    /// B ≥ N, u = 0) is an error, and nothing is derived from it.
    pub(crate) fn claim(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
        challenge: (&str, &str, &str),
        timestamp: &str,
    ) -> Result<String> {
        let (salt_hex, b_hex, secret_block) = challenge;
        let Group { m, r2, .. } = &self.group;
        let salt = from_hex(salt_hex).ok_or_else(|| bad_challenge("SALT is not hex"))?;
        let b = from_hex(b_hex).ok_or_else(|| bad_challenge("SRP_B is not hex"))?;
        let secret = base64url::decode_std(secret_block.as_bytes())
            .ok_or_else(|| bad_challenge("SECRET_BLOCK is not base64"))?;
        let b = strip(&b);
        if b.is_empty() || b.len() > 4 * L || ge(&limbs(b, L), &m.n) {
            return Err(bad_challenge("SRP_B is not in 1..N"));
        }
        let n_bytes = to_bytes(&m.n);
        let k = sha256(&[&padded(&n_bytes), &[2]]);
        let u = sha256(&[&padded(&self.big_a), &padded(b)]);
        if strip(&u).is_empty() {
            return Err(bad_challenge("u = H(A, B) is 0"));
        }
        let inner = sha256(&[
            pool_name.as_bytes(),
            user_id.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        let x = sha256(&[&padded(&salt), &inner]);
        // B − k·g^x mod N, in Montgomery form.
        let gx = m.pow(&self.group.g, &x, &self.group.one);
        let mut kgx = vec![0u32; L];
        m.mul(&m.to_montgomery(&limbs(&k, L), r2), &gx, &mut kgx);
        let mut base = m.to_montgomery(&limbs(b, L), r2);
        if sub_assign(&mut base, &kgx) {
            add_assign(&mut base, &m.n);
        }
        // a + u·x, a plain (not modular) number.
        let mut exp = product(&limbs(&u, 8), &limbs(&x, 8));
        let mut a = limbs(&self.a, self.a.len().div_ceil(4));
        let len = exp.len().max(a.len()) + 1;
        exp.resize(len, 0);
        a.resize(len, 0);
        add_assign(&mut exp, &a);
        let s = m.out_of_montgomery(&m.pow(&base, &to_bytes(&exp), &self.group.one));
        // HKDF-SHA256 (RFC 5869) with one block of output, cut to 16 bytes.
        let prk = hmac_sha256(&padded(&u), &[&padded(&to_bytes(&s))]);
        let okm = hmac_sha256(&prk, &[b"Caldera Derived Key\x01"]);
        let signature = hmac_sha256(
            &okm[..16],
            &[
                pool_name.as_bytes(),
                user_id.as_bytes(),
                &secret,
                timestamp.as_bytes(),
            ],
        );
        Ok(base64url::encode_std(&signature))
    }
}

/// `TIMESTAMP` of a `PASSWORD_VERIFIER` answer: `Tue Dec 3 17:41:52 UTC 2026` (the day of the month
/// not padded), for `unix_seconds`.
pub(crate) fn timestamp(unix_seconds: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era * 400 + yoe + u64::from(month <= 2);
    let two = |n: u64| {
        let digits = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        String::from_utf8_lossy(&digits).into_owned()
    };
    crate::error::concat(&[
        DAYS[(days % 7) as usize],
        " ",
        MONTHS[(month - 1) as usize],
        " ",
        &day.to_string(),
        " ",
        &two(secs / 3600),
        ":",
        &two(secs / 60 % 60),
        ":",
        &two(secs % 60),
        " UTC ",
        &year.to_string(),
    ])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn timestamps_as_cognito_reads_them() {
        assert_eq!(timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(timestamp(1_796_319_712), "Thu Dec 3 17:41:52 UTC 2026");
        assert_eq!(timestamp(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(timestamp(4_102_444_799), "Thu Dec 31 23:59:59 UTC 2099");
    }

    #[test]
    fn hex_and_padding() {
        assert_eq!(from_hex("abc"), Some(vec![0x0a, 0xbc]));
        assert_eq!(from_hex("0A0b"), Some(vec![0x0a, 0x0b]));
        assert_eq!(from_hex("xy"), None);
        assert_eq!(to_hex(&[0, 0xfe, 0x1]), "00fe01");
        assert_eq!(padded(&[0, 0, 0x7f]), vec![0x7f]);
        assert_eq!(padded(&[0x80]), vec![0, 0x80]);
        assert_eq!(padded(&[]), vec![0]);
    }

    #[test]
    fn the_claim_is_what_a_server_computes_from_its_verifier() {
        let (pool, user, password) = ("Abc123xyz", "b1c2d3e4-user", "Correct horse 9!");
        for seed in 0u8..4 {
            let a: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ seed);
            let client = SrpClient::new(a);
            let salt = [
                seed | 0x80,
                1,
                2,
                3,
                4,
                5,
                6,
                7,
                8,
                9,
                10,
                11,
                12,
                13,
                14,
                15,
            ];
            let server = TestServer::new(pool, user, password, &salt, seed);
            let secret = [seed; 48];
            let block = base64url::encode_std(&secret);
            let ts = timestamp(1_796_319_712);
            let (salt_hex, b_hex) = (to_hex(&salt), server.b_hex());
            let got = client
                .claim(pool, user, password, (&salt_hex, &b_hex, &block), &ts)
                .unwrap();
            assert_eq!(
                got,
                server.signature(&client.public_hex(), &secret, &ts),
                "seed {seed}"
            );
            let wrong = client
                .claim(pool, user, "wrong", (&salt_hex, &b_hex, &block), &ts)
                .unwrap();
            assert_ne!(wrong, got);
        }
    }

    /// tests/vectors/srp/cognito-srp.json: computed by pycognito's `AWSSRP` (an independent Cognito
    /// SRP client) with fixed inputs, including A, B and the salt with their top bit set.
    #[test]
    fn the_claims_of_an_independent_client_are_reproduced() {
        let text = include_str!("../tests/vectors/srp/cognito-srp.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["N"].as_str().unwrap().to_ascii_uppercase(), N_HEX);
        let cases = v["cases"].as_array().unwrap();
        assert!(cases.len() >= 3);
        for c in cases {
            let f = |k: &str| c[k].as_str().unwrap_or_else(|| panic!("{k}"));
            let client = SrpClient::with_private(&from_hex(f("a")).unwrap());
            assert_eq!(
                client.public_hex(),
                f("A").trim_start_matches('0'),
                "{}",
                f("name")
            );
            let claim = client
                .claim(
                    f("poolName"),
                    f("userIdForSrp"),
                    f("password"),
                    (f("salt"), f("B"), f("secretBlock")),
                    f("timestamp"),
                )
                .unwrap();
            assert_eq!(claim, f("PASSWORD_CLAIM_SIGNATURE"), "{}", f("name"));
        }
    }

    #[test]
    fn unsafe_or_malformed_challenges_are_refused() {
        let client = SrpClient::new([7; 32]);
        let n = N_HEX.to_ascii_lowercase();
        let block = base64url::encode_std(&[1; 16]);
        for (salt, b, block) in [
            ("00ff", "0", block.as_str()),
            ("00ff", n.as_str(), &block),
            ("00ff", &format!("1{n}"), &block),
            ("zz", "05", &block),
            ("00ff", "0x5", &block),
            ("00ff", "05", "not base64"),
        ] {
            let e = client
                .claim("pool", "user", "pw", (salt, b, block), "now")
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Network, "{salt} {b} {block}");
            assert!(e.message().contains("PASSWORD_VERIFIER"));
        }
        assert!(!format!("{client:?}").contains("7, 7"), "a is not in Debug");
    }

    /// The server's side of SRP for tests (RFC 5054 §2.6, with num-bigint-dig): B = k·v + g^b with
    /// v = g^x, S = (A·v^u)^b; the claim the server expects is the HMAC under the key it derives.
    pub(crate) struct TestServer {
        pool: String,
        user: String,
        v: rsa::BigUint,
        b: rsa::BigUint,
        big_b: rsa::BigUint,
    }

    impl TestServer {
        fn n() -> rsa::BigUint {
            rsa::BigUint::from_bytes_be(&from_hex(N_HEX).unwrap())
        }

        /// The verifier of `user`'s `password` with `salt`, and a private b made from `seed`.
        pub(crate) fn new(pool: &str, user: &str, password: &str, salt: &[u8], seed: u8) -> Self {
            use rsa::BigUint;
            let (n, g) = (Self::n(), BigUint::from(2u32));
            let inner = sha256(&[pool.as_bytes(), user.as_bytes(), b":", password.as_bytes()]);
            let x = BigUint::from_bytes_be(&sha256(&[&padded(salt), &inner]));
            let v = g.modpow(&x, &n);
            let k = BigUint::from_bytes_be(&sha256(&[&padded(&n.to_bytes_be()), &[2]]));
            let b = BigUint::from_bytes_be(&[seed.wrapping_add(9); 32]);
            let big_b = (&k * &v + g.modpow(&b, &n)) % &n;
            Self {
                pool: pool.into(),
                user: user.into(),
                v,
                b,
                big_b,
            }
        }

        /// `SRP_B`.
        pub(crate) fn b_hex(&self) -> String {
            to_hex(&self.big_b.to_bytes_be())
        }

        /// The `PASSWORD_CLAIM_SIGNATURE` the server expects from the client of `a_hex`.
        pub(crate) fn signature(&self, a_hex: &str, secret: &[u8], timestamp: &str) -> String {
            use rsa::BigUint;
            let n = Self::n();
            let big_a = BigUint::from_bytes_be(&from_hex(a_hex).unwrap());
            let u = sha256(&[
                &padded(&big_a.to_bytes_be()),
                &padded(&self.big_b.to_bytes_be()),
            ]);
            let s = (&big_a * self.v.modpow(&BigUint::from_bytes_be(&u), &n)).modpow(&self.b, &n);
            let prk = hmac_sha256(&padded(&u), &[&padded(&s.to_bytes_be())]);
            let key = hmac_sha256(&prk, &[b"Caldera Derived Key\x01"]);
            let mac = hmac_sha256(
                &key[..16],
                &[
                    self.pool.as_bytes(),
                    self.user.as_bytes(),
                    secret,
                    timestamp.as_bytes(),
                ],
            );
            base64url::encode_std(&mac)
        }
    }
}
