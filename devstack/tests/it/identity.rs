//! The identity-pool JSON API.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

async fn get_id(s: &Stack, logins: Value) -> (u16, Value) {
    let (st, v) = s
        .identity(
            "GetId",
            json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": logins }),
        )
        .await;
    (st.as_u16(), v)
}

#[tokio::test]
async fn get_id_and_credentials_for_a_user() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let id_token = a["IdToken"].as_str().unwrap();
    let (st, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    assert_eq!(st, 200, "{v}");
    let identity = v["IdentityId"].as_str().unwrap().to_string();
    assert!(identity.starts_with("us-east-1:"));
    // Stable per user, also with a new token and with the issuer-host provider name.
    let b = s.demo_login().await;
    let host_provider = s.issuer().trim_start_matches("http://").to_string();
    assert!(host_provider.starts_with("localhost:"));
    let (_, v) = get_id(&s, json!({ host_provider.clone(): b["IdToken"] })).await;
    assert_eq!(v["IdentityId"], identity.as_str());
    // Another user gets another identity.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (_, v) = get_id(&s, json!({ PROVIDER: r["IdToken"] })).await;
    assert_ne!(v["IdentityId"], identity.as_str());

    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": { PROVIDER: id_token } }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["IdentityId"], identity.as_str());
    let c = &v["Credentials"];
    assert!(c["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(c["SecretKey"].as_str().unwrap().len(), 40);
    assert!(c["SessionToken"].as_str().unwrap().len() > 100);
    let exp = c["Expiration"]
        .as_i64()
        .expect("Expiration is epoch seconds, a JSON number");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((exp - now - 3600).abs() < 10, "one-hour credentials");
}

#[tokio::test]
async fn logins_are_verified() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let id_token = a["IdToken"].as_str().unwrap();
    let not_authorized = |st: u16, v: &Value| st == 400 && v["__type"] == "NotAuthorizedException";

    let (st, v) = get_id(&s, json!({ PROVIDER: tamper(id_token) })).await;
    assert!(not_authorized(st, &v), "tampered signature: {v}");
    let (st, v) = get_id(&s, json!({ PROVIDER: a["AccessToken"] })).await;
    assert!(
        not_authorized(st, &v),
        "access token instead of ID token: {v}"
    );
    let (st, v) = get_id(
        &s,
        json!({ "cognito-idp.us-east-1.amazonaws.com/us-east-1_Other": id_token }),
    )
    .await;
    assert!(not_authorized(st, &v), "unknown provider: {v}");
    let (st, v) = get_id(&s, json!({ PROVIDER: "not.a.jwt" })).await;
    assert!(not_authorized(st, &v), "{v}");

    // An ID token for a client the identity pool does not list: wrong audience.
    // (Forge one by signing with the pool's own ID key but another aud.)
    let mut claims = claims(id_token);
    claims["aud"] = json!("someotherclient");
    let keys = devstack::keys::PoolKeys::load_or_create(&s.data.join("keys").join(POOL)).unwrap();
    let forged = keys.id.sign(&claims);
    let (st, v) = get_id(&s, json!({ PROVIDER: forged })).await;
    assert!(
        not_authorized(st, &v) && v["message"].as_str().unwrap().contains("audience"),
        "{v}"
    );

    // Expired.
    s.clock(3601).await;
    let (st, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    assert!(
        not_authorized(st, &v) && v["message"].as_str().unwrap().contains("expired"),
        "{v}"
    );
    s.clock(0).await;

    // Revoked by global sign-out.
    let (_, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    let identity = v["IdentityId"].as_str().unwrap().to_string();
    assert_eq!(
        s.idp("GlobalSignOut", json!({ "AccessToken": a["AccessToken"] }))
            .await
            .0,
        200
    );
    let (st, v) = get_id(&s, json!({ PROVIDER: id_token })).await;
    assert!(not_authorized(st, &v), "revoked: {v}");
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": { PROVIDER: id_token } }),
        )
        .await;
    assert!(not_authorized(st.as_u16(), &v), "revoked: {v}");

    // Unknown pool.
    let (st, v) = s
        .identity(
            "GetId",
            json!({ "IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "ResourceNotFoundException")
    );
}

#[tokio::test]
async fn credentials_need_the_identitys_own_login() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let (identity, _) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    // No Logins for an authenticated identity.
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException")
    );
    // Another user's token.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": identity, "Logins": { PROVIDER: r["IdToken"] } }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException")
    );
    // Unknown identity.
    let (_, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": "us-east-1:00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    assert_eq!(v["__type"], "ResourceNotFoundException");
}

#[tokio::test]
async fn guests() {
    let s = Stack::start().await;
    let (st, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    assert_eq!(st, 200);
    let guest = v["IdentityId"].as_str().unwrap().to_string();
    let (st, v) = s
        .identity("GetCredentialsForIdentity", json!({ "IdentityId": guest }))
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["Credentials"]["SessionToken"].is_string());
}

async fn guest_credentials(s: &Stack, identity: &str, logins: Value) -> (u16, Value) {
    let mut body = json!({ "IdentityId": identity });
    if !logins.is_null() {
        body["Logins"] = logins;
    }
    let (st, v) = s.identity("GetCredentialsForIdentity", body).await;
    (st.as_u16(), v)
}

async fn new_guest(s: &Stack) -> String {
    let (st, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    assert_eq!(st, 200, "{v}");
    v["IdentityId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_guest_who_signs_in_becomes_the_user() {
    let s = Stack::start().await;
    let guest = new_guest(&s).await;
    let (st, _) = guest_credentials(&s, &guest, Value::Null).await;
    assert_eq!(st, 200);
    // The user has no identity yet: the guest identity is linked to the login and keeps its id.
    let a = s.demo_login().await;
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["IdentityId"], guest.as_str());
    assert!(v["Credentials"]["SessionToken"].is_string());
    // From now on it is the user's identity: GetId with the login finds it (also with a new token) ...
    let b = s.demo_login().await;
    let (st, v) = get_id(&s, json!({ PROVIDER: b["IdToken"] })).await;
    assert_eq!((st, v["IdentityId"].as_str()), (200, Some(guest.as_str())));
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: b["IdToken"] })).await;
    assert_eq!(
        (st, v["IdentityId"].as_str()),
        (200, Some(guest.as_str())),
        "{v}"
    );
    // ... it no longer gets guest credentials, and another user's login does not match it.
    let (st, v) = guest_credentials(&s, &guest, Value::Null).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Logins don't match"),
        "{v}"
    );
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: r["IdToken"] })).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Logins don't match"),
        "{v}"
    );
    // The login is still verified first.
    let other = new_guest(&s).await;
    let (st, v) = guest_credentials(
        &s,
        &other,
        json!({ PROVIDER: tamper(a["IdToken"].as_str().unwrap()) }),
    )
    .await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    let (st, _) = guest_credentials(&s, &other, Value::Null).await;
    assert_eq!(st, 200, "a refused login leaves the guest a guest");

    // The link survives a restart.
    let data = s.stop().await.unwrap();
    let s = Stack::start_on(data.path()).await;
    let c = s.demo_login().await;
    let (_, v) = get_id(&s, json!({ PROVIDER: c["IdToken"] })).await;
    assert_eq!(v["IdentityId"], guest.as_str());
    drop(data);
}

#[tokio::test]
async fn a_guest_whose_user_has_an_identity_is_merged_into_it() {
    let s = Stack::start().await;
    let a = s.demo_login().await;
    let (st, v) = get_id(&s, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(st, 200);
    let user = v["IdentityId"].as_str().unwrap().to_string();
    let guest = new_guest(&s).await;
    assert_ne!(guest, user);
    // The answer is for the user's identity, whose id the response carries.
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["IdentityId"], user.as_str());
    assert!(v["Credentials"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .starts_with("ASIA"));
    // The guest identity is disabled: no guest credentials, and no link to another user ...
    let (st, v) = guest_credentials(&s, &guest, Value::Null).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("forbidden"), "{v}");
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: r["IdToken"] })).await;
    assert_eq!(
        (st, v["__type"].as_str()),
        (400, Some("NotAuthorizedException")),
        "{v}"
    );
    // ... while its user's login still answers with the user's identity, and GetId is unchanged.
    let (st, v) = guest_credentials(&s, &guest, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(
        (st, v["IdentityId"].as_str()),
        (200, Some(user.as_str())),
        "{v}"
    );
    let (_, v) = get_id(&s, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(v["IdentityId"], user.as_str());
    let (st, v) = guest_credentials(&s, &user, json!({ PROVIDER: a["IdToken"] })).await;
    assert_eq!(
        (st, v["IdentityId"].as_str()),
        (200, Some(user.as_str())),
        "{v}"
    );
}

// ---- Groups and roles (role-based access control).

/// The default config with each `from` replaced (once) by its `to`; every `from` must be there.
fn config_with(changes: &[(&str, &str)]) -> devstack::Config {
    let mut text = devstack::config::DEFAULT_CONFIG.to_string();
    for (from, to) in changes {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    devstack::Config::parse(&text).unwrap()
}

const DEMO_MAPPING: &str = "provider = \"cognito-idp.us-east-1.amazonaws.com/us-east-1_ShopSphr1:shopspheredemoclient000001\"\ntype = \"Token\"\nambiguous_role_resolution = \"AuthenticatedRole\"";

fn role(name: &str) -> String {
    format!("arn:aws:iam::000000000000:role/{name}")
}

#[tokio::test]
async fn id_tokens_carry_groups_roles_and_the_preferred_role() {
    let s = Stack::start().await;
    let e = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    let id = claims(e["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:groups"], json!(["editors"]));
    assert_eq!(id["cognito:roles"], json!([EDITOR_ROLE]));
    assert_eq!(id["cognito:preferred_role"], EDITOR_ROLE);
    // The access token has the groups only.
    let access = claims(e["AccessToken"].as_str().unwrap());
    assert_eq!(access["cognito:groups"], json!(["editors"]));
    assert!(
        access.get("cognito:roles").is_none() && access.get("cognito:preferred_role").is_none()
    );
    // A group without a role (customers) adds no role claims.
    let d = claims(s.demo_login().await["IdToken"].as_str().unwrap());
    assert_eq!(d["cognito:groups"], json!(["customers"]));
    assert!(
        d.get("cognito:roles").is_none() && d.get("cognito:preferred_role").is_none(),
        "{d}"
    );
}

#[tokio::test]
async fn the_lowest_precedence_number_gives_the_preferred_role() {
    let groups = format!(
        r#"
[[user_pools.groups]]
name = "a"
precedence = 5
role_arn = "{a}"

[[user_pools.groups]]
name = "b"
precedence = 2
role_arn = "{b}"

[[user_pools.groups]]
name = "c"
precedence = 2
role_arn = "{c}"

[[user_pools.groups]]
name = "b2"
precedence = 2
role_arn = "{b}"

[[user_pools.groups]]
name = "none"
role_arn = "{n}"
"#,
        a = role("A"),
        b = role("B"),
        c = role("C"),
        n = role("N"),
    );
    let config = config_with(&[(
        "[[identity_pools]]",
        &format!("{groups}\n[[identity_pools]]"),
    )]);
    let s = Stack::start_with(config).await;
    // Each case: a new user in these groups (AdminCreateUser, AdminAddUserToGroup).
    for (n, (groups, roles, preferred)) in [
        (&["a", "b"][..], vec![role("B"), role("A")], Some(role("B"))),
        (
            &["a", "none"][..],
            vec![role("A"), role("N")],
            Some(role("A")),
        ),
        (&["none"][..], vec![role("N")], Some(role("N"))),
        (&["b", "c"][..], vec![role("B"), role("C")], None),
        (
            &["b", "b2", "a"][..],
            vec![role("B"), role("A")],
            Some(role("B")),
        ),
        (&["customers"][..], vec![], None),
    ]
    .into_iter()
    .enumerate()
    {
        let user = format!("member{n}");
        let (st, v) = s
            .idp(
                "AdminCreateUser",
                json!({ "UserPoolId": POOL, "Username": user, "TemporaryPassword": "Member!2026pass",
                        "UserAttributes": [{ "Name": "email", "Value": format!("{user}@shopsphere.test") }] }),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        let (st, _) = s
            .idp(
                "AdminSetUserPassword",
                json!({ "UserPoolId": POOL, "Username": user, "Password": "Member!2026pass", "Permanent": true }),
            )
            .await;
        assert_eq!(st, 200);
        for g in groups {
            let (st, v) = s
                .idp(
                    "AdminAddUserToGroup",
                    json!({ "UserPoolId": POOL, "Username": user, "GroupName": g }),
                )
                .await;
            assert_eq!(st, 200, "{v}");
        }
        let a = s.password_login(CLIENT, &user, "Member!2026pass").await;
        let id = claims(a["IdToken"].as_str().unwrap());
        let got: Vec<String> = id
            .get("cognito:roles")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|r| r.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert_eq!(got, roles, "{groups:?}");
        assert_eq!(
            id.get("cognito:preferred_role").and_then(Value::as_str),
            preferred.as_deref(),
            "{groups:?}"
        );
    }
}

#[tokio::test]
async fn token_role_mapping_and_custom_role_arn() {
    let s = Stack::start().await;
    let e = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    let editor = e["IdToken"].as_str().unwrap();
    // The preferred role, as the credentials' role.
    let (_, st, v, r) = s.role_credentials(editor, None).await;
    assert_eq!((st.as_u16(), r.as_deref()), (200, Some(EDITOR_ROLE)), "{v}");
    assert!(
        v.get("RoleArn").is_none(),
        "no member Cognito does not send: {v}"
    );
    // A CustomRoleArn among the token's cognito:roles.
    let (_, st, v, r) = s.role_credentials(editor, Some(EDITOR_ROLE)).await;
    assert_eq!((st.as_u16(), r.as_deref()), (200, Some(EDITOR_ROLE)), "{v}");
    // One that is not: refused, as is one that is no ARN at all.
    let invalid =
        |st: StatusCode, v: &Value| st == 400 && v["__type"] == "InvalidParameterException";
    let (_, st, v, _) = s.role_credentials(editor, Some(AUTH_ROLE)).await;
    assert!(invalid(st, &v), "{v}");
    assert!(v["message"].as_str().unwrap().contains(AUTH_ROLE), "{v}");
    let (_, st, v, _) = s.role_credentials(editor, Some("arn:short")).await;
    assert!(
        invalid(st, &v) && v["message"].as_str().unwrap().contains("customRoleArn"),
        "{v}"
    );
    // A token without roles (customers): AmbiguousRoleResolution AuthenticatedRole.
    let demo = s.demo_login().await;
    let demo = demo["IdToken"].as_str().unwrap();
    let (_, st, _, r) = s.role_credentials(demo, None).await;
    assert_eq!((st.as_u16(), r.as_deref()), (200, Some(AUTH_ROLE)));
    let (_, st, v, _) = s.role_credentials(demo, Some(EDITOR_ROLE)).await;
    assert!(
        invalid(st, &v),
        "a customer asks for the editors' role: {v}"
    );
    // Guests get the unauthenticated role, and no other.
    let (_, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    let guest = v["IdentityId"].as_str().unwrap().to_string();
    let (st, _, r) = s.credentials_for(json!({ "IdentityId": guest })).await;
    assert_eq!((st.as_u16(), r.as_deref()), (200, Some(UNAUTH_ROLE)));
    let (st, v, _) = s
        .credentials_for(json!({ "IdentityId": guest, "CustomRoleArn": EDITOR_ROLE }))
        .await;
    assert!(invalid(st, &v), "{v}");
}

#[tokio::test]
async fn deny_refuses_an_ambiguous_token() {
    let deny = DEMO_MAPPING.replace("\"AuthenticatedRole\"", "\"Deny\"");
    let s = Stack::start_with(config_with(&[(DEMO_MAPPING, &deny)])).await;
    let demo = s.demo_login().await;
    let (_, st, v, _) = s
        .role_credentials(demo["IdToken"].as_str().unwrap(), None)
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException"),
        "{v}"
    );
    assert_eq!(
        v["message"],
        format!("The ambiguous role mapping rules for: {PROVIDER} denied this request.")
    );
    // The editor's token names its role: not ambiguous.
    let e = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    let (_, st, _, r) = s
        .role_credentials(e["IdToken"].as_str().unwrap(), None)
        .await;
    assert_eq!((st.as_u16(), r.as_deref()), (200, Some(EDITOR_ROLE)));
    // The other client has no Deny mapping: demo through it gets the authenticated role.
    let d = s.password_login(ROTATING, "demo", "ShopSphere!2026").await;
    let (_, st, _, r) = s
        .role_credentials(d["IdToken"].as_str().unwrap(), None)
        .await;
    assert_eq!((st.as_u16(), r.as_deref()), (200, Some(AUTH_ROLE)));
}

#[tokio::test]
async fn two_roles_of_one_precedence_need_a_custom_role_arn_under_deny() {
    let groups = format!(
        "[[user_pools.groups]]\nname = \"x\"\nprecedence = 3\nrole_arn = \"{}\"\n\n[[user_pools.groups]]\nname = \"y\"\nprecedence = 3\nrole_arn = \"{}\"\n\n[[identity_pools]]",
        role("X"),
        role("Y")
    );
    let deny = DEMO_MAPPING.replace("\"AuthenticatedRole\"", "\"Deny\"");
    let s = Stack::start_with(config_with(&[
        ("[[identity_pools]]", &groups),
        (DEMO_MAPPING, &deny),
    ]))
    .await;
    for g in ["x", "y"] {
        let (st, _) = s
            .idp(
                "AdminAddUserToGroup",
                json!({ "UserPoolId": POOL, "Username": "rival", "GroupName": g }),
            )
            .await;
        assert_eq!(st, 200);
    }
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let token = r["IdToken"].as_str().unwrap();
    let c = claims(token);
    assert_eq!(c["cognito:roles"], json!([role("X"), role("Y")]));
    assert!(c.get("cognito:preferred_role").is_none(), "{c}");
    let (_, st, v, _) = s.role_credentials(token, None).await;
    assert_eq!(v["__type"], "NotAuthorizedException", "{st} {v}");
    let (_, st, _, got) = s.role_credentials(token, Some(&role("Y"))).await;
    assert_eq!((st.as_u16(), got), (200, Some(role("Y"))));
}

#[tokio::test]
async fn rules_pick_the_first_matching_role() {
    let rules = format!(
        "provider = \"cognito-idp.us-east-1.amazonaws.com/us-east-1_ShopSphr1:shopspheredemoclient000001\"\ntype = \"Rules\"\nambiguous_role_resolution = \"Deny\"\nrules = [\n  {{ claim = \"email\", match_type = \"StartsWith\", value = \"rival@\", role_arn = \"{r}\" }},\n  {{ claim = \"cognito:groups\", match_type = \"Contains\", value = \"custom\", role_arn = \"{c}\" }},\n  {{ claim = \"email\", match_type = \"Contains\", value = \"@shopsphere.test\", role_arn = \"{any}\" }},\n  {{ claim = \"name\", match_type = \"NotEqual\", value = \"Ed Itor\", role_arn = \"{ne}\" }},\n]",
        r = role("Rivals"),
        c = role("Customers"),
        any = role("Anyone"),
        ne = role("NotEd"),
    );
    let s = Stack::start_with(config_with(&[(DEMO_MAPPING, &rules)])).await;
    let login = |u: &'static str, p: &'static str| {
        let s = &s;
        async move {
            let a = s.password_login(CLIENT, u, p).await;
            a["IdToken"].as_str().unwrap().to_string()
        }
    };
    let rival = login("rival", "Rival!2026pass").await;
    let demo = login("demo", "ShopSphere!2026").await;
    let editor = login("editor", "Editor!2026pass").await;
    let (_, _, _, got) = s.role_credentials(&rival, None).await;
    assert_eq!(got, Some(role("Rivals")));
    let (_, _, _, got) = s.role_credentials(&demo, None).await;
    assert_eq!(got, Some(role("Customers")), "the first matching rule");
    // CustomRoleArn may pick the role of a later matching rule, not one of a rule that does not match.
    let (_, _, _, got) = s.role_credentials(&demo, Some(&role("Anyone"))).await;
    assert_eq!(got, Some(role("Anyone")));
    let (_, st, v, _) = s.role_credentials(&demo, Some(&role("Rivals"))).await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "InvalidParameterException")
    );
    let (_, _, _, got) = s.role_credentials(&editor, None).await;
    assert_eq!(got, Some(role("Anyone")));
    // No rule matches (an editor's email elsewhere): Deny.
    let a = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    let (st, v) = s
        .idp(
            "UpdateUserAttributes",
            json!({ "AccessToken": a["AccessToken"], "UserAttributes": [{ "Name": "email", "Value": "ed@elsewhere.test" }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let editor = login("editor", "Editor!2026pass").await;
    let (_, st, v, _) = s.role_credentials(&editor, None).await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "NotAuthorizedException"),
        "{v}"
    );
}
