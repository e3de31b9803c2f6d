//! Sign-in inside the app ([`CognitoAuth::sign_in`], [`CognitoAuth::confirm_sign_in`]): the
//! requests of [`crate::signin`] in order, SRP's answer to `PASSWORD_VERIFIER` computed here, the
//! challenge the app must answer kept in this instance (never stored), and the tokens a sign-in ends
//! with accepted as the redirect callback's are.

use super::{random_bytes, CognitoAuth, Platform};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{EventDetail, EventName};
use crate::json::Object;
use crate::oauth::TokenResponse;
use crate::secret::Secret;
use crate::signin::{
    self, Answer, Challenge, Credentials, Factor, Flow, NextStep, CHALLENGE_TTL_SECONDS,
};
use crate::srp::{self, SrpClient};

/// A challenge waiting for the app's answer.
pub(super) struct Pending {
    challenge: Challenge,
    /// The user name Cognito knows the user by (`USER_ID_FOR_SRP`, else the one signed in with).
    username: String,
    /// When the challenge came, local-clock seconds.
    at: u64,
    /// At `SELECT_CHALLENGE` the user chose the password: the next answer is the password.
    password_chosen: bool,
}

/// How `confirm_sign_in` goes on: a request to send (and SRP's client with the password), or the
/// next step without one. Short-lived, on the stack of one call: not boxed.
#[allow(clippy::large_enum_variant)]
enum Step {
    Send(crate::http::HttpRequest, Option<(SrpClient, Secret)>),
    Answered(SignInResult),
}

/// What `signIn` / `confirmSignIn` resolve with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInResult {
    /// Whether the user is signed in now (then [`next_step`](Self::next_step) is [`NextStep::Done`]).
    pub signed_in: bool,
    /// What to ask the user for next.
    pub next_step: NextStep,
}

impl SignInResult {
    /// The JS shape: `{ signedIn, nextStep: { type, ... } }`.
    pub fn to_object(&self) -> Object {
        Object::new()
            .with("signedIn", self.signed_in)
            .with("nextStep", self.next_step.to_object())
    }
}

impl<P: Platform> CognitoAuth<P> {
    /// Signs the user in inside the app (`InitiateAuth`), with SRP by default: resolves with
    /// `signed_in` and [`NextStep::Done`] when Cognito answers with tokens (verified, stored,
    /// `signedIn` emitted and other tabs told, as after the redirect callback; refreshed through the
    /// user-pool API), or with the step Cognito asks for next, to answer with
    /// [`confirm_sign_in`](Self::confirm_sign_in). A wrong password is [`ErrorKind::Aws`] with
    /// Cognito's type (`NotAuthorizedException`); an account not confirmed yet is
    /// [`NextStep::ConfirmSignUp`].
    pub async fn sign_in(&self, options: Credentials) -> Result<SignInResult> {
        let inner = &self.inner;
        inner.pending.borrow_mut().take();
        let Credentials {
            username,
            password,
            flow,
        } = options;
        let mut parameters = Object::new().with("USERNAME", username.as_str());
        let srp_client = || random_bytes::<P, 32>(&inner.platform).map(SrpClient::new);
        let required =
            |p: Option<Secret>| p.ok_or_else(|| crate::error::config("password: required"));
        let mut srp = None;
        let name = match flow {
            Flow::Password => {
                parameters.insert("PASSWORD", required(password)?.expose());
                "USER_PASSWORD_AUTH"
            }
            Flow::Choice(preferred) => {
                if let Some(factor) = preferred {
                    parameters.insert("PREFERRED_CHALLENGE", factor.challenge());
                }
                if preferred == Some(Factor::Password) {
                    let client = srp_client()?;
                    parameters.insert("SRP_A", client.public_hex());
                    srp = Some((client, required(password)?));
                }
                "USER_AUTH"
            }
            Flow::Srp => {
                let client = srp_client()?;
                parameters.insert("SRP_A", client.public_hex());
                srp = Some((client, required(password)?));
                "USER_SRP_AUTH"
            }
        };
        let request = signin::initiate(&inner.config, name, parameters);
        match self.run(request, username, srp).await {
            Err(e) if e.server_type() == Some("UserNotConfirmedException") => Ok(SignInResult {
                signed_in: false,
                next_step: NextStep::ConfirmSignUp,
            }),
            other => other,
        }
    }

    /// Answers the step [`sign_in`](Self::sign_in) (or the previous `confirm_sign_in`) named: the
    /// code for [`NextStep::TotpCode`], [`NextStep::SmsCode`] and [`NextStep::EmailCode`], the new
    /// password for [`NextStep::NewPassword`] with the `attributes` it requires (`{ name: value }`),
    /// a factor's [`js_name`](Factor::js_name) for [`NextStep::SelectChallenge`] (`password` then
    /// asks for [`NextStep::Password`] without a request), the password for [`NextStep::Password`].
    /// [`ErrorKind::SignInExpired`] when no sign-in waits for an answer (none started, or three
    /// minutes passed). A refused answer (`CodeMismatchException`, `InvalidPasswordException`) or a
    /// network failure keeps the step, so the user can try again.
    pub async fn confirm_sign_in(
        &self,
        answer: Secret,
        attributes: &Object,
    ) -> Result<SignInResult> {
        let inner = &self.inner;
        let now = inner.now();
        let pending = inner.pending.borrow_mut().take();
        let Some(pending) = pending.filter(|p| now < p.at + CHALLENGE_TTL_SECONDS) else {
            return Err(Error::new(
                ErrorKind::SignInExpired,
                "no sign-in waits for an answer (none was started, or it took more than 3 minutes); sign in again",
            ));
        };
        let mut pending = pending;
        let step = self.answer_step(&mut pending, answer, attributes).await;
        let (request, srp) = match step {
            Ok(Step::Send(request, srp)) => (request, srp),
            Ok(Step::Answered(result)) => {
                *inner.pending.borrow_mut() = Some(pending);
                return Ok(result);
            }
            Err(e) => {
                // An answer that does not fit the step, or a failure on the way: the step stays.
                *inner.pending.borrow_mut() = Some(pending);
                return Err(e);
            }
        };
        let username = pending.username.clone();
        let result = self.run(request, username, srp).await;
        if result
            .as_ref()
            .is_err_and(|e| e.kind() != ErrorKind::SignInExpired)
        {
            // A refused answer or a network failure: the step stays for another try, unless a
            // newer one came (a passkey prompt cancelled after Cognito asked for WEB_AUTHN).
            let mut slot = inner.pending.borrow_mut();
            if slot.is_none() {
                *slot = Some(pending);
            }
        }
        result
    }

    /// What answers the pending step with `answer`: the request to send (with SRP's client and the
    /// password when they answer `PASSWORD_VERIFIER` next), or the next step at once.
    async fn answer_step(
        &self,
        pending: &mut Pending,
        answer: Secret,
        attributes: &Object,
    ) -> Result<Step> {
        let inner = &self.inner;
        let c = &pending.challenge;
        Ok(if c.name == "MFA_SETUP" {
            // The code of the new secret, then MFA_SETUP answered with the session it gives.
            let session = c.session.as_deref().unwrap_or_default();
            let verify = signin::verify_for_setup(&inner.config, session, &answer);
            let body = crate::account::ok_json(&inner.send(&verify).await)?;
            let session = signin::setup_session(&body, true)?;
            let responses = Object::new().with("USERNAME", pending.username.as_str());
            let request = signin::respond(&inner.config, "MFA_SETUP", Some(&session), responses);
            Step::Send(request, None)
        } else if c.name == "WEB_AUTHN" {
            // After a cancelled prompt: the authenticator is asked again (the answer is unused).
            Step::Send(self.passkey_answer(c, &pending.username).await?, None)
        } else if c.name != "SELECT_CHALLENGE" {
            let request = c.answer(&inner.config, &pending.username, &answer, attributes)?;
            Step::Send(request, None)
        } else if pending.password_chosen {
            let client = SrpClient::new(random_bytes::<P, 32>(&inner.platform)?);
            let a = Some(client.public_hex());
            let request = c.select(&inner.config, &pending.username, Factor::Password, a);
            Step::Send(request, Some((client, answer)))
        } else {
            let factor = Factor::parse(answer.expose()).ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    "answer: the factor chosen ('password', 'emailCode', 'smsCode' or 'passkey')",
                )
            })?;
            if factor == Factor::Password {
                // The password is asked for next; Cognito hears of the choice with SRP_A then.
                pending.password_chosen = true;
                return Ok(Step::Answered(SignInResult {
                    signed_in: false,
                    next_step: NextStep::Password,
                }));
            }
            Step::Send(
                c.select(&inner.config, &pending.username, factor, None),
                None,
            )
        })
    }

    /// `PASSWORD_VERIFIER`'s answer: the SRP claim for the challenge.
    #[inline(never)]
    fn password_verifier(
        &self,
        client: &SrpClient,
        c: &Challenge,
        username: &str,
        password: &Secret,
    ) -> Result<crate::http::HttpRequest> {
        let inner = &self.inner;
        let param = |name: &str| c.parameter(name).unwrap_or_default();
        let user_id = c.parameter("USER_ID_FOR_SRP").unwrap_or(username);
        let pool = inner.config.user_pool.as_str();
        let pool_name = pool.split_once('_').map_or(pool, |(_, name)| name);
        let timestamp = srp::timestamp(inner.now());
        let signature = client.claim(
            pool_name,
            user_id,
            password.expose(),
            (param("SALT"), param("SRP_B"), param("SECRET_BLOCK")),
            &timestamp,
        )?;
        let responses = Object::new()
            .with("USERNAME", user_id)
            .with("PASSWORD_CLAIM_SECRET_BLOCK", param("SECRET_BLOCK"))
            .with("TIMESTAMP", timestamp)
            .with("PASSWORD_CLAIM_SIGNATURE", signature);
        Ok(signin::respond(
            &inner.config,
            "PASSWORD_VERIFIER",
            c.session.as_deref(),
            responses,
        ))
    }

    /// Sends `request`, and then the answer to `PASSWORD_VERIFIER` with `srp` (the client and the
    /// password) when Cognito asks for it; tokens end the sign-in, another challenge is kept for the
    /// app's answer.
    pub(super) async fn run(
        &self,
        mut request: crate::http::HttpRequest,
        mut username: String,
        mut srp: Option<(SrpClient, Secret)>,
    ) -> Result<SignInResult> {
        let inner = &self.inner;
        loop {
            let challenge = match signin::read_answer(&inner.send(&request).await)? {
                Answer::Tokens(tokens) => return self.finish(tokens).await,
                Answer::Challenge(c) => c,
            };
            if let (Some((client, password)), "PASSWORD_VERIFIER") =
                (srp.take(), challenge.name.as_str())
            {
                request = self.password_verifier(&client, &challenge, &username, &password)?;
                continue;
            }
            username = challenge
                .parameter("USER_ID_FOR_SRP")
                .map_or(username, str::to_owned);
            if challenge.name == "WEB_AUTHN" {
                match self.passkey_answer(&challenge, &username).await {
                    Ok(answer) => {
                        request = answer;
                        continue;
                    }
                    Err(e) => {
                        // A cancelled prompt: confirm_sign_in asks the authenticator again.
                        self.keep(challenge, username);
                        return Err(e);
                    }
                }
            }
            let (challenge, next_step) = if challenge.name == "MFA_SETUP" {
                self.start_totp_setup(challenge, &username).await?
            } else {
                let next = challenge.next_step()?;
                (challenge, next)
            };
            self.keep(challenge, username);
            return Ok(SignInResult {
                signed_in: false,
                next_step,
            });
        }
    }

    /// Keeps `challenge` for the app's answer.
    fn keep(&self, challenge: Challenge, username: String) {
        *self.inner.pending.borrow_mut() = Some(Pending {
            challenge,
            username,
            at: self.inner.now(),
            password_chosen: false,
        });
    }

    /// `MFA_SETUP` (the pool requires MFA, the user has none): a new TOTP secret for the
    /// challenge's session; the challenge kept holds the session of that answer.
    async fn start_totp_setup(
        &self,
        mut challenge: Challenge,
        username: &str,
    ) -> Result<(Challenge, NextStep)> {
        let inner = &self.inner;
        if !challenge
            .parameter("MFAS_CAN_SETUP")
            .is_some_and(|m| m.contains("SOFTWARE_TOKEN_MFA"))
        {
            return Err(challenge.unsupported());
        }
        let session = challenge.session.as_deref().unwrap_or_default();
        let request = signin::associate_for_setup(&inner.config, session);
        let body = crate::account::ok_json(&inner.send(&request).await)?;
        let setup = crate::account::totp_setup(&body, &inner.totp_issuer(None), username)?;
        challenge.session = Some(signin::setup_session(&body, false)?);
        let text = |k: &str| {
            setup
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let next = NextStep::TotpSetup {
            secret: text("secret"),
            uri: text("uri"),
        };
        Ok((challenge, next))
    }

    /// The tokens, verified and stored as the redirect callback's are.
    async fn finish(&self, tokens: TokenResponse) -> Result<SignInResult> {
        let inner = &self.inner;
        let (mut session, _) = inner.accept_tokens(tokens, None, None).await?;
        session.via_api = true;
        inner.save_session(&session)?;
        inner.broadcast(EventName::SignedIn);
        inner.emit(EventDetail::new(EventName::SignedIn));
        Ok(SignInResult {
            signed_in: true,
            next_step: NextStep::Done,
        })
    }
}
