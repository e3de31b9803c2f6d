//! DynamoDB with identity-pool credentials: the five item operations, typed values, expressions, the
//! refusals (signature, credentials, the LeadingKeys policy, validation, conditions), persistence, reset,
//! CORS and injected faults. Requests are signed with the test's own SigV4 (`common::signature_for`).

use std::collections::BTreeMap;

use devstack::config::DEFAULT_CONFIG;
use devstack::Config;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::*;

const TABLE: &str = "shopsphere-profiles";

/// How to sign (and what to send): the normal case and the tampered ones.
struct Signing<'a> {
    creds: &'a Creds,
    service: &'a str,
    amz_date: String,
    /// Sent instead of the signed body.
    sent_body: Option<String>,
    /// Sent instead of the credentials' session token.
    sent_token: Option<Option<String>>,
}

impl<'a> Signing<'a> {
    fn new(creds: &'a Creds) -> Self {
        Signing {
            creds,
            service: "dynamodb",
            amz_date: amz_now(),
            sent_body: None,
            sent_token: None,
        }
    }
}

/// A signed DynamoDB request: (status, body, headers).
async fn send(
    s: &Stack,
    op: &str,
    body: &Value,
    how: Signing<'_>,
) -> (StatusCode, Value, HeaderMap) {
    let body = body.to_string();
    let host = s.dynamodb.trim_start_matches("http://").to_string();
    let mut headers = BTreeMap::new();
    headers.insert(
        "content-type".to_string(),
        "application/x-amz-json-1.0".to_string(),
    );
    headers.insert("host".to_string(), host);
    headers.insert("x-amz-date".to_string(), how.amz_date.clone());
    headers.insert(
        "x-amz-target".to_string(),
        format!("DynamoDB_20120810.{op}"),
    );
    if let Some(t) = &how.creds.token {
        headers.insert("x-amz-security-token".to_string(), t.clone());
    }
    let payload = hex(&Sha256::digest(body.as_bytes()));
    let sig = signature_for(
        how.service,
        "POST",
        "/",
        &BTreeMap::new(),
        &headers,
        &payload,
        &how.creds.secret,
        &how.amz_date,
        "us-east-1",
    );
    let signed: Vec<&str> = headers.keys().map(String::as_str).collect();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{}/us-east-1/{}/aws4_request, SignedHeaders={}, Signature={sig}",
        how.creds.akid,
        &how.amz_date[..8],
        how.service,
        signed.join(";")
    );
    let mut req = s
        .http
        .post(format!("{}/", s.dynamodb))
        .header("authorization", auth);
    for (k, v) in &headers {
        if k == "host" || (k == "x-amz-security-token" && how.sent_token.is_some()) {
            continue;
        }
        req = req.header(k, v);
    }
    if let Some(Some(t)) = &how.sent_token {
        req = req.header("x-amz-security-token", t);
    }
    let r = req
        .body(how.sent_body.unwrap_or(body))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let h = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        h,
    )
}

pub async fn call(s: &Stack, op: &str, body: Value, creds: &Creds) -> (StatusCode, Value) {
    let (st, v, _) = send(s, op, &body, Signing::new(creds)).await;
    (st, v)
}

/// The error name (after the `#`) of a DynamoDB error body.
fn ty(v: &Value) -> &str {
    v["__type"]
        .as_str()
        .and_then(|t| t.rsplit('#').next())
        .unwrap_or("")
}

async fn refused(s: &Stack, op: &str, body: Value, creds: &Creds, want: &str) -> Value {
    let (st, v) = call(s, op, body.clone(), creds).await;
    assert_eq!((st.as_u16(), ty(&v)), (400, want), "{op} {body}: {v}");
    v
}

async fn user_creds(s: &Stack, user: &str, password: &str) -> (String, Creds) {
    let a = s.password_login(CLIENT, user, password).await;
    let (id, c) = s.credentials(a["IdToken"].as_str().unwrap()).await;
    (id, Creds::from_json(&c))
}

async fn demo(s: &Stack) -> (String, Creds) {
    user_creds(s, "demo", "ShopSphere!2026").await
}

fn key(id: &str) -> Value {
    json!({ "identityId": { "S": id } })
}

#[tokio::test]
async fn put_get_update_query_delete_with_typed_values() {
    let s = Stack::start().await;
    let (id, creds) = demo(&s).await;
    let item = json!({
        "identityId": { "S": id },
        "displayName": { "S": "Demo Shopper" },
        "age": { "N": "041.50" },
        "tags": { "SS": ["new", "vip"] },
        "address": { "M": { "city": { "S": "Oslo" }, "zip": { "N": "150" } } },
        "avatar": { "B": "iVBORw0K" },
        "newsletter": { "BOOL": true },
        "nothing": { "NULL": true },
        "orders": { "L": [{ "S": "o-1" }, { "N": "2" }] },
    });
    let (st, v, h) = send(
        &s,
        "PutItem",
        &json!({ "TableName": TABLE, "Item": item }),
        Signing::new(&creds),
    )
    .await;
    assert_eq!((st.as_u16(), v.clone()), (200, json!({})));
    assert_eq!(h["content-type"], "application/x-amz-json-1.0");
    assert!(h.contains_key("x-amzn-requestid"));
    let crc: u32 = h["x-amz-crc32"].to_str().unwrap().parse().unwrap();
    assert_eq!(
        crc,
        crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, b"{}") as u32
    );

    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&id) }),
        &creds,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let mut want = item.clone();
    want["age"] = json!({ "N": "41.5" });
    assert_eq!(
        v["Item"], want,
        "numbers come back normalised, everything else as stored"
    );

    let (_, v) = call(&s, "GetItem", json!({ "TableName": TABLE, "Key": key(&id), "ProjectionExpression": "#n, address.city, orders[1]", "ExpressionAttributeNames": { "#n": "displayName" } }), &creds).await;
    assert_eq!(
        v["Item"],
        json!({ "displayName": { "S": "Demo Shopper" }, "address": { "M": { "city": { "S": "Oslo" } } }, "orders": { "L": [{ "N": "2" }] } })
    );

    let (st, v) = call(&s, "UpdateItem", json!({
        "TableName": TABLE, "Key": key(&id),
        "UpdateExpression": "SET #n = :n, age = age + :one, orders = list_append(orders, :more), visits = if_not_exists(visits, :zero) REMOVE tags, address.zip",
        "ExpressionAttributeNames": { "#n": "displayName" },
        "ExpressionAttributeValues": { ":n": { "S": "Demo 2" }, ":one": { "N": "1" }, ":more": { "L": [{ "S": "o-3" }] }, ":zero": { "N": "0" } },
        "ReturnValues": "ALL_NEW",
    }), &creds).await;
    assert_eq!(st, 200, "{v}");
    let a = &v["Attributes"];
    assert_eq!(a["displayName"], json!({ "S": "Demo 2" }));
    assert_eq!(a["age"], json!({ "N": "42.5" }));
    assert_eq!(a["orders"]["L"].as_array().unwrap().len(), 3);
    assert_eq!(a["visits"], json!({ "N": "0" }));
    assert!(a.get("tags").is_none());
    assert_eq!(a["address"], json!({ "M": { "city": { "S": "Oslo" } } }));

    let (_, v) = call(
        &s,
        "UpdateItem",
        json!({
            "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET visits = visits + :one",
            "ExpressionAttributeValues": { ":one": { "N": "1" } }, "ReturnValues": "UPDATED_OLD",
        }),
        &creds,
    )
    .await;
    assert_eq!(v, json!({ "Attributes": { "visits": { "N": "0" } } }));

    let (st, v) = call(
        &s,
        "Query",
        json!({
            "TableName": TABLE, "KeyConditionExpression": "identityId = :id",
            "ExpressionAttributeValues": { ":id": { "S": id } },
        }),
        &creds,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["Count"].as_u64(), v["ScannedCount"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["Items"][0]["visits"], json!({ "N": "1" }));
    let (_, v) = call(&s, "Query", json!({
        "TableName": TABLE, "KeyConditionExpression": "#k = :id", "FilterExpression": "visits > :v",
        "ExpressionAttributeNames": { "#k": "identityId" },
        "ExpressionAttributeValues": { ":id": { "S": id }, ":v": { "N": "5" } },
    }), &creds).await;
    assert_eq!(
        (v["Count"].as_u64(), v["ScannedCount"].as_u64()),
        (Some(0), Some(1)),
        "{v}"
    );

    let (st, v) = call(
        &s,
        "DeleteItem",
        json!({ "TableName": TABLE, "Key": key(&id), "ReturnValues": "ALL_OLD" }),
        &creds,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["Attributes"]["displayName"], json!({ "S": "Demo 2" }));
    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&id) }),
        &creds,
    )
    .await;
    assert_eq!(
        (st.as_u16(), v),
        (200, json!({})),
        "a missing item is an empty answer"
    );
    // UpdateItem creates a missing item.
    let (_, v) = call(
        &s,
        "UpdateItem",
        json!({
            "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET displayName = :n",
            "ExpressionAttributeValues": { ":n": { "S": "Fresh" } }, "ReturnValues": "ALL_NEW",
        }),
        &creds,
    )
    .await;
    assert_eq!(
        v["Attributes"],
        json!({ "identityId": { "S": id }, "displayName": { "S": "Fresh" } })
    );
}

#[tokio::test]
async fn conditions_fail_with_conditional_check_failed() {
    let s = Stack::start().await;
    let (id, creds) = demo(&s).await;
    let put = json!({
        "TableName": TABLE, "Item": { "identityId": { "S": id }, "v": { "N": "1" } },
        "ConditionExpression": "attribute_not_exists(identityId)",
    });
    assert_eq!(call(&s, "PutItem", put.clone(), &creds).await.0, 200);
    let v = refused(
        &s,
        "PutItem",
        put.clone(),
        &creds,
        "ConditionalCheckFailedException",
    )
    .await;
    assert_eq!(
        v["__type"],
        "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"
    );
    assert_eq!(v["message"], "The conditional request failed");
    assert!(v.get("Item").is_none());
    let mut with_old = put.clone();
    with_old["ReturnValuesOnConditionCheckFailure"] = json!("ALL_OLD");
    let v = refused(
        &s,
        "PutItem",
        with_old,
        &creds,
        "ConditionalCheckFailedException",
    )
    .await;
    assert_eq!(v["Item"]["v"], json!({ "N": "1" }));
    refused(&s, "UpdateItem", json!({
        "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET v = :two",
        "ConditionExpression": "v = :two", "ExpressionAttributeValues": { ":two": { "N": "2" } },
    }), &creds, "ConditionalCheckFailedException").await;
    refused(
        &s,
        "DeleteItem",
        json!({
            "TableName": TABLE, "Key": key(&id), "ConditionExpression": "attribute_exists(gone)",
        }),
        &creds,
        "ConditionalCheckFailedException",
    )
    .await;
    // A condition that holds.
    let (st, _) = call(&s, "UpdateItem", json!({
        "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET v = :two",
        "ConditionExpression": "v < :two AND attribute_exists(identityId)", "ExpressionAttributeValues": { ":two": { "N": "2" } },
    }), &creds).await;
    assert_eq!(st, 200);
    let (_, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&id) }),
        &creds,
    )
    .await;
    assert_eq!(
        v["Item"]["v"],
        json!({ "N": "2" }),
        "failed conditions changed nothing"
    );
}

#[tokio::test]
async fn bad_requests_are_validation_exceptions() {
    let s = Stack::start().await;
    let (id, creds) = demo(&s).await;
    let cases = [
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": { "name": { "S": "x" } } }),
            "Missing the key identityId",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": { "identityId": { "N": "1" } } }),
            "Type mismatch for key identityId",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": { "identityId": { "S": id }, "n": { "N": "abc" } } }),
            "numeric value",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": { "identityId": { "S": id }, "x": { "S": "a", "N": "1" } } }),
            "more than one datatypes",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": { "identityId": { "S": id }, "s": { "SS": [] } } }),
            "may not be empty",
        ),
        (
            "GetItem",
            json!({ "TableName": TABLE, "Key": { "identityId": { "S": id }, "extra": { "S": "x" } } }),
            "does not match the schema",
        ),
        (
            "GetItem",
            json!({ "TableName": TABLE }),
            "Value null at 'key'",
        ),
        (
            "GetItem",
            json!({ "Key": key(&id) }),
            "Value null at 'tableName'",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET = :v", "ExpressionAttributeValues": { ":v": { "S": "x" } } }),
            "Invalid UpdateExpression: Syntax error",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET a = :v" }),
            "attribute value: :v",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET #a = :v", "ExpressionAttributeValues": { ":v": { "S": "x" } } }),
            "attribute name: #a",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": { ":v": { "S": "x" }, ":w": { "S": "y" } } }),
            "unused in expressions: keys: {:w}",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET identityId = :v", "ExpressionAttributeValues": { ":v": { "S": "x" } } }),
            "part of the key",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET a = b + :v", "ExpressionAttributeValues": { ":v": { "N": "1" } } }),
            "does not exist in the item",
        ),
        (
            "UpdateItem",
            json!({ "TableName": TABLE, "Key": key(&id), "UpdateExpression": "SET a = :v REMOVE a", "ExpressionAttributeValues": { ":v": { "N": "1" } } }),
            "overlap",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": key(&id), "ConditionExpression": "attribute_not_exists(" }),
            "Invalid ConditionExpression: Syntax error",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": key(&id), "ExpressionAttributeValues": {} }),
            "must not be empty",
        ),
        (
            "PutItem",
            json!({ "TableName": TABLE, "Item": key(&id), "ReturnValues": "ALL_NEW" }),
            "Return values set to invalid value",
        ),
        (
            "Query",
            json!({ "TableName": TABLE }),
            "KeyConditionExpression parameter must be specified",
        ),
        (
            "Query",
            json!({ "TableName": TABLE, "KeyConditionExpression": "identityId > :id", "ExpressionAttributeValues": { ":id": { "S": id } } }),
            "Query key condition not supported",
        ),
        (
            "Query",
            json!({ "TableName": TABLE, "KeyConditionExpression": "other = :id", "ExpressionAttributeValues": { ":id": { "S": id } } }),
            "missed key schema element: identityId",
        ),
        (
            "Query",
            json!({ "TableName": TABLE, "KeyConditionExpression": "identityId = :id", "ExpressionAttributeValues": { ":id": { "N": "1" } } }),
            "does not match schema type",
        ),
        (
            "Query",
            json!({ "TableName": TABLE, "KeyConditionExpression": "identityId = :id", "ExpressionAttributeValues": { ":id": { "S": id } }, "Limit": 0 }),
            "greater than or equal to 1",
        ),
        (
            "GetItem",
            json!({ "TableName": TABLE, "Key": key(&id), "AttributesToGet": ["a"] }),
            "legacy AttributesToGet",
        ),
    ];
    for (op, body, message) in cases {
        let v = refused(&s, op, body.clone(), &creds, "ValidationException").await;
        assert_eq!(v["__type"], "com.amazon.coral.validate#ValidationException");
        let m = v["message"].as_str().unwrap();
        assert!(
            m.contains(message),
            "{op} {body}: {m:?} should contain {message:?}"
        );
    }
    let (st, v) = call(&s, "Scan", json!({ "TableName": TABLE }), &creds).await;
    assert_eq!((st.as_u16(), ty(&v)), (400, "UnknownOperationException"));
    let (st, v, _) = send(
        &s,
        "GetItem",
        &json!({}),
        Signing {
            sent_body: Some("not json".into()),
            ..Signing::new(&creds)
        },
    )
    .await;
    // The body is signed as `{}` but another one is sent: the signature check comes first.
    assert_eq!((st.as_u16(), ty(&v)), (400, "InvalidSignatureException"));
}

#[tokio::test]
async fn signatures_and_credentials_are_checked() {
    let s = Stack::start().await;
    let (id, creds) = demo(&s).await;
    let get = json!({ "TableName": TABLE, "Key": key(&id) });
    let wrong_secret = Creds {
        akid: creds.akid.clone(),
        secret: "x".repeat(40),
        token: creds.token.clone(),
    };
    let (st, v, _) = send(&s, "GetItem", &get, Signing::new(&wrong_secret)).await;
    assert_eq!(st, 400);
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#InvalidSignatureException"
    );
    assert!(v["message"]
        .as_str()
        .unwrap()
        .starts_with("The request signature we calculated does not match"));
    // Signed one body, sent another.
    let (_, v, _) = send(
        &s,
        "GetItem",
        &get,
        Signing {
            sent_body: Some(
                json!({ "TableName": TABLE, "Key": key("us-east-1:other") }).to_string(),
            ),
            ..Signing::new(&creds)
        },
    )
    .await;
    assert_eq!(ty(&v), "InvalidSignatureException");
    // Scoped to another service; signed 20 minutes ago.
    let (_, v, _) = send(
        &s,
        "GetItem",
        &get,
        Signing {
            service: "s3",
            ..Signing::new(&creds)
        },
    )
    .await;
    assert_eq!(ty(&v), "InvalidSignatureException");
    let old = amz_date_at(time::OffsetDateTime::now_utc() - time::Duration::minutes(20));
    let (_, v, _) = send(
        &s,
        "GetItem",
        &get,
        Signing {
            amz_date: old,
            ..Signing::new(&creds)
        },
    )
    .await;
    assert_eq!(ty(&v), "InvalidSignatureException");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired"),
        "{v}"
    );
    // Unknown key; wrong or missing session token.
    let unknown = Creds {
        akid: "ASIAUNKNOWNKEY000000".into(),
        secret: creds.secret.clone(),
        token: creds.token.clone(),
    };
    let (_, v, _) = send(&s, "GetItem", &get, Signing::new(&unknown)).await;
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#UnrecognizedClientException"
    );
    let (_, v, _) = send(
        &s,
        "GetItem",
        &get,
        Signing {
            sent_token: Some(Some("DSSTwrong".into())),
            ..Signing::new(&creds)
        },
    )
    .await;
    assert_eq!(ty(&v), "UnrecognizedClientException");
    let (_, v, _) = send(
        &s,
        "GetItem",
        &get,
        Signing {
            sent_token: Some(None),
            ..Signing::new(&creds)
        },
    )
    .await;
    assert_eq!(ty(&v), "UnrecognizedClientException");
    // No Authorization at all.
    let r = s
        .http
        .post(format!("{}/", s.dynamodb))
        .header("x-amz-target", "DynamoDB_20120810.GetItem")
        .body(get.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(ty(&v), "MissingAuthenticationTokenException");
    // Expired credentials (the server clock moves past their Expiration).
    assert_eq!(call(&s, "GetItem", get.clone(), &creds).await.0, 200);
    s.clock(3601).await;
    let (_, v, _) = send(&s, "GetItem", &get, Signing::new(&creds)).await;
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#ExpiredTokenException"
    );
}

#[tokio::test]
async fn leading_keys_policy_keeps_identities_apart() {
    let s = Stack::start().await;
    let (id, creds) = demo(&s).await;
    let (rival_id, rival) = user_creds(&s, "rival", "Rival!2026pass").await;
    assert_eq!(
        call(
            &s,
            "PutItem",
            json!({ "TableName": TABLE, "Item": key(&rival_id) }),
            &rival
        )
        .await
        .0,
        200
    );
    let other = json!({ "TableName": TABLE, "Key": key(&rival_id) });
    let v = refused(
        &s,
        "GetItem",
        other.clone(),
        &creds,
        "AccessDeniedException",
    )
    .await;
    assert_eq!(
        v["__type"],
        "com.amazon.coral.service#AccessDeniedException"
    );
    let m = v["message"].as_str().unwrap();
    assert!(m.contains("is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:") && m.contains(":table/shopsphere-profiles"), "{m}");
    refused(
        &s,
        "DeleteItem",
        other.clone(),
        &creds,
        "AccessDeniedException",
    )
    .await;
    refused(
        &s,
        "PutItem",
        json!({ "TableName": TABLE, "Item": key(&rival_id) }),
        &creds,
        "AccessDeniedException",
    )
    .await;
    refused(&s, "UpdateItem", json!({ "TableName": TABLE, "Key": key(&rival_id), "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": { ":v": { "S": "x" } } }), &creds, "AccessDeniedException").await;
    refused(&s, "Query", json!({ "TableName": TABLE, "KeyConditionExpression": "identityId = :id", "ExpressionAttributeValues": { ":id": { "S": rival_id } } }), &creds, "AccessDeniedException").await;
    // The rival's item is untouched; the policy names only this table.
    let (_, v) = call(&s, "GetItem", other, &rival).await;
    assert_eq!(v["Item"], key(&rival_id));
    refused(
        &s,
        "GetItem",
        json!({ "TableName": "other-table", "Key": key(&id) }),
        &creds,
        "AccessDeniedException",
    )
    .await;
    // Guests have no DynamoDB rights, even on their own identity id.
    let (st, v) = s
        .identity("GetId", json!({ "IdentityPoolId": IDENTITY_POOL }))
        .await;
    assert_eq!(st, 200);
    let guest_id = v["IdentityId"].as_str().unwrap().to_string();
    let (_, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": guest_id }),
        )
        .await;
    let guest = Creds::from_json(&v["Credentials"]);
    let v = refused(
        &s,
        "PutItem",
        json!({ "TableName": TABLE, "Item": key(&guest_id) }),
        &guest,
        "AccessDeniedException",
    )
    .await;
    assert!(
        v["message"].as_str().unwrap().contains("Unauth_Role"),
        "{v}"
    );
    // A guest who signs in (a new user: the guest identity becomes the user's) gets the authenticated
    // role's rights with new credentials; the guest's credentials keep the unauthenticated role's.
    let newbie = sign_up_user(&s, "dana").await;
    let (st, v) = s
        .identity(
            "GetCredentialsForIdentity",
            json!({ "IdentityId": guest_id, "Logins": { PROVIDER: newbie } }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["IdentityId"].as_str()),
        (200, Some(guest_id.as_str())),
        "{v}"
    );
    let user = Creds::from_json(&v["Credentials"]);
    let (st, v) = call(
        &s,
        "PutItem",
        json!({ "TableName": TABLE, "Item": key(&guest_id) }),
        &user,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    refused(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&guest_id) }),
        &guest,
        "AccessDeniedException",
    )
    .await;
}

/// Creates a user (AdminCreateUser, then a permanent AdminSetUserPassword); returns its ID token.
async fn sign_up_user(s: &Stack, username: &str) -> Value {
    let password = "Newbie!2026pass";
    let (st, v) = s
        .idp(
            "AdminCreateUser",
            json!({ "UserPoolId": POOL, "Username": username, "TemporaryPassword": "Temp!2026pass", "UserAttributes": [{ "Name": "email", "Value": format!("{username}@shopsphere.test") }] }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = s
        .idp(
            "AdminSetUserPassword",
            json!({ "UserPoolId": POOL, "Username": username, "Password": password, "Permanent": true }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    s.password_login(CLIENT, username, password).await["IdToken"].clone()
}

/// The default config with `extra` appended and `from` replaced by `to`.
fn config_with(extra: &str, from: &str, to: &str) -> Config {
    let text = format!("{DEFAULT_CONFIG}\n{extra}");
    assert!(text.contains(from), "{from}");
    Config::parse(&text.replace(from, to)).unwrap()
}

const ORDERS: &str = r#"
[[dynamodb_tables]]
name = "shopsphere-orders"
partition_key = "identityId"
sort_key = "placedAt"
sort_key_type = "N"
"#;

#[tokio::test]
async fn missing_tables_and_sort_keys() {
    let s = Stack::start_with(config_with(
        ORDERS,
        r#"tables = ["shopsphere-profiles"]"#,
        r#"tables = ["shopsphere-*"]"#,
    ))
    .await;
    let (id, creds) = demo(&s).await;
    let v = refused(
        &s,
        "GetItem",
        json!({ "TableName": "shopsphere-nothere", "Key": key(&id) }),
        &creds,
        "ResourceNotFoundException",
    )
    .await;
    assert_eq!(
        v["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    refused(&s, "Query", json!({ "TableName": "shopsphere-nothere", "KeyConditionExpression": "identityId = :id", "ExpressionAttributeValues": { ":id": { "S": id } } }), &creds, "ResourceNotFoundException").await;
    refused(
        &s,
        "GetItem",
        json!({ "TableName": "elsewhere", "Key": key(&id) }),
        &creds,
        "AccessDeniedException",
    )
    .await;

    for (ts, total) in [("5", "10"), ("20", "3.5"), ("-1", "7"), ("100", "1")] {
        let item =
            json!({ "identityId": { "S": id }, "placedAt": { "N": ts }, "total": { "N": total } });
        assert_eq!(
            call(
                &s,
                "PutItem",
                json!({ "TableName": "shopsphere-orders", "Item": item }),
                &creds
            )
            .await
            .0,
            200
        );
    }
    refused(
        &s,
        "GetItem",
        json!({ "TableName": "shopsphere-orders", "Key": key(&id) }),
        &creds,
        "ValidationException",
    )
    .await;
    let q = |cond: &str, extra: Value| {
        let mut body = json!({
            "TableName": "shopsphere-orders", "KeyConditionExpression": cond,
            "ExpressionAttributeValues": { ":id": { "S": id }, ":a": { "N": "0" }, ":b": { "N": "50" } },
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let placed = |v: &Value| -> Vec<String> {
        v["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["placedAt"]["N"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = call(&s, "Query", json!({ "TableName": "shopsphere-orders", "KeyConditionExpression": "identityId = :id", "ExpressionAttributeValues": { ":id": { "S": id } } }), &creds).await;
    assert_eq!(
        placed(&v),
        ["-1", "5", "20", "100"],
        "sorted by the numeric sort key"
    );
    let (_, v) = call(
        &s,
        "Query",
        q("identityId = :id AND placedAt BETWEEN :a AND :b", json!({})),
        &creds,
    )
    .await;
    assert_eq!(placed(&v), ["5", "20"]);
    let (_, v) = call(&s, "Query", q("placedAt > :a AND identityId = :id", json!({ "ScanIndexForward": false, "Limit": 2, "ExpressionAttributeValues": { ":id": { "S": id }, ":a": { "N": "0" } } })), &creds).await;
    assert_eq!(placed(&v), ["100", "20"]);
    assert_eq!(
        v["LastEvaluatedKey"],
        json!({ "identityId": { "S": id }, "placedAt": { "N": "20" } })
    );
    let (_, v) = call(&s, "Query", q("placedAt > :a AND identityId = :id", json!({ "ScanIndexForward": false, "ExclusiveStartKey": v["LastEvaluatedKey"], "ExpressionAttributeValues": { ":id": { "S": id }, ":a": { "N": "0" } } })), &creds).await;
    assert_eq!(placed(&v), ["5"]);
    assert!(v.get("LastEvaluatedKey").is_none());
    let (_, v) = call(&s, "Query", q("identityId = :id", json!({ "Select": "COUNT", "FilterExpression": "#t >= :b OR #t < :a", "ExpressionAttributeNames": { "#t": "total" }, "ExpressionAttributeValues": { ":id": { "S": id }, ":a": { "N": "4" }, ":b": { "N": "10" } } })), &creds).await;
    assert_eq!(
        (v["Count"].as_u64(), v["ScannedCount"].as_u64()),
        (Some(3), Some(4)),
        "{v}"
    );
    assert!(v.get("Items").is_none());
}

#[tokio::test]
async fn items_survive_a_restart_and_reset_clears_them() {
    // No LeadingKeys condition, so that new credentials after --reset may look for the old key.
    let config = config_with(
        "",
        r#"leading_keys = "${cognito-identity.amazonaws.com:sub}""#,
        r#"leading_keys = "*""#,
    );
    let s = Stack::start_with(config.clone()).await;
    let (id, creds) = demo(&s).await;
    let item = json!({ "identityId": { "S": id }, "displayName": { "S": "Persisted" } });
    assert_eq!(
        call(
            &s,
            "PutItem",
            json!({ "TableName": TABLE, "Item": item }),
            &creds
        )
        .await
        .0,
        200
    );
    let data = s.data.clone();
    let tmp = s.stop().await;
    assert!(data.join("dynamodb.redb").exists());

    let s = Stack::start_custom(&data, config.clone(), false).await;
    let (_, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&id) }),
        &creds,
    )
    .await;
    assert_eq!(
        v["Item"]["displayName"],
        json!({ "S": "Persisted" }),
        "credentials and items survive a restart"
    );
    s.stop().await;

    let s = Stack::start_custom(&data, config, true).await;
    let (_, fresh) = demo(&s).await;
    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&id) }),
        &fresh,
    )
    .await;
    assert_eq!(
        (st.as_u16(), v),
        (200, json!({})),
        "--reset cleared the items"
    );
    let (_, v, _) = send(
        &s,
        "GetItem",
        &json!({ "TableName": TABLE, "Key": key(&id) }),
        Signing::new(&creds),
    )
    .await;
    assert_eq!(ty(&v), "UnrecognizedClientException", "and the credentials");
    s.stop().await;
    drop(tmp);
}

#[tokio::test]
async fn cors_and_injected_faults() {
    let s = Stack::start().await;
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/", s.dynamodb))
        .header("origin", "http://localhost:8080")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-target,amz-sdk-invocation-id,amz-sdk-request")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_string();
    for h in [
        "authorization",
        "x-amz-target",
        "x-amz-date",
        "x-amz-security-token",
        "content-type",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
    ] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    // Actual answers (errors too) carry the origin and expose the request id.
    let r = s
        .http
        .post(format!("{}/", s.dynamodb))
        .header("origin", "http://localhost:8080")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    assert!(r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("x-amzn-requestid"));
    let r = s
        .http
        .post(format!("{}/", s.dynamodb))
        .header("origin", "http://evil.test")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let (id, creds) = demo(&s).await;
    s.admin("faults", json!({ "endpoint": "GetItem", "status": 500 }))
        .await;
    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&id) }),
        &creds,
    )
    .await;
    assert_eq!((st.as_u16(), ty(&v)), (500, "InternalServerError"));
    s.admin("faults", json!({ "endpoint": "dynamodb", "status": 429 }))
        .await;
    let (st, v) = call(
        &s,
        "PutItem",
        json!({ "TableName": TABLE, "Item": key(&id) }),
        &creds,
    )
    .await;
    assert_eq!((st.as_u16(), ty(&v)), (429, "ThrottlingException"));
    assert_eq!(
        call(
            &s,
            "GetItem",
            json!({ "TableName": TABLE, "Key": key(&id) }),
            &creds
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn the_credentials_role_decides_with_its_own_policy() {
    // A `support` group whose role may read (not write) every profile: LeadingKeys "*".
    let extra = r#"
[[roles]]
arn = "arn:aws:iam::000000000000:role/team/Support"

[[roles.dynamodb]]
tables = ["shopsphere-profiles"]
actions = ["dynamodb:GetItem", "dynamodb:Query"]
leading_keys = "*"
"#;
    let s = Stack::start_with(config_with(
        extra,
        "[[identity_pools]]",
        "[[user_pools.groups]]\nname = \"support\"\nprecedence = 0\nrole_arn = \"arn:aws:iam::000000000000:role/team/Support\"\n\n[[identity_pools]]",
    ))
    .await;
    let (demo_id, demo) = demo(&s).await;
    assert_eq!(
        call(
            &s,
            "PutItem",
            json!({ "TableName": TABLE, "Item": key(&demo_id) }),
            &demo
        )
        .await
        .0,
        200
    );
    let (st, _) = s
        .idp(
            "AdminAddUserToGroup",
            json!({ "UserPoolId": POOL, "Username": "rival", "GroupName": "support" }),
        )
        .await;
    assert_eq!(st, 200);
    let (_, support) = user_creds(&s, "rival", "Rival!2026pass").await;
    let (st, v) = call(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&demo_id) }),
        &support,
    )
    .await;
    assert_eq!((st.as_u16(), &v["Item"]), (200, &key(&demo_id)), "{v}");
    let (st, v) = call(&s, "Query", json!({ "TableName": TABLE, "KeyConditionExpression": "identityId = :id", "ExpressionAttributeValues": { ":id": { "S": demo_id } } }), &support).await;
    assert_eq!((st.as_u16(), v["Count"].as_i64()), (200, Some(1)), "{v}");
    let v = refused(
        &s,
        "PutItem",
        json!({ "TableName": TABLE, "Item": key(&demo_id) }),
        &support,
        "AccessDeniedException",
    )
    .await;
    assert_eq!(
        v["message"],
        "User: arn:aws:sts::000000000000:assumed-role/Support/CognitoIdentityCredentials is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/shopsphere-profiles because no identity-based policy allows the dynamodb:PutItem action"
    );
    // The customer keeps the authenticated role's LeadingKeys policy, named in its refusals.
    let rival_id = "us-east-1:00000000-0000-0000-0000-000000000000";
    let v = refused(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(rival_id) }),
        &demo,
        "AccessDeniedException",
    )
    .await;
    assert!(
        v["message"].as_str().unwrap().starts_with("User: arn:aws:sts::000000000000:assumed-role/Cognito_ShopSphereidentitiesAuth_Role/CognitoIdentityCredentials is not authorized to perform: dynamodb:GetItem"),
        "{v}"
    );
    // The editors' role (default config) reaches only its own item.
    let (editor_id, editor) = user_creds(&s, "editor", "Editor!2026pass").await;
    assert_eq!(
        call(
            &s,
            "PutItem",
            json!({ "TableName": TABLE, "Item": key(&editor_id) }),
            &editor
        )
        .await
        .0,
        200
    );
    let v = refused(
        &s,
        "GetItem",
        json!({ "TableName": TABLE, "Key": key(&demo_id) }),
        &editor,
        "AccessDeniedException",
    )
    .await;
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("assumed-role/ShopSphereEditors/"),
        "{v}"
    );
}
