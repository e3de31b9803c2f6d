//! S3 with identity-pool credentials: SigV4 (header and presigned), session token, expiry, the
//! `private/<identityId>/` policy, persistence and CORS.

use std::collections::BTreeMap;

use crate::common::*;

#[test]
fn test_signer_matches_the_s3_reference_vector() {
    // S3 API reference, "GET Object" example ("Authenticating Requests: Using the Authorization
    // Header", https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
    let mut headers = BTreeMap::new();
    headers.insert(
        "host".to_string(),
        "examplebucket.s3.amazonaws.com".to_string(),
    );
    headers.insert("range".to_string(), "bytes=0-9".to_string());
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    headers.insert("x-amz-content-sha256".to_string(), empty.to_string());
    headers.insert("x-amz-date".to_string(), "20130524T000000Z".to_string());
    let sig = signature(
        "GET",
        "/test.txt",
        &BTreeMap::new(),
        &headers,
        empty,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "20130524T000000Z",
        "us-east-1",
    );
    assert_eq!(
        sig,
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );
}

async fn demo_creds(s: &Stack) -> (String, Creds) {
    let a = s.demo_login().await;
    let (id, c) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    (id, Creds::from_json(&c))
}

#[tokio::test]
async fn put_get_head_delete_own_prefix() {
    let s = Stack::start().await;
    let (id, creds) = demo_creds(&s).await;
    let path = format!("/avatars/private/{id}/avatar.png");
    let body = b"\x89PNG fake avatar bytes";
    let r = s3_request(
        &s.http,
        &s.s3,
        "PUT",
        &path,
        body,
        &creds,
        &[("content-type", "image/png")],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag.len(), 34);

    let r = s3_request(&s.http, &s.s3, "GET", &path, b"", &creds, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), body);

    let r = s3_request(&s.http, &s.s3, "HEAD", &path, b"", &creds, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-length"],
        body.len().to_string().as_str()
    );

    // Presigned GET.
    let url = presign(&s.s3, &path, &creds, 300);
    let r = s.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), body);
    // Presigned with a tampered signature.
    let last = if url.ends_with('0') { '1' } else { '0' };
    let bad = format!("{}{last}", &url[..url.len() - 1]);
    let (st, code) = s3_code(s.http.get(&bad).send().await.unwrap()).await;
    assert_eq!((st.as_u16(), code.as_str()), (403, "SignatureDoesNotMatch"));

    // A presigned URL past its X-Amz-Expires.
    let ten_min_ago = amz_date_at(time::OffsetDateTime::now_utc() - time::Duration::minutes(10));
    let expired = presign_at(&s.s3, &path, &creds, 60, &ten_min_ago);
    let (st, code) = s3_code(s.http.get(&expired).send().await.unwrap()).await;
    assert_eq!((st.as_u16(), code.as_str()), (403, "AccessDenied"));
    // A presigned URL with another session token (the token is part of what is signed).
    let other = Creds {
        akid: creds.akid.clone(),
        secret: creds.secret.clone(),
        token: Some("DSSTnot-the-token".into()),
    };
    let (st, code) = s3_code(
        s.http
            .get(presign(&s.s3, &path, &other, 300))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st.as_u16(), code.as_str()), (400, "InvalidToken"));

    let r = s3_request(&s.http, &s.s3, "DELETE", &path, b"", &creds, &[]).await;
    assert_eq!(r.status(), 204);
    let (st, code) =
        s3_code(s3_request(&s.http, &s.s3, "GET", &path, b"", &creds, &[]).await).await;
    assert_eq!((st.as_u16(), code.as_str()), (404, "NoSuchKey"));
}

#[tokio::test]
async fn refusals() {
    let s = Stack::start().await;
    let (id, creds) = demo_creds(&s).await;
    let path = format!("/avatars/private/{id}/x.txt");

    // Wrong secret → SignatureDoesNotMatch.
    let wrong = Creds {
        akid: creds.akid.clone(),
        secret: "x".repeat(40),
        token: creds.token.clone(),
    };
    let (st, code) =
        s3_code(s3_request(&s.http, &s.s3, "PUT", &path, b"hi", &wrong, &[]).await).await;
    assert_eq!((st.as_u16(), code.as_str()), (403, "SignatureDoesNotMatch"));

    // Wrong session token (correctly signed) → InvalidToken; missing token too.
    let wrong = Creds {
        akid: creds.akid.clone(),
        secret: creds.secret.clone(),
        token: Some("DSSTnot-the-token".into()),
    };
    let (st, code) =
        s3_code(s3_request(&s.http, &s.s3, "PUT", &path, b"hi", &wrong, &[]).await).await;
    assert_eq!((st.as_u16(), code.as_str()), (400, "InvalidToken"));
    let none = Creds {
        akid: creds.akid.clone(),
        secret: creds.secret.clone(),
        token: None,
    };
    let (_, code) =
        s3_code(s3_request(&s.http, &s.s3, "PUT", &path, b"hi", &none, &[]).await).await;
    assert_eq!(code, "InvalidToken");

    // Unknown access key.
    let unknown = Creds {
        akid: "ASIAUNKNOWNUNKNOWN00".into(),
        secret: creds.secret.clone(),
        token: creds.token.clone(),
    };
    let (st, code) =
        s3_code(s3_request(&s.http, &s.s3, "PUT", &path, b"hi", &unknown, &[]).await).await;
    assert_eq!((st.as_u16(), code.as_str()), (403, "InvalidAccessKeyId"));

    // Another identity's prefix, the bucket root, and outside private/.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (rival_id, _) = s.credentials(r["IdToken"].as_str().unwrap()).await;
    for p in [
        format!("/avatars/private/{rival_id}/x.txt"),
        "/avatars/public/x.txt".to_string(),
        format!("/avatars/private/{id}"),
    ] {
        let (st, code) =
            s3_code(s3_request(&s.http, &s.s3, "PUT", &p, b"hi", &creds, &[]).await).await;
        assert_eq!((st.as_u16(), code.as_str()), (403, "AccessDenied"), "{p}");
    }
    let (st, code) =
        s3_code(s3_request(&s.http, &s.s3, "GET", "/avatars", b"", &creds, &[]).await).await;
    assert_eq!(
        (st.as_u16(), code.as_str()),
        (403, "AccessDenied"),
        "ListObjects"
    );

    // Unsigned request.
    let (st, code) = s3_code(
        s.http
            .get(format!("{}{}", s.s3, uri_encode(&path, true)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st.as_u16(), code.as_str()), (403, "AccessDenied"));

    // Tampered body: the signed payload hash no longer matches what arrives.
    let r = s3_request_sending(&s.http, &s.s3, "PUT", &path, b"hi", b"ho", &creds, &[]).await;
    let (st, code) = s3_code(r).await;
    assert_eq!(st.as_u16() / 100, 4, "tampered body refused ({code})");
    let ok = s3_request(&s.http, &s.s3, "PUT", &path, b"hi", &creds, &[]).await;
    assert_eq!(ok.status(), 200);

    // Expired credentials (server clock one hour and a bit ahead).
    s.clock(3601).await;
    let (st, code) =
        s3_code(s3_request(&s.http, &s.s3, "GET", &path, b"", &creds, &[]).await).await;
    assert_eq!((st.as_u16(), code.as_str()), (400, "ExpiredToken"));
}

#[tokio::test]
async fn guest_credentials_use_their_own_prefix() {
    let s = Stack::start().await;
    let (_, v) = s
        .identity(
            "GetId",
            serde_json::json!({ "IdentityPoolId": IDENTITY_POOL }),
        )
        .await;
    let guest = v["IdentityId"].as_str().unwrap().to_string();
    let (_, v) = s
        .identity(
            "GetCredentialsForIdentity",
            serde_json::json!({ "IdentityId": guest }),
        )
        .await;
    let creds = Creds::from_json(&v["Credentials"]);
    let r = s3_request(
        &s.http,
        &s.s3,
        "PUT",
        &format!("/avatars/private/{guest}/g.txt"),
        b"guest",
        &creds,
        &[],
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn objects_and_credentials_survive_a_restart() {
    let s = Stack::start().await;
    let (id, creds) = demo_creds(&s).await;
    let path = format!("/avatars/private/{id}/keep.txt");
    assert_eq!(
        s3_request(&s.http, &s.s3, "PUT", &path, b"persisted", &creds, &[])
            .await
            .status(),
        200
    );
    let jwks_before = s
        .get(&format!("/{POOL}/.well-known/jwks.json"))
        .await
        .text()
        .await
        .unwrap();
    let data = s.data.clone();
    let tmp = s.stop().await;
    let s = Stack::start_on(&data).await;
    let r = s3_request(&s.http, &s.s3, "GET", &path, b"", &creds, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "persisted");
    assert_eq!(
        s.get(&format!("/{POOL}/.well-known/jwks.json"))
            .await
            .text()
            .await
            .unwrap(),
        jwks_before,
        "keys persist"
    );
    // The same user gets the same identity after a restart.
    let a = s.demo_login().await;
    let (id2, _) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    assert_eq!(id2, id);
    s.stop().await;
    drop(tmp);
}

#[tokio::test]
async fn cors_per_bucket() {
    let s = Stack::start().await;
    let preflight = |origin: &'static str, method: &'static str, headers: &'static str| {
        let s = &s;
        async move {
            s.http
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{}/avatars/private/x/y.png", s.s3),
                )
                .header("origin", origin)
                .header("access-control-request-method", method)
                .header("access-control-request-headers", headers)
                .send()
                .await
                .unwrap()
        }
    };
    let r = preflight(
        "http://localhost:8080",
        "PUT",
        "authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    assert!(r.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("PUT"));
    assert!(r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-amz-security-token"));
    assert_eq!(
        r.headers()["access-control-expose-headers"],
        "ETag, x-amz-checksum-crc32"
    );
    assert_eq!(
        preflight("http://evil.example", "PUT", "authorization")
            .await
            .status(),
        403
    );
    assert_eq!(
        preflight("http://localhost:8080", "POST", "authorization")
            .await
            .status(),
        403
    );
    assert_eq!(
        preflight("http://localhost:8080", "PUT", "x-custom-header")
            .await
            .status(),
        403
    );

    // Actual requests (errors too) carry the CORS headers so the browser can read them.
    let r = s
        .http
        .get(format!("{}/avatars/private/x/y.png", s.s3))
        .header("origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    assert_eq!(
        r.headers()["access-control-expose-headers"],
        "ETag, x-amz-checksum-crc32"
    );
}

/// (status, code, message) of an S3 error.
async fn s3_error(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let part = |tag: &str| {
        text.split(&format!("<{tag}>"))
            .nth(1)
            .and_then(|s| s.split(&format!("</{tag}>")).next())
            .unwrap_or("")
            .to_string()
    };
    (
        status,
        part("Code"),
        part("Message").replace("&quot;", "\""),
    )
}

#[tokio::test]
async fn an_editor_reads_every_avatar_and_a_customer_only_its_own() {
    let s = Stack::start().await;
    let (demo_id, demo) = demo_creds(&s).await;
    let avatar = format!("/avatars/private/{demo_id}/avatar.png");
    let r = s3_request(&s.http, &s.s3, "PUT", &avatar, b"demo-png", &demo, &[]).await;
    assert_eq!(r.status(), 200);

    let e = s.password_login(CLIENT, "editor", "Editor!2026pass").await;
    let (editor_id, c) = s.credentials(e["IdToken"].as_str().unwrap()).await;
    let editor = Creds::from_json(&c);
    // The editors' role reads another user's avatar (GET, HEAD, presigned GET).
    let r = s3_request(&s.http, &s.s3, "GET", &avatar, b"", &editor, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"demo-png");
    let r = s3_request(&s.http, &s.s3, "HEAD", &avatar, b"", &editor, &[]).await;
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .get(presign(&s.s3, &avatar, &editor, 300))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // ... but writes and deletes only its own folder.
    for method in ["PUT", "DELETE"] {
        let (st, code, message) =
            s3_error(s3_request(&s.http, &s.s3, method, &avatar, b"x", &editor, &[]).await).await;
        assert_eq!((st, code.as_str()), (403, "AccessDenied"), "{method}");
        let action = if method == "PUT" {
            "PutObject"
        } else {
            "DeleteObject"
        };
        assert_eq!(
            message,
            format!("User: arn:aws:sts::000000000000:assumed-role/ShopSphereEditors/CognitoIdentityCredentials is not authorized to perform: s3:{action} on resource: \"arn:aws:s3:::avatars{}\" because no identity-based policy allows the s3:{action} action", &avatar["/avatars".len()..])
        );
    }
    let own = format!("/avatars/private/{editor_id}/avatar.png");
    let r = s3_request(&s.http, &s.s3, "PUT", &own, b"editor-png", &editor, &[]).await;
    assert_eq!(r.status(), 200);
    // Outside private/ the editors' role has nothing.
    let (st, code, _) = s3_error(
        s3_request(
            &s.http,
            &s.s3,
            "GET",
            "/avatars/public/x.png",
            b"",
            &editor,
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((st, code.as_str()), (403, "AccessDenied"));
    // It lists under private/ (ListObjectsV2), not the whole bucket.
    let list = |creds: &Creds, extra: &[(&str, &str)]| {
        let mut q = vec![("list-type", "2")];
        q.extend_from_slice(extra);
        presign_query(&s.s3, "/avatars", &q, creds, 300, &amz_now())
    };
    let r = s
        .http
        .get(list(&editor, &[("prefix", "private/")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains(&format!("<Key>{}</Key>", &avatar["/avatars/".len()..])),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<Key>{}</Key>", &own["/avatars/".len()..])),
        "{xml}"
    );
    assert!(xml.contains("<KeyCount>2</KeyCount>"), "{xml}");
    for prefix in [None, Some("public/"), Some("priv")] {
        let extra: Vec<(&str, &str)> = prefix.map(|p| ("prefix", p)).into_iter().collect();
        let (st, code, message) =
            s3_error(s.http.get(list(&editor, &extra)).send().await.unwrap()).await;
        assert_eq!((st, code.as_str()), (403, "AccessDenied"), "{prefix:?}");
        assert!(
            message.contains("s3:ListBucket on resource: \"arn:aws:s3:::avatars\""),
            "{message}"
        );
    }
    // A delimiter rolls the folders up; max-keys pages with a continuation token.
    let r = s
        .http
        .get(list(&editor, &[("prefix", "private/"), ("delimiter", "/")]))
        .send()
        .await
        .unwrap();
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains(&format!(
            "<CommonPrefixes><Prefix>private/{demo_id}/</Prefix></CommonPrefixes>"
        )),
        "{xml}"
    );
    assert!(!xml.contains("<Contents>"), "{xml}");
    let r = s
        .http
        .get(list(&editor, &[("prefix", "private/"), ("max-keys", "1")]))
        .send()
        .await
        .unwrap();
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains("<IsTruncated>true</IsTruncated>") && xml.contains("<KeyCount>1</KeyCount>"),
        "{xml}"
    );
    let token = xml
        .split("<NextContinuationToken>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let r = s
        .http
        .get(list(
            &editor,
            &[
                ("prefix", "private/"),
                ("max-keys", "1"),
                ("continuation-token", &token),
            ],
        ))
        .send()
        .await
        .unwrap();
    let page2 = r.text().await.unwrap();
    assert!(
        page2.contains("<IsTruncated>false</IsTruncated>")
            && page2.contains("<KeyCount>1</KeyCount>"),
        "{page2}"
    );
    assert_ne!(
        xml.split("<Key>").nth(1),
        page2.split("<Key>").nth(1),
        "another key on page 2"
    );
    // encoding-type=url encodes the keys (the identity id's ':').
    let r = s
        .http
        .get(list(
            &editor,
            &[("prefix", "private/"), ("encoding-type", "url")],
        ))
        .send()
        .await
        .unwrap();
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains(&format!(
            "<Key>private/{}/avatar.png</Key>",
            demo_id.replace(':', "%3A")
        )),
        "{xml}"
    );
    // A customer lists nothing, not even its own folder (the built-in policy has no s3:ListBucket).
    let own_prefix = format!("private/{demo_id}/");
    let (st, code, _) = s3_error(
        s.http
            .get(list(&demo, &[("prefix", &own_prefix)]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, code.as_str()), (403, "AccessDenied"));
    // A customer (the authenticated role) is refused the editor's avatar.
    let (st, code, message) =
        s3_error(s3_request(&s.http, &s.s3, "GET", &own, b"", &demo, &[]).await).await;
    assert_eq!((st, code.as_str()), (403, "AccessDenied"));
    assert!(
        message.starts_with("User: arn:aws:sts::000000000000:assumed-role/Cognito_ShopSphereidentitiesAuth_Role/CognitoIdentityCredentials is not authorized to perform: s3:GetObject"),
        "{message}"
    );
    // The editor asking for the authenticated role is refused it (it is not among its token's roles).
    let (_, st, v, _) = s
        .role_credentials(e["IdToken"].as_str().unwrap(), Some(AUTH_ROLE))
        .await;
    assert_eq!(
        (st.as_u16(), v["__type"].as_str().unwrap()),
        (400, "InvalidParameterException")
    );
}

#[tokio::test]
async fn a_role_mapping_rule_can_narrow_the_policy() {
    // Demo's rule gives a read-only role: it may read its own folder and no longer write it.
    let text = devstack::config::DEFAULT_CONFIG.replacen(
        "type = \"Token\"\nambiguous_role_resolution = \"AuthenticatedRole\"",
        "type = \"Rules\"\nambiguous_role_resolution = \"AuthenticatedRole\"\nrules = [{ claim = \"cognito:username\", match_type = \"Equals\", value = \"demo\", role_arn = \"arn:aws:iam::000000000000:role/ReadOnly\" }]",
        1,
    ) + "\n[[roles]]\narn = \"arn:aws:iam::000000000000:role/ReadOnly\"\n\n[[roles.s3]]\nbucket = \"avatars\"\nactions = [\"s3:GetObject\"]\nprefixes = [\"private/${cognito-identity.amazonaws.com:sub}/\"]\n";
    let s = Stack::start_with(devstack::Config::parse(&text).unwrap()).await;
    let (id, demo) = demo_creds(&s).await;
    let path = format!("/avatars/private/{id}/a.txt");
    let (st, code, message) =
        s3_error(s3_request(&s.http, &s.s3, "PUT", &path, b"x", &demo, &[]).await).await;
    assert_eq!((st, code.as_str()), (403, "AccessDenied"));
    assert!(message.contains("assumed-role/ReadOnly/"), "{message}");
    let (st, code, _) =
        s3_error(s3_request(&s.http, &s.s3, "GET", &path, b"", &demo, &[]).await).await;
    assert_eq!(
        (st, code.as_str()),
        (404, "NoSuchKey"),
        "allowed, and absent"
    );
    // Rival matches no rule: the authenticated role, which writes its own folder.
    let r = s.password_login(CLIENT, "rival", "Rival!2026pass").await;
    let (rid, c) = s.credentials(r["IdToken"].as_str().unwrap()).await;
    let rival = Creds::from_json(&c);
    let r = s3_request(
        &s.http,
        &s.s3,
        "PUT",
        &format!("/avatars/private/{rid}/a.txt"),
        b"x",
        &rival,
        &[],
    )
    .await;
    assert_eq!(r.status(), 200);
}
