#!/usr/bin/env python3
"""Proof with an official AWS SDK (boto3) against a running devstack.

InitiateAuth (USER_PASSWORD_AUTH, demo user); pycognito's AWSSRP (an independent SRP client) signs in with
USER_SRP_AUTH + PASSWORD_VERIFIER (a wrong password refused, the temporary-password user through
NEW_PASSWORD_REQUIRED, a TOTP user gets SOFTWARE_TOKEN_MFA) -> GetId -> GetCredentialsForIdentity (and a guest
identity given a login: linked to a new user, merged into an existing user's identity) -> PutObject and
GetObject into avatars/private/<identityId>/x.txt with those credentials; the same PutObject with a wrong
secret must fail with SignatureDoesNotMatch. Roles: the seeded editor's ID token names the editors' role,
GetCredentialsForIdentity with CustomRoleArn gives it and refuses a role not in the token
(InvalidParameterException), the editors' role reads the demo user's object, lists private/ (ListObjectsV2)
and may not overwrite it, and the demo user is refused the editor's object and the listing (403 AccessDenied). With the same credentials: DynamoDB PutItem, GetItem,
UpdateItem, Query, DeleteItem on the identity's own item, and the refusals (a failed condition, another
identity's key, a wrong secret, a bad expression). Then the account operations of a fresh user: GetUser,
UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute (code from the outbox),
ChangePassword, DeleteUser, and their refusals (wrong code, weak or wrong password, an access token
without the aws.cognito.signin.user.admin scope). Then the self-service operations with a new user:
SignUp, ConfirmSignUp (the code read from GET /_devstack/outbox), ResendConfirmationCode, ForgotPassword,
ConfirmForgotPassword, AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference, and the
SOFTWARE_TOKEN_MFA challenge of InitiateAuth answered with RespondToAuthChallenge (TOTP codes computed
here from RFC 6238 with the standard library), EMAIL_OTP MFA, SELECT_MFA_TYPE (TOTP and email on, none
preferred), with their refusals. Federation: a sign-in through the local
"Acme Corp SSO" (OIDC, by idp_identifier) and GetUser with its tokens (the user AcmeSSO_<sub> and its
identities attribute), GetId with its ID token; a Facebook sign-in linked to the native user rival, whose
InitiateAuth then gets tokens and GetUser whose identities list Facebook. Exits non-zero on any failure; the
last line is `N passed, M failed`.

Usage: sdk_proof.py --cognito http://127.0.0.1:9230 --s3 http://127.0.0.1:9231 --dynamodb http://127.0.0.1:9232
"""

import argparse
import base64
import hashlib
import hmac
import html
import http.client
import json
import re
import struct
import sys
import time
import traceback
import urllib.parse
import urllib.request
import uuid

import boto3
import botocore
from botocore.config import Config
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import SoftwareTokenMFAChallengeException

REGION = "us-east-1"
USER_POOL = "us-east-1_ShopSphr1"
CLIENT_ID = "shopspheredemoclient000001"
IDENTITY_POOL = "us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL}"
TABLE = "shopsphere-profiles"
EDITOR_ROLE = "arn:aws:iam::000000000000:role/ShopSphereEditors"
AUTH_ROLE = "arn:aws:iam::000000000000:role/Cognito_ShopSphereidentitiesAuth_Role"
REDIRECT = "http://localhost:8080/"


def error_code(fn):
    """Runs fn, which must fail with a ClientError; returns its error code."""
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


def browser_access_token(cognito, username, password, scope):
    """Managed login as a browser does it (authorize, the sign-in form, the code exchange with PKCE),
    for an access token with the given scope."""
    verifier = "v" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    u = urllib.parse.urlparse(cognito)

    def request(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(u.hostname, u.port)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheader("Location"), r.read().decode()

    q = urllib.parse.urlencode({
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": scope,
        "state": "st", "code_challenge_method": "S256", "code_challenge": challenge,
    })
    status, login, _ = request("GET", "/oauth2/authorize?" + q)
    assert status == 302 and login.startswith("/login?"), (status, login)
    _, _, page = request("GET", login)
    form = dict(re.findall(r'<input type=hidden name="([^"]*)" value="([^"]*)">', page))
    form.update(username=username, password=password)
    status, back, _ = request("POST", "/login", urllib.parse.urlencode(form),
                              {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, status
    code = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)["code"][0]
    body = urllib.parse.urlencode({
        "grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
        "redirect_uri": REDIRECT, "code_verifier": verifier,
    })
    status, _, text = request("POST", "/oauth2/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, text
    return json.loads(text)["access_token"]


def federated_tokens(cognito, extra, slug, account):
    """A federated sign-in as a browser does it: authorize (`extra`: identity_provider or idp_identifier)
    -> the local provider's account chooser and consent (Allow) -> /oauth2/idpresponse -> the code
    exchange with PKCE. The token response."""
    verifier = "f" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    u = urllib.parse.urlparse(cognito)

    def request(method, url, form=None):
        parsed = urllib.parse.urlparse(url)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        conn = http.client.HTTPConnection(u.hostname, u.port)
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheader("Location"), r.read().decode()

    def fields(page):
        return {html.unescape(k): html.unescape(v)
                for k, v in re.findall(r'<input type=hidden name="([^"]*)" value="([^"]*)">', page)}

    q = urllib.parse.urlencode({
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
        "scope": "openid email profile aws.cognito.signin.user.admin", "state": "st",
        "code_challenge_method": "S256", "code_challenge": challenge, **extra,
    })
    status, to, _ = request("GET", "/oauth2/authorize?" + q)
    assert status == 302 and f"/_idp/{slug}/authorize?" in to, (status, to)
    status, _, chooser = request("GET", to)
    assert status == 200 and f"id={slug}Account-{account}" in chooser, status
    status, _, consent = request("POST", f"/_idp/{slug}/authorize", {**fields(chooser), "account": str(account)})
    assert status == 200 and f"id={slug}Allow" in consent, status
    status, back, _ = request("POST", f"/_idp/{slug}/consent", {**fields(consent), "consent": "allow"})
    assert status == 302 and "/oauth2/idpresponse?" in back, (status, back)
    status, app, text = request("GET", back)
    assert status == 302 and app.startswith(REDIRECT), (status, app, text)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(app).query)["code"][0]
    status, _, text = request("POST", "/oauth2/token", {
        "grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
        "redirect_uri": REDIRECT, "code_verifier": verifier,
    })
    assert status == 200, text
    return json.loads(text)


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def totp(secret_b32: str, at: float) -> str:
    """RFC 6238: HMAC-SHA-1 of the 30-second step, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# RFC 6238 appendix B, SHA-1 (the last 6 of its 8 digits).
assert totp(base64.b32encode(b"12345678901234567890").decode(), 59) == "287082"


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    return bytes([major << 5 | 25]) + struct.pack(">H", n)


def cbor_int(i: int) -> bytes:
    return cbor_head(0, i) if i >= 0 else cbor_head(1, -1 - i)


def cbor_bytes(b: bytes) -> bytes:
    return cbor_head(2, len(b)) + b


def cbor_text(t: str) -> bytes:
    return cbor_head(3, len(t)) + t.encode()


class SoftwareAuthenticator:
    """One P-256 passkey (cryptography, already pinned for pycognito): a 'none' attestation, ES256 assertions."""

    def __init__(self, origin="http://localhost:8080", rp_id="localhost"):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.id = uuid.uuid4().bytes + uuid.uuid4().bytes
        self.counter = 0
        self.origin = origin
        self.rp_id_hash = hashlib.sha256(rp_id.encode()).digest()

    def client_data(self, ty, challenge):
        return json.dumps({"type": ty, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def create(self, options):
        nums = self.key.public_key().public_numbers()
        cose = (b"\xa5" + cbor_int(1) + cbor_int(2) + cbor_int(3) + cbor_int(-7) + cbor_int(-1) + cbor_int(1)
                + cbor_int(-2) + cbor_bytes(nums.x.to_bytes(32, "big"))
                + cbor_int(-3) + cbor_bytes(nums.y.to_bytes(32, "big")))
        auth_data = (self.rp_id_hash + bytes([0x45]) + struct.pack(">I", self.counter) + bytes(16)
                     + struct.pack(">H", len(self.id)) + self.id + cose)
        attestation = (b"\xa3" + cbor_text("fmt") + cbor_text("none") + cbor_text("attStmt") + b"\xa0"
                       + cbor_text("authData") + cbor_bytes(auth_data))
        return {
            "id": b64url(self.id), "rawId": b64url(self.id), "type": "public-key",
            "authenticatorAttachment": "cross-platform", "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(self.client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64url(attestation),
                "transports": ["usb"],
            },
        }

    def get(self, options):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        self.counter += 1
        auth_data = self.rp_id_hash + bytes([0x05]) + struct.pack(">I", self.counter)
        cdj = self.client_data("webauthn.get", options["challenge"])
        sig = self.key.sign(auth_data + hashlib.sha256(cdj).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.id), "rawId": b64url(self.id), "type": "public-key",
            "authenticatorAttachment": "cross-platform", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(cdj), "authenticatorData": b64url(auth_data),
                         "signature": b64url(sig)},
        }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cognito", default="http://127.0.0.1:9230")
    ap.add_argument("--s3", default="http://127.0.0.1:9231")
    ap.add_argument("--dynamodb", default="http://127.0.0.1:9232")
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

    def srp_sign_in():
        # pycognito's own SRP client: InitiateAuth USER_SRP_AUTH, then PASSWORD_VERIFIER (no Session sent).
        srp = AWSSRP(username=args.username, password=args.password, pool_id=USER_POOL,
                     client_id=CLIENT_ID, client=idp)
        r = srp.authenticate_user()
        access = r["AuthenticationResult"]["AccessToken"]
        assert idp.get_user(AccessToken=access)["Username"] == args.username
        assert r["AuthenticationResult"]["RefreshToken"], r

    def srp_wrong_password():
        srp = AWSSRP(username=args.username, password="Wrong!2026pass", pool_id=USER_POOL,
                     client_id=CLIENT_ID, client=idp)
        refused(srp.authenticate_user, idp.exceptions.NotAuthorizedException, "Incorrect username or password.")

    def srp_new_password():
        # The seeded user with a temporary password: PASSWORD_VERIFIER, then NEW_PASSWORD_REQUIRED.
        srp = AWSSRP(username="newhire", password="Welcome!2026temp", pool_id=USER_POOL,
                     client_id=CLIENT_ID, client=idp)
        r = srp.set_new_password_challenge("Chosen!2026pass")
        assert r["AuthenticationResult"]["IdToken"], r
        again = AWSSRP(username="newhire", password="Chosen!2026pass", pool_id=USER_POOL,
                       client_id=CLIENT_ID, client=idp).authenticate_user()
        assert again["AuthenticationResult"]["AccessToken"], again

    def srp_totp_user():
        srp = AWSSRP(username=new_user, password=passwords["second"], pool_id=USER_POOL,
                     client_id=CLIENT_ID, client=idp)
        try:
            srp.authenticate_user()
        except SoftwareTokenMFAChallengeException as e:
            tokens = e.get_tokens()
            assert tokens["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and tokens["Session"], tokens
            return
        raise AssertionError("SRP sign-in of a TOTP user gave tokens without the code")

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

    def guest_signs_in():
        # A new user: the guest identity is linked to the login and becomes the user's (same id).
        guest = identity.get_id(IdentityPoolId=IDENTITY_POOL)["IdentityId"]
        identity.get_credentials_for_identity(IdentityId=guest)
        name, password = f"guest{uuid.uuid4().hex[:8]}", "Guest!2026pass"
        idp.admin_create_user(UserPoolId=USER_POOL, Username=name,
                              UserAttributes=[{"Name": "email", "Value": f"{name}@shopsphere.test"}])
        idp.admin_set_user_password(UserPoolId=USER_POOL, Username=name, Password=password, Permanent=True)
        token = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                                  AuthParameters={"USERNAME": name, "PASSWORD": password})["AuthenticationResult"]["IdToken"]
        r = identity.get_credentials_for_identity(IdentityId=guest, Logins={PROVIDER: token})
        assert r["IdentityId"] == guest and r["Credentials"]["SessionToken"], r
        assert identity.get_id(IdentityPoolId=IDENTITY_POOL, Logins={PROVIDER: token})["IdentityId"] == guest
        refused(lambda: identity.get_credentials_for_identity(IdentityId=guest),
                identity.exceptions.NotAuthorizedException)

    def guest_merged():
        # The demo user has an identity already: the answer is for it, and the guest identity is disabled.
        guest = identity.get_id(IdentityPoolId=IDENTITY_POOL)["IdentityId"]
        r = identity.get_credentials_for_identity(IdentityId=guest, Logins={PROVIDER: state["id_token"]})
        assert r["IdentityId"] == state["identity_id"] != guest, r
        refused(lambda: identity.get_credentials_for_identity(IdentityId=guest),
                identity.exceptions.NotAuthorizedException)

    def s3_client(secret=None, creds=None):
        c = creds or state["creds"]
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

    def editor_credentials():
        # The seeded editor: its ID token names the editors' role (cognito:preferred_role), which the
        # identity pool's Token role mapping gives; CustomRoleArn may ask for it by name.
        r = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=CLIENT_ID,
            AuthParameters={"USERNAME": "editor", "PASSWORD": "Editor!2026pass"},
        )
        token = r["AuthenticationResult"]["IdToken"]
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        assert claims["cognito:groups"] == ["editors"], claims
        assert claims["cognito:preferred_role"] == EDITOR_ROLE and claims["cognito:roles"] == [EDITOR_ROLE], claims
        logins = {PROVIDER: token}
        editor_id = identity.get_id(IdentityPoolId=IDENTITY_POOL, Logins=logins)["IdentityId"]
        c = identity.get_credentials_for_identity(IdentityId=editor_id, Logins=logins, CustomRoleArn=EDITOR_ROLE)
        assert c["IdentityId"] == editor_id and c["Credentials"]["SessionToken"], c
        state["editor_id"], state["editor_logins"] = editor_id, logins
        state["editor_creds"] = c["Credentials"]

    def custom_role_refused():
        # A role that is not among the token's cognito:roles: the editor asking for the authenticated role,
        # and a customer (no roles in its token) asking for the editors' role.
        refused(lambda: identity.get_credentials_for_identity(
            IdentityId=state["editor_id"], Logins=state["editor_logins"], CustomRoleArn=AUTH_ROLE),
            identity.exceptions.InvalidParameterException)
        refused(lambda: identity.get_credentials_for_identity(
            IdentityId=state["identity_id"], Logins={PROVIDER: state["id_token"]}, CustomRoleArn=EDITOR_ROLE),
            identity.exceptions.InvalidParameterException)

    def editor_reads_any_avatar():
        editor = s3_client(creds=state["editor_creds"])
        got = editor.get_object(Bucket="avatars", Key=key())  # the demo user's object
        assert got["Body"].read() == b"hello from boto3\n"
        assert editor.head_object(Bucket="avatars", Key=key())["ContentLength"] == 17
        assert error_code(lambda: editor.put_object(Bucket="avatars", Key=key(), Body=b"x")) == "AccessDenied"
        own = f"private/{state['editor_id']}/avatar.png"
        editor.put_object(Bucket="avatars", Key=own, Body=b"editor", ContentType="image/png")
        state["editor_key"] = own
        # ListObjectsV2 under private/ (boto3 asks for encoding-type=url and decodes the keys).
        listed = editor.list_objects_v2(Bucket="avatars", Prefix="private/")
        keys = [o["Key"] for o in listed["Contents"]]
        assert key() in keys and own in keys, keys
        folders = editor.list_objects_v2(Bucket="avatars", Prefix="private/", Delimiter="/")["CommonPrefixes"]
        assert {"Prefix": f"private/{state['identity_id']}/"} in folders, folders
        assert error_code(lambda: editor.list_objects_v2(Bucket="avatars")) == "AccessDenied"

    def customer_refused_other_avatar():
        try:
            s3_client().get_object(Bucket="avatars", Key=state["editor_key"])
        except botocore.exceptions.ClientError as e:
            err = e.response["Error"]
            assert err["Code"] == "AccessDenied", err
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
            assert "assumed-role/Cognito_ShopSphereidentitiesAuth_Role/" in err["Message"], err
            assert error_code(lambda: s3_client().list_objects_v2(Bucket="avatars", Prefix="private/")) == "AccessDenied"
            return
        raise AssertionError("a customer read another user's avatar")

    def outbox_code(username, purpose):
        q = urllib.parse.urlencode({"username": username, "purpose": purpose})
        with urllib.request.urlopen(f"{args.cognito}/_devstack/outbox?{q}") as r:
            messages = json.load(r)
        assert messages, f"no {purpose} code for {username}"
        return messages[-1]["code"]

    def refused(fn, exception, message=None):
        try:
            fn()
        except exception as e:
            if message is not None:
                assert e.response["Error"]["Message"] == message, e.response["Error"]
            return
        raise AssertionError(f"expected {exception.__name__}")

    new_user = f"proof{uuid.uuid4().hex[:8]}"
    new_email = f"{new_user}@example.test"
    passwords = {"first": "Proof!2026pw", "second": "Proof!2027new"}

    def sign_up():
        r = idp.sign_up(
            ClientId=CLIENT_ID,
            Username=new_user,
            Password=passwords["first"],
            UserAttributes=[{"Name": "email", "Value": new_email}],
        )
        assert r["UserConfirmed"] is False, r
        d = r["CodeDeliveryDetails"]
        assert d == {"Destination": f"{new_user[0]}***@e***.test", "DeliveryMedium": "EMAIL", "AttributeName": "email"}, d
        assert len(r["UserSub"]) == 36, r

    def sign_up_refusals():
        weak = lambda: idp.sign_up(ClientId=CLIENT_ID, Username=new_user + "x", Password="short",
                                   UserAttributes=[{"Name": "email", "Value": new_email}])
        refused(weak, idp.exceptions.InvalidPasswordException,
                "Password did not conform with policy: Password not long enough")
        taken = lambda: idp.sign_up(ClientId=CLIENT_ID, Username=new_user, Password=passwords["first"],
                                    UserAttributes=[{"Name": "email", "Value": new_email}])
        refused(taken, idp.exceptions.UsernameExistsException)
        no_email = lambda: idp.sign_up(ClientId=CLIENT_ID, Username=new_user + "y", Password=passwords["first"])
        refused(no_email, idp.exceptions.InvalidParameterException)
        unconfirmed = lambda: idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                                                AuthParameters={"USERNAME": new_user, "PASSWORD": passwords["first"]})
        refused(unconfirmed, idp.exceptions.UserNotConfirmedException)

    def sign_up_refused_by_trigger():
        # The default config's PreSignUp trigger (devstack/triggers/pre-sign-up.mjs) refuses throwaway
        # domains: Cognito's UserLambdaValidationException, and no user is created.
        blocked = new_user + "z"
        attempt = lambda: idp.sign_up(ClientId=CLIENT_ID, Username=blocked, Password=passwords["first"],
                                      UserAttributes=[{"Name": "email", "Value": f"{blocked}@disposable.test"}])
        refused(attempt, idp.exceptions.UserLambdaValidationException,
                "PreSignUp failed with error Sign-ups with disposable.test addresses are not accepted.")
        refused(lambda: idp.resend_confirmation_code(ClientId=CLIENT_ID, Username=blocked),
                idp.exceptions.UserNotFoundException)

    def tier_claim():
        # The PreTokenGeneration trigger (V2_0): custom:tier in the ID and access tokens.
        for user, password, tier in [("editor", "Editor!2026pass", "gold"), ("demo", "ShopSphere!2026", "standard")]:
            r = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                                  AuthParameters={"USERNAME": user, "PASSWORD": password})["AuthenticationResult"]
            for token in (r["IdToken"], r["AccessToken"]):
                claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
                assert claims["custom:tier"] == tier, (user, claims)

    def confirm_sign_up():
        code = outbox_code(new_user, "SignUp")
        wrong = "000000" if code != "000000" else "999999"
        refused(lambda: idp.confirm_sign_up(ClientId=CLIENT_ID, Username=new_user, ConfirmationCode=wrong),
                idp.exceptions.CodeMismatchException)
        r = idp.resend_confirmation_code(ClientId=CLIENT_ID, Username=new_user)
        assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL", r
        code = outbox_code(new_user, "SignUp")
        idp.confirm_sign_up(ClientId=CLIENT_ID, Username=new_user, ConfirmationCode=code)
        refused(lambda: idp.confirm_sign_up(ClientId=CLIENT_ID, Username=new_user, ConfirmationCode=code),
                idp.exceptions.NotAuthorizedException)
        r = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": new_user, "PASSWORD": passwords["first"]})
        assert r["AuthenticationResult"]["IdToken"], r

    def forgot_password():
        r = idp.forgot_password(ClientId=CLIENT_ID, Username=new_user)
        assert r["CodeDeliveryDetails"]["Destination"] == f"{new_user[0]}***@e***.test", r
        code = outbox_code(new_user, "ForgotPassword")
        wrong = "000000" if code != "000000" else "999999"
        refused(lambda: idp.confirm_forgot_password(ClientId=CLIENT_ID, Username=new_user, ConfirmationCode=wrong,
                                                    Password=passwords["second"]),
                idp.exceptions.CodeMismatchException)
        refused(lambda: idp.confirm_forgot_password(ClientId=CLIENT_ID, Username=new_user, ConfirmationCode=code,
                                                    Password="nouppercase1!"),
                idp.exceptions.InvalidPasswordException)
        idp.confirm_forgot_password(ClientId=CLIENT_ID, Username=new_user, ConfirmationCode=code,
                                    Password=passwords["second"])
        refused(lambda: idp.forgot_password(ClientId=CLIENT_ID, Username="nobody-" + new_user),
                idp.exceptions.UserNotFoundException)
        r = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": new_user, "PASSWORD": passwords["second"]})
        state["new_access"] = r["AuthenticationResult"]["AccessToken"]

    def totp_setup():
        access = state["new_access"]
        secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
        state["secret"] = secret
        now = time.time()
        near = {totp(secret, now + d) for d in (-60, -30, 0, 30, 60)}
        wrong = next(c for c in (str(i) * 6 for i in range(10)) if c not in near)
        refused(lambda: idp.verify_software_token(AccessToken=access, UserCode=wrong),
                idp.exceptions.EnableSoftwareTokenMFAException)
        r = idp.verify_software_token(AccessToken=access, UserCode=totp(secret, now), FriendlyDeviceName="boto3")
        assert r["Status"] == "SUCCESS", r
        idp.set_user_mfa_preference(AccessToken=access,
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        u = idp.get_user(AccessToken=access)
        assert u["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"], u
        assert u["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", u

    def totp_sign_in():
        secret = state["secret"]
        r = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": new_user, "PASSWORD": passwords["second"]})
        assert r["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in r, r
        near = {totp(secret, time.time() + d) for d in (-60, -30, 0, 30, 60)}
        wrong = next(c for c in (str(i) * 6 for i in range(10)) if c not in near)
        answer = lambda session, code: idp.respond_to_auth_challenge(
            ClientId=CLIENT_ID, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
            ChallengeResponses={"USERNAME": new_user, "SOFTWARE_TOKEN_MFA_CODE": code})
        refused(lambda: answer(r["Session"], wrong), idp.exceptions.CodeMismatchException)
        # The next step's code (VerifySoftwareToken spent the current one; each step's code works once).
        code = totp(secret, time.time() + 30)
        done = answer(r["Session"], code)
        assert done["AuthenticationResult"]["AccessToken"], done
        again = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                                  AuthParameters={"USERNAME": new_user, "PASSWORD": passwords["second"]})
        refused(lambda: answer(again["Session"], code), idp.exceptions.ExpiredCodeException,
                "Your software token has already been used once.")
    def password_step():
        # The new user's password: tokens or the MFA step.
        return idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                                 AuthParameters={"USERNAME": new_user, "PASSWORD": passwords["second"]})

    def respond(name, session, **responses):
        return idp.respond_to_auth_challenge(ClientId=CLIENT_ID, ChallengeName=name, Session=session,
                                             ChallengeResponses={"USERNAME": new_user, **responses})

    def email_mfa_sign_in():
        # Email MFA preferred over TOTP: the password, then EMAIL_OTP with the code from the outbox.
        access = state["new_access"]
        idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
        u = idp.get_user(AccessToken=access)
        assert u["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], u
        assert u["PreferredMfaSetting"] == "EMAIL_OTP", u
        r = password_step()
        assert r["ChallengeName"] == "EMAIL_OTP", r
        assert r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL", r
        answer = lambda code: respond("EMAIL_OTP", r["Session"], EMAIL_OTP_CODE=code)
        refused(lambda: answer("000000"), idp.exceptions.CodeMismatchException)
        done = answer(outbox_code(new_user, "EMAIL_OTP"))
        assert done["AuthenticationResult"]["IdToken"], done
        refused(lambda: idp.set_user_mfa_preference(AccessToken=access, SMSMfaSettings={"Enabled": True}),
                idp.exceptions.InvalidParameterException)
        idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": False},
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        assert idp.get_user(AccessToken=access)["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    def select_mfa_type():
        # TOTP and email on, none preferred: SELECT_MFA_TYPE first; the factor chosen sends its code.
        access = state["new_access"]
        idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": True},
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False})
        r = password_step()
        assert r["ChallengeName"] == "SELECT_MFA_TYPE", r
        assert r["ChallengeParameters"]["MFAS_CAN_CHOOSE"] == '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]', r
        choose = lambda answer: respond("SELECT_MFA_TYPE", r["Session"], ANSWER=answer)
        refused(lambda: choose("SMS_MFA"), idp.exceptions.InvalidParameterException)
        c = choose("EMAIL_OTP")
        assert c["ChallengeName"] == "EMAIL_OTP", c
        assert c["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL", c
        done = respond("EMAIL_OTP", c["Session"], EMAIL_OTP_CODE=outbox_code(new_user, "EMAIL_OTP"))
        assert done["AuthenticationResult"]["IdToken"], done
        refused(lambda: choose("EMAIL_OTP"), idp.exceptions.NotAuthorizedException,
                "Invalid session for the user.")
        idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": False},
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    def ddb(secret=None, creds=None):
        c = creds or state["creds"]
        return session.client(
            "dynamodb",
            endpoint_url=args.dynamodb,
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=secret or c["SecretKey"],
            aws_session_token=c["SessionToken"],
            config=Config(retries={"max_attempts": 1}),
        )

    def own_key():
        return {"identityId": {"S": state["identity_id"]}}

    def ddb_put_get():
        d = ddb()
        item = dict(own_key(), displayName={"S": "boto3 shopper"}, visits={"N": "1"}, tags={"SS": ["a", "b"]})
        d.put_item(TableName=TABLE, Item=item, ConditionExpression="attribute_not_exists(identityId)")
        got = d.get_item(TableName=TABLE, Key=own_key(), ConsistentRead=True)["Item"]
        assert got == item, got

    def ddb_put_condition_failed():
        d = ddb()
        try:
            d.put_item(TableName=TABLE, Item=own_key(), ConditionExpression="attribute_not_exists(identityId)")
        except d.exceptions.ConditionalCheckFailedException:
            return
        raise AssertionError("the condition did not fail")

    def ddb_update_query():
        d = ddb()
        r = d.update_item(
            TableName=TABLE, Key=own_key(),
            UpdateExpression="SET #n = :n, visits = visits + :one REMOVE tags",
            ExpressionAttributeNames={"#n": "displayName"},
            ExpressionAttributeValues={":n": {"S": "renamed"}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
        a = r["Attributes"]
        assert a["displayName"] == {"S": "renamed"} and a["visits"] == {"N": "2"} and "tags" not in a, a
        q = d.query(TableName=TABLE, KeyConditionExpression="identityId = :id",
                    ExpressionAttributeValues={":id": {"S": state["identity_id"]}})
        assert q["Count"] == 1 and q["Items"][0]["visits"] == {"N": "2"}, q

    def ddb_delete():
        d = ddb()
        old = d.delete_item(TableName=TABLE, Key=own_key(), ReturnValues="ALL_OLD")["Attributes"]
        assert old["displayName"] == {"S": "renamed"}, old
        assert "Item" not in d.get_item(TableName=TABLE, Key=own_key())

    def ddb_other_identity():
        other = {"identityId": {"S": "us-east-1:00000000-0000-4000-8000-000000000000"}}
        d = ddb()
        assert error_code(lambda: d.get_item(TableName=TABLE, Key=other)) == "AccessDeniedException"
        assert error_code(lambda: d.put_item(TableName=TABLE, Item=other)) == "AccessDeniedException"
        assert error_code(lambda: d.query(
            TableName=TABLE, KeyConditionExpression="identityId = :id",
            ExpressionAttributeValues={":id": other["identityId"]})) == "AccessDeniedException"

    def ddb_wrong_secret():
        d = ddb(secret="x" * 40)
        code = error_code(lambda: d.get_item(TableName=TABLE, Key=own_key()))
        assert code == "InvalidSignatureException", code

    def ddb_bad_expression():
        d = ddb()
        code = error_code(lambda: d.update_item(TableName=TABLE, Key=own_key(), UpdateExpression="SET = :v",
                                                ExpressionAttributeValues={":v": {"S": "x"}}))
        assert code == "ValidationException", code

    # The account operations, on a user of their own (created with the unsigned Admin* seeding calls).
    user = {"name": "boto3user", "password": "Boto3!2026pass", "new_password": "Boto3!2026next"}

    def account_sign_in():
        idp.admin_create_user(UserPoolId=USER_POOL, Username=user["name"],
                              UserAttributes=[{"Name": "email", "Value": "boto3@shopsphere.test"}])
        idp.admin_set_user_password(UserPoolId=USER_POOL, Username=user["name"], Password=user["password"], Permanent=True)
        r = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": user["name"], "PASSWORD": user["password"]})
        user["token"] = r["AuthenticationResult"]["AccessToken"]
        u = idp.get_user(AccessToken=user["token"])
        attrs = {a["Name"]: a["Value"] for a in u["UserAttributes"]}
        assert u["Username"] == user["name"] and attrs["email"] == "boto3@shopsphere.test", u

    def attributes():
        u = idp.get_user(AccessToken=user["token"])
        return {a["Name"]: a["Value"] for a in u["UserAttributes"]}

    def update_user_attributes():
        r = idp.update_user_attributes(AccessToken=user["token"], UserAttributes=[
            {"Name": "email", "Value": "changed@shopsphere.test"}, {"Name": "name", "Value": "Boto Three"}])
        d = r["CodeDeliveryDetailsList"]
        assert d == [{"Destination": "c***@s***.test", "DeliveryMedium": "EMAIL", "AttributeName": "email"}], d
        a = attributes()
        assert a["email"] == "changed@shopsphere.test" and a["email_verified"] == "false" and a["name"] == "Boto Three", a

    def verify_user_attribute():
        r = idp.get_user_attribute_verification_code(AccessToken=user["token"], AttributeName="email")
        assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL", r
        code = outbox_code(user["name"], "VerifyUserAttribute")
        wrong = "000000" if code != "000000" else "111111"
        try:
            idp.verify_user_attribute(AccessToken=user["token"], AttributeName="email", Code=wrong)
            raise AssertionError("a wrong code was accepted")
        except idp.exceptions.CodeMismatchException:
            pass
        idp.verify_user_attribute(AccessToken=user["token"], AttributeName="email", Code=code)
        assert attributes()["email_verified"] == "true"

    def change_password():
        try:
            idp.change_password(AccessToken=user["token"], PreviousPassword=user["password"], ProposedPassword="weakpassword")
            raise AssertionError("a weak password was accepted")
        except idp.exceptions.InvalidPasswordException:
            pass
        try:
            idp.change_password(AccessToken=user["token"], PreviousPassword="Wrong!2026pass", ProposedPassword=user["new_password"])
            raise AssertionError("a wrong previous password was accepted")
        except idp.exceptions.NotAuthorizedException:
            pass
        idp.change_password(AccessToken=user["token"], PreviousPassword=user["password"], ProposedPassword=user["new_password"])
        idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                          AuthParameters={"USERNAME": user["name"], "PASSWORD": user["new_password"]})

    def missing_scope():
        token = browser_access_token(args.cognito, user["name"], user["new_password"], "openid email")
        for call in (lambda: idp.get_user(AccessToken=token),
                     lambda: idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "name", "Value": "x"}]),
                     lambda: idp.delete_user(AccessToken=token)):
            try:
                call()
                raise AssertionError("an access token without the admin scope was accepted")
            except idp.exceptions.NotAuthorizedException as e:
                assert "does not have required scopes" in str(e), e

    def passkeys():
        token = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
            AuthParameters={"USERNAME": "rival", "PASSWORD": "Rival!2026pass"},
        )["AuthenticationResult"]["AccessToken"]
        authenticator = SoftwareAuthenticator()
        options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
        assert options["rp"]["id"] == "localhost" and options["user"]["name"] == "rival", options
        # A credential from another origin is refused, and spends the challenge.
        evil = SoftwareAuthenticator(origin="http://evil.test:8080")
        refused(lambda: idp.complete_web_authn_registration(AccessToken=token, Credential=evil.create(options)),
                idp.exceptions.WebAuthnOriginNotAllowedException)
        options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
        idp.complete_web_authn_registration(AccessToken=token, Credential=authenticator.create(options))
        creds = idp.list_web_authn_credentials(AccessToken=token)["Credentials"]
        assert [c["CredentialId"] for c in creds] == [b64url(authenticator.id)], creds
        assert creds[0]["AuthenticatorTransports"] == ["usb"] and creds[0]["RelyingPartyId"] == "localhost", creds
        r = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": "rival", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
        assert r["ChallengeName"] == "WEB_AUTHN", r
        request = json.loads(r["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        answer = json.dumps(authenticator.get(request))
        r2 = idp.respond_to_auth_challenge(ClientId=CLIENT_ID, ChallengeName="WEB_AUTHN", Session=r["Session"],
                                           ChallengeResponses={"USERNAME": "rival", "CREDENTIAL": answer})
        assert r2["AuthenticationResult"]["AccessToken"], r2
        # The same assertion on a new challenge is refused.
        r = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": "rival", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
        refused(lambda: idp.respond_to_auth_challenge(
            ClientId=CLIENT_ID, ChallengeName="WEB_AUTHN", Session=r["Session"],
            ChallengeResponses={"USERNAME": "rival", "CREDENTIAL": answer}), idp.exceptions.NotAuthorizedException)
        idp.delete_web_authn_credential(AccessToken=token, CredentialId=b64url(authenticator.id))
        refused(lambda: idp.delete_web_authn_credential(AccessToken=token, CredentialId=b64url(authenticator.id)),
                idp.exceptions.ResourceNotFoundException)
        assert idp.list_web_authn_credentials(AccessToken=token)["Credentials"] == []

    def delete_user():
        idp.delete_user(AccessToken=user["token"])
        try:
            idp.get_user(AccessToken=user["token"])
            raise AssertionError("the deleted user's token still works")
        except idp.exceptions.NotAuthorizedException:
            pass

    check("InitiateAuth USER_PASSWORD_AUTH", initiate_auth)
    check("InitiateAuth wrong password -> NotAuthorizedException", initiate_auth_wrong_password)
    check("pycognito AWSSRP USER_SRP_AUTH + PASSWORD_VERIFIER -> tokens", srp_sign_in)
    check("pycognito AWSSRP wrong password -> NotAuthorizedException", srp_wrong_password)
    check("pycognito AWSSRP temporary password -> NEW_PASSWORD_REQUIRED -> tokens", srp_new_password)
    check("GetId", get_id)
    check("GetCredentialsForIdentity", get_credentials)
    check("GetId tampered ID token -> NotAuthorizedException", get_id_tampered_token)
    check("GetCredentialsForIdentity guest + a new user's Logins -> the guest identity is the user's", guest_signs_in)
    check("GetCredentialsForIdentity guest + an existing user's Logins -> the user's identity id", guest_merged)
    check("PutObject + GetObject + HeadObject own prefix", put_get)
    check("presigned GetObject", presigned_get)
    check("PutObject wrong secret -> SignatureDoesNotMatch", put_wrong_secret)
    check("PutObject another identity's prefix -> AccessDenied", put_other_prefix)
    check("editor: ID token roles + GetCredentialsForIdentity CustomRoleArn (its role)", editor_credentials)
    check("GetCredentialsForIdentity CustomRoleArn not in the token's roles -> InvalidParameterException", custom_role_refused)
    check("editors' role: GetObject/HeadObject another user's avatar, ListObjectsV2 private/, PutObject there -> AccessDenied", editor_reads_any_avatar)
    check("customer GetObject the editor's avatar, ListObjectsV2 -> 403 AccessDenied", customer_refused_other_avatar)
    check("SignUp", sign_up)
    check("SignUp weak password / existing username / no email, InitiateAuth unconfirmed -> refused", sign_up_refusals)
    check("SignUp refused by the PreSignUp trigger -> UserLambdaValidationException, no user", sign_up_refused_by_trigger)
    check("PreTokenGeneration trigger: custom:tier in ID and access tokens", tier_claim)
    check("ConfirmSignUp (wrong code refused, ResendConfirmationCode, outbox code) + InitiateAuth", confirm_sign_up)
    check("ForgotPassword + ConfirmForgotPassword (wrong code, weak password, unknown user refused)", forgot_password)
    check("AssociateSoftwareToken + VerifySoftwareToken (wrong code refused) + SetUserMFAPreference + GetUser", totp_setup)
    check("InitiateAuth SOFTWARE_TOKEN_MFA + RespondToAuthChallenge (wrong and reused codes refused)", totp_sign_in)
    check("SetUserMFAPreference EmailMfaSettings -> InitiateAuth EMAIL_OTP + the outbox code (SMS without a phone refused)", email_mfa_sign_in)
    check("TOTP and email, none preferred -> SELECT_MFA_TYPE, ANSWER EMAIL_OTP -> its code (a factor not offered refused)", select_mfa_type)
    check("pycognito AWSSRP of a TOTP user -> SOFTWARE_TOKEN_MFA challenge", srp_totp_user)
    check("DynamoDB PutItem (attribute_not_exists) + GetItem own key", ddb_put_get)
    check("DynamoDB PutItem failed condition -> ConditionalCheckFailedException", ddb_put_condition_failed)
    check("DynamoDB UpdateItem (SET/REMOVE, ALL_NEW) + Query", ddb_update_query)
    check("DynamoDB DeleteItem (ALL_OLD)", ddb_delete)
    check("DynamoDB another identity's key -> AccessDeniedException", ddb_other_identity)
    check("DynamoDB wrong secret -> InvalidSignatureException", ddb_wrong_secret)
    check("DynamoDB bad update expression -> ValidationException", ddb_bad_expression)
    check("GetUser (fresh user)", account_sign_in)
    check("UpdateUserAttributes email -> CodeDeliveryDetailsList, email_verified false", update_user_attributes)
    check("GetUserAttributeVerificationCode + VerifyUserAttribute (wrong code -> CodeMismatchException)", verify_user_attribute)
    check("ChangePassword (weak -> InvalidPasswordException, wrong -> NotAuthorizedException)", change_password)
    check("no aws.cognito.signin.user.admin scope -> NotAuthorizedException", missing_scope)
    check("DeleteUser, then its token -> NotAuthorizedException", delete_user)
    check("StartWebAuthnRegistration + CompleteWebAuthnRegistration (other origin refused) + ListWebAuthnCredentials"
          " + USER_AUTH WEB_AUTHN sign-in (replay refused) + DeleteWebAuthnCredential", passkeys)

    def identities_attribute(access_token):
        user = idp.get_user(AccessToken=access_token)
        attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        return user["Username"], attrs, json.loads(attrs["identities"])

    def acme_sso_get_user():
        t = federated_tokens(args.cognito, {"idp_identifier": "acme.example"}, "acme", 0)
        username, attrs, identities = identities_attribute(t["access_token"])
        assert username == "AcmeSSO_00u1alice0acme", username
        assert attrs["email"] == "alice@acme.example" and attrs["custom:department"] == "Engineering", attrs
        assert [(i["providerName"], i["providerType"], i["userId"], i["primary"]) for i in identities] == [
            ("AcmeSSO", "OIDC", "00u1alice0acme", "true")], identities
        r = identity.get_id(IdentityPoolId=IDENTITY_POOL, Logins={PROVIDER: t["id_token"]})
        assert r["IdentityId"].startswith(REGION + ":"), r

    def facebook_linked_user():
        t = federated_tokens(args.cognito, {"identity_provider": "Facebook"}, "facebook", 1)
        assert jwt_claims(t["id_token"])["cognito:username"] == "rival"
        r = idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
                              AuthParameters={"USERNAME": "rival", "PASSWORD": "Rival!2026pass"})
        username, _, identities = identities_attribute(r["AuthenticationResult"]["AccessToken"])
        assert username == "rival", username
        assert [(i["providerName"], i["providerType"], i["userId"], i["primary"]) for i in identities] == [
            ("Facebook", "Facebook", "10160000000000002", "false")], identities

    check("Acme Corp SSO (OIDC, idp_identifier) -> GetUser: AcmeSSO_<sub> with identities; GetId", acme_sso_get_user)
    check("Facebook sign-in linked to rival -> InitiateAuth as rival, GetUser identities list Facebook", facebook_linked_user)

    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
