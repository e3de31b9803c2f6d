//! Sign-up and password reset inside the app ([`CognitoAuth::sign_up`] and the calls after it), and
//! the sign-in that follows a confirmed sign-up with the `Session` Cognito gives (no password again).

use super::{CognitoAuth, Platform, SignInResult};
use crate::account;
use crate::error::{Error, ErrorKind, Result};
use crate::json::Value;
use crate::secret::Secret;
use crate::signup::{self, Operation, SignUp, SignUpResult};

impl<P: Platform> CognitoAuth<P> {
    /// Sends `call` (no token: these calls are the app client's) and gives the response body. A
    /// refusal is [`ErrorKind::Aws`] with Cognito's type (`UsernameExistsException`,
    /// `InvalidPasswordException`, `CodeMismatchException`, `ExpiredCodeException`,
    /// `LimitExceededException`); a transient failure [`ErrorKind::Network`].
    async fn user_pool_call(&self, call: &Operation) -> Result<Value> {
        let inner = &self.inner;
        account::ok_json(&inner.send(&call.request(&inner.config)).await)
    }

    /// Creates an account (`SignUp`): resolves with whether it is confirmed already and where the
    /// confirmation code went. The `Session` Cognito gives is kept (memory only) so that
    /// [`confirm_sign_up`](Self::confirm_sign_up) can sign the user in.
    pub async fn sign_up(&self, details: SignUp) -> Result<SignUpResult> {
        let username = details.username.clone();
        let body = self.user_pool_call(&Operation::SignUp(details)).await?;
        let (result, session) = SignUpResult::from_body(&body)?;
        *self.inner.sign_up_session.borrow_mut() = session.map(|s| (username, s));
        Ok(result)
    }

    /// Confirms the account with the code sent (`ConfirmSignUp`). Resolves with whether
    /// [`sign_in_after_sign_up`](Self::sign_in_after_sign_up) can now sign the user in without the
    /// password (Cognito gave a `Session`: pools with choice-based sign-in, `ALLOW_USER_AUTH`).
    pub async fn confirm_sign_up(&self, username: &str, code: Secret) -> Result<bool> {
        let inner = &self.inner;
        let held = inner.sign_up_session.borrow_mut().take();
        let session = held.filter(|(u, _)| u == username).map(|(_, s)| s);
        let call = Operation::ConfirmSignUp(username.to_owned(), code, session.clone());
        let body = match self.user_pool_call(&call).await {
            Ok(body) => body,
            Err(e) => {
                // A wrong code or a network failure: the next try may still sign in after it.
                if let Some(s) = session {
                    *inner.sign_up_session.borrow_mut() = Some((username.to_owned(), s));
                }
                return Err(e);
            }
        };
        let next = signup::session_of(&body);
        let ready = next.is_some();
        *inner.sign_up_session.borrow_mut() = next.map(|s| (username.to_owned(), s));
        Ok(ready)
    }

    /// Signs in the user whose sign-up [`confirm_sign_up`](Self::confirm_sign_up) just confirmed,
    /// with Cognito's `Session` (`InitiateAuth USER_AUTH`): as [`sign_in`](Self::sign_in) resolves.
    /// [`ErrorKind::SignInExpired`] when there is no such session (none given, already used, or
    /// this is another page).
    pub async fn sign_in_after_sign_up(&self) -> Result<SignInResult> {
        let held = self.inner.sign_up_session.borrow_mut().take();
        let Some((username, session)) = held else {
            return Err(Error::new(
                ErrorKind::SignInExpired,
                "no confirmed sign-up to sign in after; sign in with the password",
            ));
        };
        let request = signup::sign_in_after_confirmation(&self.inner.config, &username, &session);
        self.run(request, username, None).await
    }

    /// Sends the sign-up confirmation code again (`ResendConfirmationCode`): where it went,
    /// `{ attributeName, deliveryMedium, destination }`.
    pub async fn resend_sign_up_code(&self, username: &str) -> Result<Value> {
        let body = self
            .user_pool_call(&Operation::ResendCode(username.to_owned()))
            .await?;
        first_delivery(&body)
    }

    /// Starts a password reset (`ForgotPassword`): where the code went.
    pub async fn reset_password(&self, username: &str) -> Result<Value> {
        let body = self
            .user_pool_call(&Operation::ResetPassword(username.to_owned()))
            .await?;
        first_delivery(&body)
    }

    /// Sets the new password with the code sent (`ConfirmForgotPassword`). The user then signs in
    /// with it; a session of this tab is left as it is.
    pub async fn confirm_reset_password(
        &self,
        username: &str,
        code: Secret,
        new_password: Secret,
    ) -> Result<()> {
        let call = Operation::ConfirmResetPassword(username.to_owned(), code, new_password);
        self.user_pool_call(&call).await.map(|_| ())
    }
}

/// The one `CodeDeliveryDetails` of a response, else [`ErrorKind::Network`].
fn first_delivery(body: &Value) -> Result<Value> {
    account::deliveries(body)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Network,
                "the response does not say where the code went",
            )
        })
}
