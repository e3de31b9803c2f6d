//! DynamoDB on its own port: the JSON 1.0 protocol (`POST /`, `X-Amz-Target: DynamoDB_20120810.<Op>`,
//! `application/x-amz-json-1.0`) for GetItem, PutItem, UpdateItem, DeleteItem and Query on the tables of
//! the config, with DynamoDB's typed values, expressions and errors (the submodules, in `dynamodb/`). Every request
//! is SigV4-verified (`sigv4.rs`) with the credentials the identity pool issued (secret, session token,
//! expiry), and the policy of the credentials' role is enforced as IAM does, with
//! `dynamodb:LeadingKeys` = the caller's identity id (by default the identity pool's authenticated role
//! with its `authenticated_dynamodb` statements; guests have no DynamoDB rights). Items persist as
//! JSON in `<data dir>/dynamodb.redb` (redb), keyed by table, partition key and sort key.

// DynamoDB's data and expression language, pure (no I/O, no other devstack module): errors are
// DynamoDB's `ValidationException` messages.
pub mod condition;
pub mod expression;
pub mod key_condition;
pub mod number;
pub mod path;
pub mod projection;
pub mod update;
pub mod value;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use redb::{Database, ReadableTable, TableDefinition};
use serde_json::{json, Map, Value};

use crate::config::{DynamoDbTable, ACCOUNT, IDENTITY_SUB};
use crate::sigv4::{parse_authorization, verify, SigError};
use crate::state::Shared;
use crate::wire::{json10, json10_error};

use self::condition::holds;
use self::expression::{parse_condition, parse_projection, parse_update, Cond, Ctx, Update};
use self::key_condition::{key_condition, SortCond};
use self::path::Path as DocPath;
use self::projection::project;
use self::value::{check_item, key_string, type_of, Item};

/// The file under the data directory.
pub const FILE: &str = "dynamodb.redb";

/// DynamoDB's item size limit.
const MAX_ITEM_BYTES: usize = 400 * 1024;

const ITEMS: TableDefinition<&str, &str> = TableDefinition::new("items");

/// The items of every table, in one redb database.
pub struct Tables {
    db: Database,
}

/// Opens (or creates) `<data dir>/dynamodb.redb`.
pub fn open(data_dir: &Path) -> anyhow::Result<Arc<Tables>> {
    let path = data_dir.join(FILE);
    let db =
        Database::create(&path).map_err(|e| anyhow::anyhow!("opening {}: {e}", path.display()))?;
    let txn = db.begin_write()?;
    txn.open_table(ITEMS)?;
    txn.commit()?;
    Ok(Arc::new(Tables { db }))
}

/// What a write does to the stored item.
enum Write {
    Put(Item),
    Delete,
    Keep,
}

impl Tables {
    fn get(&self, key: &str) -> Result<Option<Item>, DdbError> {
        let txn = self.db.begin_read().map_err(internal)?;
        let table = txn.open_table(ITEMS).map_err(internal)?;
        let found = table.get(key).map_err(internal)?;
        found
            .map(|v| serde_json::from_str(v.value()).map_err(internal))
            .transpose()
    }

    /// Reads the item under `key`, lets `f` decide what to write, and writes it, in one transaction (so
    /// that a condition and its write are atomic). `f` gets the old item and returns the write and a
    /// result; an error aborts.
    fn write<T>(
        &self,
        key: &str,
        f: impl FnOnce(Option<Item>) -> Result<(Write, T), DdbError>,
    ) -> Result<T, DdbError> {
        let txn = self.db.begin_write().map_err(internal)?;
        let out = {
            let mut table = txn.open_table(ITEMS).map_err(internal)?;
            let old: Option<String> = table
                .get(key)
                .map_err(internal)?
                .map(|v| v.value().to_string());
            let old = old
                .map(|s| serde_json::from_str(&s).map_err(internal))
                .transpose()?;
            let (write, out) = f(old)?;
            match write {
                Write::Put(item) => {
                    let text = Value::Object(item).to_string();
                    table.insert(key, text.as_str()).map_err(internal)?;
                }
                Write::Delete => {
                    table.remove(key).map_err(internal)?;
                }
                Write::Keep => {}
            }
            out
        };
        txn.commit().map_err(internal)?;
        Ok(out)
    }

    /// Every (storage key, item) whose key starts with `prefix`, in key order.
    fn scan(&self, prefix: &str) -> Result<Vec<(String, Item)>, DdbError> {
        let txn = self.db.begin_read().map_err(internal)?;
        let table = txn.open_table(ITEMS).map_err(internal)?;
        let mut out = Vec::new();
        for entry in table.range(prefix..).map_err(internal)? {
            let (k, v) = entry.map_err(internal)?;
            if !k.value().starts_with(prefix) {
                break;
            }
            let item = serde_json::from_str(v.value()).map_err(internal)?;
            out.push((k.value().to_string(), item));
        }
        Ok(out)
    }
}

/// The DynamoDB port's router (`lib.rs` adds CORS and `admin`'s fault and log layers).
pub fn router(app: Shared, tables: Arc<Tables>) -> Router {
    Router::new()
        .route("/", post(handle).get(health))
        .with_state((app, tables))
}

async fn health(State((app, _)): State<(Shared, Arc<Tables>)>) -> String {
    format!(
        "healthy: dynamodb.{}.amazonaws.com ",
        app.config.server.region
    )
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[derive(Debug)]
struct DdbError {
    status: StatusCode,
    ty: &'static str,
    message: String,
    /// The item of a failed condition (ReturnValuesOnConditionCheckFailure = ALL_OLD).
    item: Option<Item>,
}

impl IntoResponse for DdbError {
    fn into_response(self) -> Response {
        let extra = self.item.map(|i| json!({ "Item": i }));
        json10_error(self.status, self.ty, &self.message, extra)
    }
}

fn error(ty: &'static str, message: &str) -> DdbError {
    DdbError {
        status: StatusCode::BAD_REQUEST,
        ty,
        message: message.to_string(),
        item: None,
    }
}

fn validation(message: &str) -> DdbError {
    error("com.amazon.coral.validate#ValidationException", message)
}

fn not_found() -> DdbError {
    error(
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
        "Requested resource not found",
    )
}

fn unrecognized() -> DdbError {
    error(
        "com.amazon.coral.service#UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
}

fn internal(e: impl std::fmt::Display) -> DdbError {
    DdbError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        ty: "com.amazonaws.dynamodb.v20120810#InternalServerError",
        message: format!("Internal server error: {e}"),
        item: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication (SigV4 with identity-pool credentials) and authorization (the role's policy).

/// Who signed the request.
struct Caller {
    identity_id: String,
    identity_pool_id: String,
    /// The role of the credentials (GetCredentialsForIdentity resolved it).
    role_arn: String,
}

fn authenticate(
    app: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, DdbError> {
    let sig = |e: SigError| error(e.ty(), &e.message());
    let auth = parse_authorization(headers).map_err(sig)?;
    let record = app
        .store()
        .credentials
        .get(&auth.access_key)
        .cloned()
        .ok_or_else(unrecognized)?;
    let token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(record.session_token.as_str()) {
        return Err(unrecognized());
    }
    if auth.service != "dynamodb" {
        return Err(sig(SigError::Scope(
            "Credential should be scoped to correct service: 'dynamodb'. ".into(),
        )));
    }
    if auth.region != app.config.server.region {
        return Err(sig(SigError::Scope(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            auth.region
        ))));
    }
    if app.now() >= record.expires_at {
        return Err(error(
            "com.amazon.coral.service#ExpiredTokenException",
            "The security token included in the request is expired",
        ));
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    verify(
        method.as_str(),
        path,
        headers,
        body,
        &auth,
        &record.secret_key,
        crate::ids::unix_now(),
    )
    .map_err(sig)?;
    let role_arn = match &record.role_arn {
        Some(r) => r.clone(),
        None => {
            // Credentials saved before roles existed: the pool's default role for what they were
            // issued as (or, older still, for the identity's state).
            let authenticated = record.authenticated.unwrap_or_else(|| {
                app.store()
                    .identities
                    .get(&record.identity_id)
                    .is_some_and(|i| i.login.is_some())
            });
            app.config
                .identity_pool(&record.identity_pool_id)
                .map(|p| p.default_role_arn(authenticated))
                .unwrap_or_default()
        }
    };
    Ok(Caller {
        identity_id: record.identity_id,
        identity_pool_id: record.identity_pool_id,
        role_arn,
    })
}

/// What the policy lets the caller do with an operation on a table: any partition key, or those listed
/// (the `dynamodb:LeadingKeys` condition).
enum Leading {
    Any,
    OneOf(BTreeSet<String>),
}

struct Grant<'a> {
    caller: &'a Caller,
    action: &'static str,
    table: String,
    leading: Leading,
}

fn denied(app: &Shared, caller: &Caller, action: &str, table: &str) -> DdbError {
    let role = crate::config::role_name(&caller.role_arn);
    let region = &app.config.server.region;
    error(
        "com.amazon.coral.service#AccessDeniedException",
        &format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/CognitoIdentityCredentials is not authorized to perform: dynamodb:{action} on resource: arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table} because no identity-based policy allows the dynamodb:{action} action"),
    )
}

fn authorize<'a>(
    app: &Shared,
    caller: &'a Caller,
    action: &'static str,
    table: &str,
) -> Result<Grant<'a>, DdbError> {
    let rules = app
        .config
        .identity_pool(&caller.identity_pool_id)
        .map(|p| app.config.policy(p, &caller.role_arn).dynamodb)
        .unwrap_or_default();
    let mut leading = None;
    for rule in rules.iter().filter(|r| r.allows(action, table)) {
        if rule.leading_keys == "*" {
            leading = Some(Leading::Any);
            break;
        }
        let value = rule.leading_keys.replace(IDENTITY_SUB, &caller.identity_id);
        match leading.get_or_insert_with(|| Leading::OneOf(BTreeSet::new())) {
            Leading::OneOf(values) => {
                values.insert(value);
            }
            Leading::Any => {}
        }
    }
    let leading = leading.ok_or_else(|| denied(app, caller, action, table))?;
    Ok(Grant {
        caller,
        action,
        table: table.to_string(),
        leading,
    })
}

impl Grant<'_> {
    /// Refuses a partition key the LeadingKeys condition does not allow.
    fn check_partition(&self, app: &Shared, partition: &Value) -> Result<(), DdbError> {
        match &self.leading {
            Leading::Any => Ok(()),
            Leading::OneOf(values) => {
                let v = partition
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if values.contains(v) {
                    Ok(())
                } else {
                    Err(denied(app, self.caller, self.action, &self.table))
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The dispatcher.

async fn handle(
    State((app, tables)): State<(Shared, Arc<Tables>)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match authenticate(&app, &method, &uri, &headers, &body) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let unknown = || {
        error(
            "com.amazon.coral.service#UnknownOperationException",
            &format!("Unknown operation {target:?}"),
        )
        .into_response()
    };
    let Some(op) = target.strip_prefix("DynamoDB_20120810.") else {
        return unknown();
    };
    let input: Value = match serde_json::from_slice::<Value>(&body) {
        Ok(v) if v.is_object() => v,
        _ => {
            return error(
                "com.amazon.coral.service#SerializationException",
                "Start of structure or map found where not expected.",
            )
            .into_response()
        }
    };
    let cx = Op {
        app: &app,
        tables: &tables,
        caller: &caller,
        input: &input,
    };
    let result = match op {
        "GetItem" => cx.get_item(),
        "PutItem" => cx.put_item(),
        "UpdateItem" => cx.update_item(),
        "DeleteItem" => cx.delete_item(),
        "Query" => cx.query(),
        _ => return unknown(),
    };
    match result {
        Ok(v) => json10(StatusCode::OK, v),
        Err(e) => e.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// The operations.

struct Op<'a> {
    app: &'a Shared,
    tables: &'a Tables,
    caller: &'a Caller,
    input: &'a Value,
}

fn member_null(name: &str) -> DdbError {
    validation(&format!("1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"))
}

fn invalid(m: &str) -> DdbError {
    validation(&format!("One or more parameter values were invalid: {m}"))
}

/// The storage key: table, partition key, sort key.
fn storage_key(t: &DynamoDbTable, pk: &Value, sk: Option<&Value>) -> String {
    format!(
        "{}\u{1}{}\u{1}{}",
        t.name,
        key_string(pk),
        sk.map(key_string).unwrap_or_default()
    )
}

fn partition_prefix(t: &DynamoDbTable, pk: &Value) -> String {
    format!("{}\u{1}{}\u{1}", t.name, key_string(pk))
}

/// Checks one key attribute of an item or key: present, of the schema's type, not empty.
fn key_attr(item: &Item, name: &str, ty: &str, missing: &str) -> Result<Value, DdbError> {
    let v = item
        .get(name)
        .ok_or_else(|| invalid(&format!("{missing}{name}")))?;
    if type_of(v) != ty {
        return Err(invalid(&format!(
            "Type mismatch for key {name} expected: {ty} actual: {}",
            type_of(v)
        )));
    }
    if v.as_object()
        .and_then(|o| o.values().next())
        .and_then(Value::as_str)
        == Some("")
    {
        return Err(validation(&format!("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {name}")));
    }
    Ok(v.clone())
}

/// The key attributes of an item (PutItem).
fn key_of_item(t: &DynamoDbTable, item: &Item) -> Result<(Value, Option<Value>), DdbError> {
    let missing = "Missing the key ";
    let pk = key_attr(item, &t.partition_key, &t.partition_key_type, missing)?;
    let sk = match &t.sort_key {
        Some(sk) => Some(key_attr(item, sk, &t.sort_key_type, missing)?),
        None => None,
    };
    Ok((pk, sk))
}

/// A `Key` member: exactly the table's key attributes.
fn key_of(
    t: &DynamoDbTable,
    key: Option<&Value>,
    member: &str,
) -> Result<(Item, Value, Option<Value>), DdbError> {
    let key = key.ok_or_else(|| member_null(member))?;
    let key = check_item(key).map_err(|e| validation(&e))?;
    let schema_len = 1 + usize::from(t.sort_key.is_some());
    let mismatch = || validation("The provided key element does not match the schema");
    if key.len() != schema_len {
        return Err(mismatch());
    }
    let pk = key_attr(&key, &t.partition_key, &t.partition_key_type, "").map_err(|e| {
        if key.contains_key(&t.partition_key) {
            e
        } else {
            mismatch()
        }
    })?;
    let sk = match &t.sort_key {
        Some(name) => Some(key_attr(&key, name, &t.sort_key_type, "").map_err(|e| {
            if key.contains_key(name) {
                e
            } else {
                mismatch()
            }
        })?),
        None => None,
    };
    Ok((key, pk, sk))
}

fn key_attributes(t: &DynamoDbTable, item: &Item) -> Item {
    let mut k = Map::new();
    for name in std::iter::once(&t.partition_key).chain(&t.sort_key) {
        if let Some(v) = item.get(name) {
            k.insert(name.clone(), v.clone());
        }
    }
    k
}

impl Op<'_> {
    fn str(&self, name: &str) -> Option<&str> {
        self.input.get(name).and_then(Value::as_str)
    }

    /// The table of the request, after the policy allowed `action` on it.
    fn table(&self, action: &'static str) -> Result<(&DynamoDbTable, Grant<'_>), DdbError> {
        let name = self
            .str("TableName")
            .ok_or_else(|| member_null("tableName"))?;
        if name.len() < 3 || name.len() > 255 {
            return Err(validation(&format!("1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length between 3 and 255")));
        }
        let grant = authorize(self.app, self.caller, action, name)?;
        let table = self.app.config.dynamodb_table(name).ok_or_else(not_found)?;
        Ok((table, grant))
    }

    fn no_legacy(&self, names: &[&str]) -> Result<(), DdbError> {
        for n in names {
            if self.input.get(*n).is_some() {
                return Err(validation(&format!(
                    "devstack supports the expression parameters only, not the legacy {n}"
                )));
            }
        }
        Ok(())
    }

    fn ctx(&self) -> Result<Ctx, DdbError> {
        Ctx::new(self.input).map_err(|e| validation(&e))
    }

    fn condition(&self, ctx: &mut Ctx, member: &str) -> Result<Option<Cond>, DdbError> {
        self.str(member)
            .map(|text| {
                parse_condition(text, ctx)
                    .map_err(|e| validation(&format!("Invalid {member}: {e}")))
            })
            .transpose()
    }

    fn projection(&self, ctx: &mut Ctx) -> Result<Option<Vec<DocPath>>, DdbError> {
        self.str("ProjectionExpression")
            .map(|text| {
                parse_projection(text, ctx)
                    .map_err(|e| validation(&format!("Invalid ProjectionExpression: {e}")))
            })
            .transpose()
    }

    fn return_values(&self, allowed: &[&str]) -> Result<String, DdbError> {
        let rv = self.str("ReturnValues").unwrap_or("NONE");
        if !allowed.contains(&rv) {
            return Err(validation("Return values set to invalid value"));
        }
        Ok(rv.to_string())
    }

    /// Checks a ConditionExpression against the stored item (absent: an empty one).
    fn check(&self, cond: &Option<Cond>, old: &Option<Item>) -> Result<(), DdbError> {
        let Some(cond) = cond else {
            return Ok(());
        };
        let empty = Map::new();
        let ok = holds(cond, old.as_ref().unwrap_or(&empty))
            .map_err(|e| validation(&format!("Invalid ConditionExpression: {e}")))?;
        if ok {
            return Ok(());
        }
        let mut e = error(
            "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
            "The conditional request failed",
        );
        if self.str("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD") {
            e.item = old.clone();
        }
        Err(e)
    }

    fn get_item(&self) -> Result<Value, DdbError> {
        let (t, grant) = self.table("GetItem")?;
        self.no_legacy(&["AttributesToGet"])?;
        let (_, pk, sk) = key_of(t, self.input.get("Key"), "key")?;
        grant.check_partition(self.app, &pk)?;
        let mut ctx = self.ctx()?;
        let projection = self.projection(&mut ctx)?;
        ctx.finish().map_err(|e| validation(&e))?;
        let item = self.tables.get(&storage_key(t, &pk, sk.as_ref()))?;
        Ok(match item {
            Some(i) => match projection {
                Some(p) => json!({ "Item": project(&i, &p) }),
                None => json!({ "Item": i }),
            },
            None => json!({}),
        })
    }

    fn put_item(&self) -> Result<Value, DdbError> {
        let (t, grant) = self.table("PutItem")?;
        self.no_legacy(&["Expected", "ConditionalOperator"])?;
        let item = self.input.get("Item").ok_or_else(|| member_null("item"))?;
        let item = check_item(item).map_err(|e| validation(&e))?;
        let (pk, sk) = key_of_item(t, &item)?;
        grant.check_partition(self.app, &pk)?;
        let mut ctx = self.ctx()?;
        let cond = self.condition(&mut ctx, "ConditionExpression")?;
        ctx.finish().map_err(|e| validation(&e))?;
        let rv = self.return_values(&["NONE", "ALL_OLD"])?;
        check_size(&item)?;
        let old = self
            .tables
            .write(&storage_key(t, &pk, sk.as_ref()), |old| {
                self.check(&cond, &old)?;
                Ok((Write::Put(item), old))
            })?;
        Ok(match old {
            Some(old) if rv == "ALL_OLD" => json!({ "Attributes": old }),
            _ => json!({}),
        })
    }

    fn update_item(&self) -> Result<Value, DdbError> {
        let (t, grant) = self.table("UpdateItem")?;
        self.no_legacy(&["AttributeUpdates", "Expected", "ConditionalOperator"])?;
        let (key, pk, sk) = key_of(t, self.input.get("Key"), "key")?;
        grant.check_partition(self.app, &pk)?;
        let mut ctx = self.ctx()?;
        let update = self
            .str("UpdateExpression")
            .map(|text| {
                parse_update(text, &mut ctx)
                    .map_err(|e| validation(&format!("Invalid UpdateExpression: {e}")))
            })
            .transpose()?
            .unwrap_or(Update {
                set: vec![],
                remove: vec![],
            });
        let cond = self.condition(&mut ctx, "ConditionExpression")?;
        ctx.finish().map_err(|e| validation(&e))?;
        let rv =
            self.return_values(&["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"])?;
        let touched = update.touched();
        for name in std::iter::once(&t.partition_key).chain(&t.sort_key) {
            if touched.contains(name) {
                return Err(invalid(&format!(
                    "Cannot update attribute {name}. This attribute is part of the key"
                )));
            }
        }
        let (old, new) = self
            .tables
            .write(&storage_key(t, &pk, sk.as_ref()), |old| {
                self.check(&cond, &old)?;
                let base = old.clone().unwrap_or(key);
                let new = update.apply(&base).map_err(|e| validation(&e))?;
                check_size(&new)?;
                Ok((Write::Put(new.clone()), (old, new)))
            })?;
        let only_touched = |i: &Item| -> Item {
            i.iter()
                .filter(|(k, _)| touched.contains(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let attributes = match rv.as_str() {
            "ALL_OLD" => old,
            "UPDATED_OLD" => old.as_ref().map(only_touched),
            "ALL_NEW" => Some(new),
            "UPDATED_NEW" => Some(only_touched(&new)),
            _ => None,
        };
        Ok(match attributes {
            Some(a) if !a.is_empty() => json!({ "Attributes": a }),
            _ => json!({}),
        })
    }

    fn delete_item(&self) -> Result<Value, DdbError> {
        let (t, grant) = self.table("DeleteItem")?;
        self.no_legacy(&["Expected", "ConditionalOperator"])?;
        let (_, pk, sk) = key_of(t, self.input.get("Key"), "key")?;
        grant.check_partition(self.app, &pk)?;
        let mut ctx = self.ctx()?;
        let cond = self.condition(&mut ctx, "ConditionExpression")?;
        ctx.finish().map_err(|e| validation(&e))?;
        let rv = self.return_values(&["NONE", "ALL_OLD"])?;
        let old = self
            .tables
            .write(&storage_key(t, &pk, sk.as_ref()), |old| {
                self.check(&cond, &old)?;
                let write = if old.is_some() {
                    Write::Delete
                } else {
                    Write::Keep
                };
                Ok((write, old))
            })?;
        Ok(match old {
            Some(old) if rv == "ALL_OLD" => json!({ "Attributes": old }),
            _ => json!({}),
        })
    }

    fn query(&self) -> Result<Value, DdbError> {
        let (t, grant) = self.table("Query")?;
        self.no_legacy(&[
            "KeyConditions",
            "QueryFilter",
            "AttributesToGet",
            "ConditionalOperator",
        ])?;
        if let Some(index) = self.str("IndexName") {
            return Err(validation(&format!(
                "The table does not have the specified index: {index}"
            )));
        }
        let mut ctx = self.ctx()?;
        let Some(text) = self.str("KeyConditionExpression") else {
            return Err(validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
            ));
        };
        let cond = parse_condition(text, &mut ctx)
            .map_err(|e| validation(&format!("Invalid KeyConditionExpression: {e}")))?;
        let key = key_condition(cond, &t.partition_key, t.sort_key.as_deref())
            .map_err(|e| validation(&e))?;
        let schema_type = || invalid("Condition parameter type does not match schema type");
        if type_of(&key.partition) != t.partition_key_type {
            return Err(schema_type());
        }
        if let Some(sort) = &key.sort {
            let values = match sort {
                SortCond::Cmp(_, v) | SortCond::BeginsWith(v) => vec![v],
                SortCond::Between(a, b) => vec![a, b],
            };
            if values.iter().any(|v| type_of(v) != t.sort_key_type) {
                return Err(schema_type());
            }
        }
        grant.check_partition(self.app, &key.partition)?;
        let filter = self.condition(&mut ctx, "FilterExpression")?;
        let projection = self.projection(&mut ctx)?;
        ctx.finish().map_err(|e| validation(&e))?;
        let limit = match self.input.get("Limit") {
            None => usize::MAX,
            Some(v) => match v.as_u64() {
                Some(n) if n >= 1 => n as usize,
                _ => return Err(validation(&format!("1 validation error detected: Value '{v}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"))),
            },
        };
        let forward = self
            .input
            .get("ScanIndexForward")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let select = self.str("Select").unwrap_or("ALL_ATTRIBUTES");
        if !["ALL_ATTRIBUTES", "COUNT", "SPECIFIC_ATTRIBUTES"].contains(&select) {
            return Err(validation(&format!(
                "Select {select} is not valid for a table"
            )));
        }
        let start = match self.input.get("ExclusiveStartKey") {
            Some(k) => {
                let (_, spk, ssk) = key_of(t, Some(k), "exclusiveStartKey")?;
                Some(storage_key(t, &spk, ssk.as_ref()))
            }
            None => None,
        };
        let mut rows = self.tables.scan(&partition_prefix(t, &key.partition))?;
        if !forward {
            rows.reverse();
        }
        if let Some(start) = &start {
            rows.retain(|(k, _)| if forward { k > start } else { k < start });
        }
        if let (Some(sort), Some(sk)) = (&key.sort, &t.sort_key) {
            rows.retain(|(_, item)| item.get(sk).is_some_and(|v| sort.matches(v)));
        }
        let more = rows.len() > limit;
        rows.truncate(limit);
        let scanned = rows.len();
        let last = rows.last().map(|(_, item)| key_attributes(t, item));
        let mut items = Vec::new();
        for (_, item) in rows {
            if let Some(f) = &filter {
                let ok = holds(f, &item)
                    .map_err(|e| validation(&format!("Invalid FilterExpression: {e}")))?;
                if !ok {
                    continue;
                }
            }
            items.push(Value::Object(match &projection {
                Some(p) => project(&item, p),
                None => item,
            }));
        }
        let mut out = json!({ "Count": items.len(), "ScannedCount": scanned });
        if select != "COUNT" {
            out["Items"] = Value::Array(items);
        }
        if let (true, Some(last)) = (more, last) {
            out["LastEvaluatedKey"] = Value::Object(last);
        }
        Ok(out)
    }
}

fn check_size(item: &Item) -> Result<(), DdbError> {
    if Value::Object(item.clone()).to_string().len() > MAX_ITEM_BYTES {
        return Err(validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    Ok(())
}
