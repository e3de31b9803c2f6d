//! The signed-in user's own account through the user-pool API ([`crate::account`]): attributes,
//! verification codes, password, deletion. Each call uses a valid session's access token (refreshed
//! first when needed); a change to the claims refreshes the tokens, so that `current_user` and the
//! other tabs see it; a deleted account is signed out everywhere.

use super::auth::CognitoAuth;
use super::Platform;
use crate::account::{self, Operation};
use crate::config::AuthConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpRequest;
use crate::json::{Object, Value};
use crate::secret::AccessToken;

impl<P: Platform> CognitoAuth<P> {
    /// Runs one account operation; resolves with Cognito's response body (a JSON object).
    pub async fn account(&self, operation: Operation) -> Result<Value> {
        let inner = &self.inner;
        let body = self
            .user_call(operation.method(), |config, token| {
                operation.request(config, token)
            })
            .await?;
        if operation.changes_claims() {
            // Best effort: the change is made either way, and a later refresh brings the new claims.
            let _ = inner.clone().valid_session(true).await;
        }
        if matches!(operation, Operation::DeleteUser) {
            inner.end_session("userDeleted");
        }
        Ok(body)
    }

    /// Sends the request `request` builds with a valid session's access token (refreshed first when
    /// needed); `what` names the method in the error when the scopes cannot reach the account (a
    /// managed-login session without `aws.cognito.signin.user.admin`; the user-pool API's tokens
    /// always have it).
    pub(super) async fn user_call(
        &self,
        what: &str,
        request: impl FnOnce(&AuthConfig, &AccessToken) -> HttpRequest,
    ) -> Result<Value> {
        let inner = &self.inner;
        if !inner.load_session().is_some_and(|s| s.via_api) {
            account::require_admin_scope(&inner.config, what)?;
        }
        let Some(session) = inner.clone().valid_session(false).await? else {
            return Err(Error::new(ErrorKind::NotSignedIn, "sign in first"));
        };
        let request = request(&inner.config, &session.access_token);
        account::ok_json(&inner.send(&request).await)
    }

    /// The user's attributes (`GetUser`) as `{ name: value }`.
    pub async fn fetch_user_attributes(&self) -> Result<Object> {
        account::attributes(&self.account(Operation::GetUser).await?)
    }

    /// Changes attributes (`UpdateUserAttributes`, string values); resolves with the attributes that
    /// now wait for a verification code (an email change leaves `email_verified` false until
    /// confirmed), as `{ attributeName, deliveryMedium, destination }`.
    pub async fn update_user_attributes(&self, attributes: Object) -> Result<Vec<Value>> {
        account::deliveries(&self.account(Operation::update(attributes)?).await?)
    }

    /// A new TOTP secret (`AssociateSoftwareToken`) as `{ secret, uri }`: the `otpauth://` URI names
    /// `issuer` (default: the host of the redirect URI) and the user.
    pub async fn set_up_totp(&self, issuer: Option<String>) -> Result<Object> {
        let body = self.account(Operation::AssociateTotp).await?;
        let username = self
            .inner
            .load_session()
            .and_then(|s| crate::jwt::peek_claims(s.id_token.expose()).ok())
            .and_then(|c| crate::jwt::string(&c, "cognito:username").map(str::to_owned))
            .unwrap_or_default();
        account::totp_setup(&body, &self.inner.totp_issuer(issuer), &username)
    }
}

impl<P: Platform> super::auth::Inner<P> {
    /// The issuer an authenticator app shows for a new TOTP secret: `issuer`, else the host of the
    /// redirect URI.
    pub(super) fn totp_issuer(&self, issuer: Option<String>) -> String {
        issuer.unwrap_or_else(|| {
            let uri = &self.config.redirect_uri;
            let host = crate::http::split_scheme(uri).map_or(uri.as_str(), |(_, rest)| rest);
            host.split(['/', '?', '#'])
                .next()
                .unwrap_or(host)
                .to_owned()
        })
    }
}
