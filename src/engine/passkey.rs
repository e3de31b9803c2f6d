//! Passkeys ([`crate::passkey`]): a new one registered for the signed-in user
//! (`StartWebAuthnRegistration`, the authenticator, `CompleteWebAuthnRegistration`), the user's
//! list, a deletion, and the `WEB_AUTHN` challenge of a sign-in answered by the authenticator.

use super::auth::CognitoAuth;
use super::Platform;
use crate::account;
use crate::error::Result;
use crate::http::HttpRequest;
use crate::json::{Object, Value};
use crate::passkey::{self, Ceremony, Passkey, PublicKeyCredential, PublicKeyOptions};
use crate::signin::{self, Challenge};

impl<P: Platform> CognitoAuth<P> {
    /// Registers a passkey for the signed-in user: Cognito's options, the browser's prompt
    /// (`navigator.credentials.create`), then the new credential to Cognito. Errors:
    /// [`ErrorKind::NotSignedIn`](crate::error::ErrorKind::NotSignedIn),
    /// [`ErrorKind::PasskeyUnsupported`](crate::error::ErrorKind::PasskeyUnsupported) without
    /// WebAuthn, [`ErrorKind::PasskeyCancelled`](crate::error::ErrorKind::PasskeyCancelled) when the
    /// user dismisses the prompt, [`ErrorKind::PasskeyRelyingParty`](crate::error::ErrorKind::PasskeyRelyingParty)
    /// when the pool's relying party is not this page's domain,
    /// [`ErrorKind::PasskeyExists`](crate::error::ErrorKind::PasskeyExists) when the authenticator
    /// already holds one of the account's passkeys; Cognito's refusals as
    /// [`ErrorKind::Aws`](crate::error::ErrorKind::Aws).
    pub async fn register_passkey(&self) -> Result<()> {
        let body = self
            .passkey_call("StartWebAuthnRegistration", Object::new())
            .await?;
        let options = passkey::registration_options(&body)?;
        let credential = self.authenticator(&options).await?;
        let json = credential.to_json(Ceremony::Create);
        let body = Object::new().with("Credential", json);
        self.passkey_call("CompleteWebAuthnRegistration", body)
            .await?;
        Ok(())
    }

    /// The signed-in user's passkeys (`ListWebAuthnCredentials`, every page).
    pub async fn list_passkeys(&self) -> Result<Vec<Passkey>> {
        let mut all = Vec::new();
        let mut next = None;
        loop {
            let mut body = Object::new();
            if let Some(token) = next.take() {
                body.insert("NextToken", token);
            }
            let body = self.passkey_call("ListWebAuthnCredentials", body).await?;
            let (page, token) = passkey::list_page(&body)?;
            all.extend(page);
            if token.is_none() {
                return Ok(all);
            }
            next = token;
        }
    }

    /// Deletes the signed-in user's passkey `id` ([`Passkey::id`]).
    pub async fn delete_passkey(&self, id: &str) -> Result<()> {
        let body = Object::new().with("CredentialId", id);
        self.passkey_call("DeleteWebAuthnCredential", body)
            .await
            .map(drop)
    }

    /// One passkey operation of the user-pool API with the user's access token.
    async fn passkey_call(&self, operation: &str, body: Object) -> Result<Value> {
        self.user_call("passkeys", |config, token| {
            account::user_request(config, operation, body, token)
        })
        .await
    }

    /// The authenticator's answer to `options`, once the relying party is known to fit the page.
    async fn authenticator(&self, options: &PublicKeyOptions) -> Result<PublicKeyCredential> {
        let href = self.inner.platform.location_href();
        options.check_relying_party(href.as_deref().and_then(passkey::host_of))?;
        self.inner.platform.passkey(options).await
    }

    /// `WEB_AUTHN`'s answer: the authenticator signs the challenge of `CREDENTIAL_REQUEST_OPTIONS`.
    pub(super) async fn passkey_answer(
        &self,
        challenge: &Challenge,
        username: &str,
    ) -> Result<HttpRequest> {
        let options = passkey::sign_in_options(challenge.parameter("CREDENTIAL_REQUEST_OPTIONS"))?;
        let credential = self.authenticator(&options).await?;
        let responses = Object::new()
            .with("USERNAME", username)
            .with("CREDENTIAL", credential.to_json(Ceremony::Get).to_json());
        Ok(signin::respond(
            &self.inner.config,
            "WEB_AUTHN",
            challenge.session.as_deref(),
            responses,
        ))
    }
}
