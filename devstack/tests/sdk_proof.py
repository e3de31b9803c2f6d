#!/usr/bin/env python3
"""Proof with an official AWS SDK (boto3) against a running devstack.

InitiateAuth (USER_PASSWORD_AUTH, demo user) -> GetId -> GetCredentialsForIdentity -> PutObject and
GetObject into avatars/private/<identityId>/x.txt with those credentials; the same PutObject with a wrong
secret must fail with SignatureDoesNotMatch. Exits non-zero on any failure; the last line is
`N passed, M failed`.

Usage: sdk_proof.py --cognito http://127.0.0.1:9230 --s3 http://127.0.0.1:9231
"""

import argparse
import sys
import traceback

import boto3
import botocore
from botocore.config import Config

REGION = "us-east-1"
USER_POOL = "us-east-1_ShopSphr1"
CLIENT_ID = "shopspheredemoclient000001"
IDENTITY_POOL = "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cognito", default="http://127.0.0.1:9230")
    ap.add_argument("--s3", default="http://127.0.0.1:9231")
    ap.add_argument("--username", default="demo")
    ap.add_argument("--password", default="ShopSphere!2026")
    args = ap.parse_args()

    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}")
    # The unsigned Cognito operations need no credentials; give dummy ones so that no credential chain
    # lookup (instance metadata, ~/.aws) happens.
    dummy = dict(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy")
    session = boto3.session.Session(region_name=REGION)
    idp = session.client("cognito-idp", endpoint_url=args.cognito, **dummy)
    identity = session.client("cognito-identity", endpoint_url=args.cognito, **dummy)

    results = []
    state = {}

    def check(name, fn):
        try:
            fn()
            results.append((name, True))
            print(f"PASS {name}")
        except Exception:  # noqa: BLE001 - report every failure and go on
            results.append((name, False))
            print(f"FAIL {name}")
            traceback.print_exc()

    def initiate_auth():
        r = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=CLIENT_ID,
            AuthParameters={"USERNAME": args.username, "PASSWORD": args.password},
        )
        ar = r["AuthenticationResult"]
        assert ar["TokenType"] == "Bearer" and ar["IdToken"] and ar["RefreshToken"], ar
        state["id_token"] = ar["IdToken"]

    def initiate_auth_wrong_password():
        try:
            idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=CLIENT_ID,
                AuthParameters={"USERNAME": args.username, "PASSWORD": "wrong-password"},
            )
        except idp.exceptions.NotAuthorizedException:
            return
        raise AssertionError("wrong password was accepted")

    def get_id():
        r = identity.get_id(IdentityPoolId=IDENTITY_POOL, Logins={PROVIDER: state["id_token"]})
        assert r["IdentityId"].startswith(REGION + ":"), r
        state["identity_id"] = r["IdentityId"]

    def get_credentials():
        r = identity.get_credentials_for_identity(
            IdentityId=state["identity_id"], Logins={PROVIDER: state["id_token"]}
        )
        c = r["Credentials"]
        assert c["AccessKeyId"] and c["SecretKey"] and c["SessionToken"], c
        assert c["Expiration"] is not None  # botocore parsed the epoch number into a datetime
        state["creds"] = c

    def get_id_tampered_token():
        token = state["id_token"]
        head, payload, sig = token.split(".")
        bad = ".".join([head, payload, ("A" if sig[0] != "A" else "B") + sig[1:]])
        try:
            identity.get_id(IdentityPoolId=IDENTITY_POOL, Logins={PROVIDER: bad})
        except identity.exceptions.NotAuthorizedException:
            return
        raise AssertionError("tampered ID token was accepted")

    def s3_client(secret=None):
        c = state["creds"]
        return session.client(
            "s3",
            endpoint_url=args.s3,
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=secret or c["SecretKey"],
            aws_session_token=c["SessionToken"],
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def key():
        return f"private/{state['identity_id']}/x.txt"

    def put_get():
        s3 = s3_client()
        body = b"hello from boto3\n"
        put = s3.put_object(Bucket="avatars", Key=key(), Body=body, ContentType="text/plain")
        assert put["ETag"], put
        got = s3.get_object(Bucket="avatars", Key=key())
        assert got["Body"].read() == body
        assert got["ETag"] == put["ETag"]
        head = s3.head_object(Bucket="avatars", Key=key())
        assert head["ContentLength"] == len(body)

    def presigned_get():
        import urllib.request

        url = s3_client().generate_presigned_url("get_object", Params={"Bucket": "avatars", "Key": key()}, ExpiresIn=300)
        with urllib.request.urlopen(url) as r:
            assert r.read() == b"hello from boto3\n"

    def put_wrong_secret():
        s3 = s3_client(secret="x" * 40)
        try:
            s3.put_object(Bucket="avatars", Key=key(), Body=b"nope")
        except botocore.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
            assert code == "SignatureDoesNotMatch", code
            return
        raise AssertionError("PutObject with a wrong secret succeeded")

    def put_other_prefix():
        s3 = s3_client()
        try:
            s3.put_object(Bucket="avatars", Key="private/us-east-1:00000000-0000-4000-8000-000000000000/x.txt", Body=b"x")
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "AccessDenied", e.response["Error"]
            return
        raise AssertionError("PutObject into another identity's prefix succeeded")

    check("InitiateAuth USER_PASSWORD_AUTH", initiate_auth)
    check("InitiateAuth wrong password -> NotAuthorizedException", initiate_auth_wrong_password)
    check("GetId", get_id)
    check("GetCredentialsForIdentity", get_credentials)
    check("GetId tampered ID token -> NotAuthorizedException", get_id_tampered_token)
    check("PutObject + GetObject + HeadObject own prefix", put_get)
    check("presigned GetObject", presigned_get)
    check("PutObject wrong secret -> SignatureDoesNotMatch", put_wrong_secret)
    check("PutObject another identity's prefix -> AccessDenied", put_other_prefix)

    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
