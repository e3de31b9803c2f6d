#!/usr/bin/env python3
"""Cognito SRP test vectors computed with pycognito's AWSSRP (an independent client implementation).

Writes tests/vectors/srp/cognito-srp.json (at the repository root): for several FIXED inputs (client
secret a, server secret b, salt, pool id, username, password, secret block, timestamp) every value of a
USER_SRP_AUTH sign-in as hex (numbers: lower-case, no padding; `*_padded`: the hex Cognito's clients hash,
with pycognito's pad_hex) or base64: N, g, k, A, B, u, x, v, S, the HKDF key, the parts of the signed
message and PASSWORD_CLAIM_SIGNATURE. The client side (A, u, S, key, signature) comes from pycognito's own
methods; the server side (v, B) is computed here with pycognito's helpers: B = k*v + g^b mod N.

Regenerate (same venv as test.sh; the output is deterministic, so it must not change):
    target/devstack-venv/bin/python devstack/tests/srp_vectors.py
Check without writing: add --check (exits 1 when the file differs). devstack's unit tests
(src/srp.rs) check the server side against this file.
"""

import argparse
import base64
import hashlib
import hmac
import json
import pathlib
import sys

import pycognito
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP, N_HEX, G_HEX, hex_hash, hex_to_long, long_to_hex, pad_hex

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors" / "srp" / "cognito-srp.json"


def det(label: str, n: int) -> int:
    """A fixed number from a label: n bytes of SHA-256 in counter mode."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}|{i}".encode()).digest()
        i += 1
    return int.from_bytes(out[:n], "big")


def case(name, pool_id, username, password, salt_hex, a, b, secret_block, timestamp):
    srp = AWSSRP(username=username, password=password, pool_id=pool_id, client_id="vectors", client=object())
    big_n, g, k = srp.big_n, srp.val_g, srp.val_k
    srp.small_a_value = a % big_n
    srp.large_a_value = srp.calculate_a()
    big_a = srp.large_a_value
    pool_name = pool_id.split("_")[1]
    # The server side, from the stored verifier.
    inner = aws_srp.hash_sha256(f"{pool_name}{username}:{password}".encode())
    x = hex_to_long(hex_hash(pad_hex(salt_hex) + inner))
    v = pow(g, x, big_n)
    big_b = (k * v + pow(g, b, big_n)) % big_n
    u = aws_srp.calculate_u(big_a, big_b)
    s_client = pow(big_b - k * pow(g, x, big_n), srp.small_a_value + u * x, big_n)
    s_server = pow(big_a * pow(v, u, big_n), b, big_n)
    assert s_client == s_server, name
    key = srp.get_password_authentication_key(username, password, big_b, salt_hex)
    # Our HKDF must agree with pycognito's.
    prk = hmac.new(bytes.fromhex(pad_hex(long_to_hex(u))), bytes.fromhex(pad_hex(s_client)), hashlib.sha256).digest()
    assert hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16] == key
    block_b64 = base64.standard_b64encode(secret_block).decode()
    AWSSRP.get_cognito_formatted_timestamp = staticmethod(lambda _dt: timestamp)
    params = {
        "USER_ID_FOR_SRP": username, "USERNAME": username, "SALT": salt_hex,
        "SRP_B": long_to_hex(big_b), "SECRET_BLOCK": block_b64,
    }
    answer = srp.process_challenge(params, {"USERNAME": username})
    message = pool_name.encode() + username.encode() + secret_block + timestamp.encode()
    expected = base64.standard_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    assert answer["PASSWORD_CLAIM_SIGNATURE"] == expected, name
    return {
        "name": name,
        "poolId": pool_id, "poolName": pool_name, "username": username, "userIdForSrp": username,
        "password": password,
        "a": long_to_hex(srp.small_a_value), "A": long_to_hex(big_a), "A_padded": pad_hex(big_a),
        "b": long_to_hex(b), "B": long_to_hex(big_b), "B_padded": pad_hex(big_b),
        "salt": salt_hex, "salt_padded": pad_hex(salt_hex),
        "usernamePasswordHash": inner,
        "x": long_to_hex(x), "v": long_to_hex(v),
        "u": long_to_hex(u), "u_padded": pad_hex(long_to_hex(u)),
        "S": long_to_hex(s_client), "S_padded": pad_hex(s_client),
        "hkdfKey": key.hex(),
        "secretBlock": block_b64, "secretBlockHex": secret_block.hex(),
        "timestamp": timestamp,
        "message": {
            "poolName": pool_name, "userIdForSrp": username, "secretBlock": block_b64,
            "timestamp": timestamp, "hex": message.hex(),
        },
        "challengeParameters": params,
        "challengeResponses": answer,
        "PASSWORD_CLAIM_SIGNATURE": answer["PASSWORD_CLAIM_SIGNATURE"],
    }


def find(label, want_a_high, want_b_high, salt_hex, pool_id, username, password):
    """The first seed whose A and B have the wanted top bit (A_padded / B_padded starting with 00)."""
    srp = AWSSRP(username=username, password=password, pool_id=pool_id, client_id="vectors", client=object())
    big_n, g, k = srp.big_n, srp.val_g, srp.val_k
    pool_name = pool_id.split("_")[1]
    inner = aws_srp.hash_sha256(f"{pool_name}{username}:{password}".encode())
    v = pow(g, hex_to_long(hex_hash(pad_hex(salt_hex) + inner)), big_n)
    for seed in range(1000):
        a = det(f"{label}|a|{seed}", 128) % big_n
        b = det(f"{label}|b|{seed}", 128) % big_n
        big_a = pow(g, a, big_n)
        big_b = (k * v + pow(g, b, big_n)) % big_n
        a_high = pad_hex(big_a).startswith("00")
        b_high = pad_hex(big_b).startswith("00")
        if a_high == want_a_high and b_high == want_b_high:
            return a, b
    raise SystemExit(f"no seed for {label}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    specs = [
        # name, pool, username, password, salt, A high bit, B high bit, secret block, timestamp
        ("no padding", "us-east-1_ShopSphr1", "demo", "ShopSphere!2026", "3f2a9c0d4e5b6a7182930a1b2c3d4e5f",
         False, False, bytes(range(64)), "Thu Dec 3 17:41:52 UTC 2026"),
        ("A and B padded (top bit set), salt padded", "us-east-1_ShopSphr1", "rival", "Rival!2026pass",
         "c0ffee00112233445566778899aabbcc", True, True, hashlib.sha512(b"block").digest(),
         "Mon Jan 5 09:03:07 UTC 2026"),
        ("A padded, odd-length salt, other pool", "eu-west-1_AbCdEf123", "user@example.test", "Pässwörd!9",
         "abc123def4567", True, False, b"\x00\xff" * 48, "Sun Feb 29 23:59:59 UTC 2032"),
    ]
    cases = []
    for name, pool, user, pw, salt, ah, bh, block, ts in specs:
        a, b = find(name, ah, bh, salt, pool, user, pw)
        cases.append(case(name, pool, user, pw, salt, a, b, block, ts))
    srp = AWSSRP(username="u", password="p", pool_id="us-east-1_X", client_id="c", client=object())
    doc = {
        "description": "Cognito SRP-6a (USER_SRP_AUTH / PASSWORD_VERIFIER) vectors computed with pycognito "
        "AWSSRP; numbers are lower-case hex without leading zeros unless *_padded (pycognito pad_hex). "
        "Written by devstack/tests/srp_vectors.py; do not edit by hand.",
        "pycognito": pycognito.__version__ if hasattr(pycognito, "__version__") else "2024.5.1",
        "N": N_HEX.lower(), "g": G_HEX, "k": long_to_hex(srp.val_k),
        "k_input": ("00" + N_HEX + "0" + G_HEX).lower(),
        "hkdfInfo": "Caldera Derived Key", "hkdfLength": 16,
        "timestampFormat": "EEE MMM d HH:mm:ss 'UTC' yyyy (day of month not zero-padded)",
        "cases": cases,
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT}: {'unchanged' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(cases)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
