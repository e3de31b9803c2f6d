// The ShopSphere demo's sign-in options and security settings, as a new user: "Create account" with a code from
// the outbox, "Continue with Google", "Continue with Facebook", "Company SSO" (Acme Corp SSO, an OIDC provider
// Cognito picks by idp_identifier, also from a corporate email on the sign-in page), and the Security card's
// authenticator-app set-up (TOTP), against devstack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, totp, virtualAuthenticator } from './harness.mjs';

let h;
let site;
before(async () => {
  site = await startDemo();
  ({ h } = site);
});
after(async () => { await site?.stop(); });

const fresh = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const signedIn = (page) => page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');
const back = (page, selector) => Promise.all([page.waitForURL((u) => u.origin === h.origin), page.click(selector)]);
/** Signs out with the page's button (the managed login's /logout comes back here), signed out. */
async function signOut(page) {
  await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-out');
}
/** "Sign in": the managed login's sign-in page. */
const toLogin = (page) => Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);

test('Create account: sign up, confirm with the code from the outbox, land signed in', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok(await page.isVisible('#sign-up'));
  const username = `fiona${fresh()}`;
  await Promise.all([page.waitForURL((u) => u.pathname === '/signup'), page.click('#sign-up')]);
  await page.fill('#signUpFormUsername', username);
  await page.fill('#signUpFormEmail', `${username}@shopsphere.test`);
  await page.fill('#signUpFormPassword', 'Fiona!2026pass');
  await Promise.all([page.waitForURL((u) => u.pathname === '/confirm'), page.click('#signUpButton')]);
  await page.fill('#confirmCode', await h.outboxCode(username, 'SignUp'));
  await back(page, '#confirmButton');
  await signedIn(page);
  assert.equal(await page.textContent('#profile-username'), username);
  assert.equal(await page.textContent('#profile-provider'), 'ShopSphere account');
  assert.ok(await page.isHidden('#profile-linked'), 'no linked accounts for a user of the pool without one');
  assert.ok(await page.isVisible('#profile-verified'), 'the confirmed email is verified');
  assert.ok(await page.isHidden('#sign-up'));
  assert.ok(await page.isVisible('#security-card'));
  // A new account is welcomed, not welcomed back (the sign-in came from "Create account").
  assert.equal(await page.textContent('#greeting'), `Welcome to ShopSphere, ${username}.`);
  assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /Welcome back/);

  // Signed out and in again in this browser: now it is "Welcome back".
  await signOut(page);
  await toLogin(page);
  await h.submitLogin(page, { username, password: 'Fiona!2026pass' });
  await signedIn(page);
  assert.equal(await page.textContent('#greeting'), `Welcome back, ${username}.`);
  await ctx.close();
});

test('Continue with Google: signed in as the Google user, no TOTP card', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([page.waitForURL((u) => u.pathname === '/_google/authorize'), page.click('#sign-in-google')]);
  await page.click('#googleAccount-0');
  await back(page, '#googleAllow');
  await signedIn(page);
  assert.equal(await page.textContent('#profile-provider'), 'Google');
  assert.equal(await page.textContent('#profile-email'), 'ava.shopper@gmail.test');
  assert.ok(await page.isHidden('#security-card'), 'Google users have Google\'s second factor');
  // The header and the profile show Google's name, not Cognito's username (Google_<sub>); the group Cognito
  // puts every Google user in (us-east-1_ShopSphr1_Google) is not the shopper's business.
  const user = await page.evaluate(() => window.auth.currentUser());
  assert.match(user.username, /^Google_\d+$/);
  assert.ok(user.groups.includes('us-east-1_ShopSphr1_Google'), JSON.stringify(user.groups));
  assert.equal(await page.textContent('#header-name'), 'Ava Shopper');
  assert.equal(await page.textContent('#profile-name'), 'Ava Shopper');
  assert.equal(await page.textContent('#profile-groups'), 'none');
  const seen = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(seen, /Google_\d|_Google\b/);
  // A first sign-in in this browser is not greeted as a return.
  assert.equal(await page.textContent('#greeting'), 'Welcome, Ava.');
  await ctx.close();
});

test('Continue with Google, then Cancel at the consent: one clear message, still signed out', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([page.waitForURL((u) => u.pathname === '/_google/authorize'), page.click('#sign-in-google')]);
  await page.click('#googleAccount-0');
  await back(page, '#googleDeny');
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-out');
  assert.equal(page.url(), `${h.origin}/`);
  assert.ok(await page.isVisible('#banner'));
  assert.equal(await page.textContent('#banner-text'), 'Sign-in was cancelled. You are still signed out.');
  // Said once: no other alert, error line or failed event, and none of the protocol's words.
  const errors = await page.evaluate(() => [...document.querySelectorAll(
    '[role="alert"], .status[data-kind="error"], #events li[data-kind="error"]',
  )].filter((e) => e.checkVisibility()).map((e) => e.id));
  assert.deepEqual(errors, ['banner'], 'the banner alone');
  assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /access_denied|did not sign|refused|failed/i);
  assert.match(await page.textContent('#events li[data-event="signInWithRedirectFailure"]'), /Sign-in cancelled/);
  await ctx.close();
});

test('Continue with Facebook: signed in as the Facebook user, its name and email from the mapping', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([page.waitForURL((u) => u.pathname === '/_idp/facebook/authorize'), page.click('#sign-in-facebook')]);
  await page.click('#facebookAccount-0');
  await back(page, '#facebookAllow');
  await signedIn(page);
  const user = await page.evaluate(() => window.auth.currentUser());
  assert.match(user.username, /^Facebook_\d+$/);
  assert.equal(user.identityProvider, 'Facebook');
  assert.equal(await page.textContent('#profile-provider'), 'Facebook');
  assert.equal(await page.textContent('#profile-email'), 'fay.fan@facebook.test');
  assert.equal(await page.textContent('#header-name'), 'Fay Fan');
  assert.ok(await page.isHidden('#sign-in-facebook'));
  assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /Facebook_\d|_Facebook\b/);
  await ctx.close();
});

test('Continue with Facebook, then Cancel: access_denied comes back as a cancelled sign-in', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([page.waitForURL((u) => u.pathname === '/_idp/facebook/authorize'), page.click('#sign-in-facebook')]);
  await page.click('#facebookAccount-0');
  await back(page, '#facebookDeny');
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-out');
  assert.equal(await page.textContent('#banner-text'), 'Sign-in was cancelled. You are still signed out.');
  await ctx.close();
});

test('Company SSO: idp_identifier acme.example goes to Acme Corp SSO, signed in as its user', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const [req] = await Promise.all([
    page.waitForRequest((r) => new URL(r.url()).pathname === '/oauth2/authorize'),
    page.waitForURL((u) => u.pathname === '/_idp/acme/authorize'),
    page.click('#sign-in-sso'),
  ]);
  assert.equal(new URL(req.url()).searchParams.get('idp_identifier'), 'acme.example');
  assert.match(await page.textContent('body'), /Acme Corp SSO/);
  await page.click('#acmeAccount-0');
  await back(page, '#acmeAllow');
  await signedIn(page);
  const user = await page.evaluate(() => window.auth.currentUser());
  assert.equal(user.username, 'AcmeSSO_00u1alice0acme');
  assert.equal(user.identityProvider, 'AcmeSSO');
  assert.equal(user.attributes['custom:department'], 'Engineering');
  assert.equal(await page.textContent('#profile-email'), 'alice@acme.example');
  assert.equal(await page.textContent('#header-name'), 'Alice Admin');
  assert.ok(await page.isHidden('#security-card'), 'the IdP owns the second factor');
  await ctx.close();
});

test('Sign in page: a corporate email (alice@acme.example) is sent to Acme Corp SSO', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await toLogin(page);
  await page.fill('#idpIdentifierEmail', 'alice@acme.example');
  await Promise.all([page.waitForURL((u) => u.pathname === '/_idp/acme/authorize'), page.click('#idpIdentifierSubmit')]);
  await page.click('#acmeAccount-0');
  await back(page, '#acmeAllow');
  await signedIn(page);
  assert.equal(await page.textContent('#profile-provider'), 'AcmeSSO');
  await ctx.close();
});

test('Facebook with a native user\'s email (link_by_email): signed in as that user, a pool user, Facebook in its identities claim', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([page.waitForURL((u) => u.pathname === '/_idp/facebook/authorize'), page.click('#sign-in-facebook')]);
  await page.click('#facebookAccount-1');
  await back(page, '#facebookAllow');
  await signedIn(page);
  const user = await page.evaluate(() => window.auth.currentUser());
  assert.equal(user.username, 'rival', 'the native user, not Facebook_<id>');
  assert.equal(user.email, 'rival@shopsphere.test');
  const identities = typeof user.claims.identities === 'string' ? JSON.parse(user.claims.identities) : user.claims.identities;
  assert.deepEqual(identities.map((i) => [i.providerName, i.primary]), [['Facebook', 'false']]);
  // A user of the pool with Facebook linked: still a pool user (no identityProvider, so the TOTP card shows);
  // the linked provider is in the claims' identities.
  assert.equal(user.identityProvider, undefined);
  assert.deepEqual(user.identities, ['Facebook']);
  assert.equal(await page.textContent('#profile-linked'), 'Facebook');
  assert.ok(await page.isVisible('#security-card'));
  await ctx.close();
});

test('Security: set up an authenticator app, a wrong code is refused, then the sign-in asks for the code', async () => {
  const user = await h.newUser('gus');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await toLogin(page);
  await h.submitLogin(page, user);
  await signedIn(page);
  await page.waitForFunction(() => document.getElementById('security-card').dataset.mfa === 'off');
  assert.equal(await page.textContent('#mfa-label'), 'off');
  await page.click('#mfa-setup');
  await page.waitForSelector('#mfa-form:not([hidden])');
  const secret = await page.textContent('#mfa-secret');
  assert.match(secret, /^[A-Z2-7]+=*$/);
  assert.equal(await page.getAttribute('#mfa-uri', 'href'), `otpauth://totp/ShopSphere:${user.username}?secret=${secret}&issuer=ShopSphere`);
  const valid = [-1, 0, 1].map((step) => totp(secret, step));
  await page.fill('#mfa-code', ['123456', '654321', '111111'].find((c) => !valid.includes(c)));
  await page.click('#mfa-verify');
  await page.waitForFunction(() => document.getElementById('mfa-status').dataset.kind === 'error');
  assert.match(await page.textContent('#mfa-status'), /That code is not right/);
  await page.fill('#mfa-code', totp(secret));
  await page.click('#mfa-verify');
  await page.waitForFunction(() => document.getElementById('security-card').dataset.mfa === 'on');
  assert.match(await page.textContent('#mfa-status'), /Two-step sign-in is on/);

  // Sign out, then sign in: password, then a code from the app.
  await signOut(page);
  await toLogin(page);
  await page.fill('#signInFormUsername', user.username);
  await page.fill('#signInFormPassword', user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/mfa'), page.click('#signInSubmitButton')]);
  await page.fill('#totpCode', totp(secret, 1));
  await back(page, '#totpSubmitButton');
  await signedIn(page);
  assert.equal(await page.textContent('#profile-username'), user.username);
  await page.waitForFunction(() => document.getElementById('security-card').dataset.mfa === 'on');
  // And off again from the card.
  await page.click('#mfa-off');
  await page.waitForFunction(() => document.getElementById('security-card').dataset.mfa === 'off');
  await ctx.close();
});

test('Security: e-mail me a code at sign-in, then the sign-in asks for the e-mailed code; and off again', async () => {
  const user = await h.newUser('ema');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await toLogin(page);
  await h.submitLogin(page, user);
  await signedIn(page);
  await page.waitForFunction(() => document.getElementById('security-card').dataset.emailMfa === 'off');
  await page.click('#email-mfa-toggle');
  await page.waitForFunction(() => document.getElementById('security-card').dataset.emailMfa === 'on');
  assert.match(await page.textContent('#mfa-status'), /enter the code we e-mail you/);
  assert.equal(await page.textContent('#email-mfa-toggle'), 'Stop e-mailing codes');

  await signOut(page);
  await toLogin(page);
  await page.fill('#signInFormUsername', user.username);
  await page.fill('#signInFormPassword', user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/mfa'), page.click('#signInSubmitButton')]);
  assert.match(await page.textContent('label[for=totpCode]'), /code we sent to/);
  await page.fill('#totpCode', await h.outboxCode(user.username, 'EMAIL_OTP'));
  await back(page, '#totpSubmitButton');
  await signedIn(page);
  assert.equal(await page.textContent('#profile-username'), user.username);
  await page.waitForFunction(() => document.getElementById('security-card').dataset.emailMfa === 'on');
  await page.click('#email-mfa-toggle');
  await page.waitForFunction(() => document.getElementById('security-card').dataset.emailMfa === 'off');
  await ctx.close();
});

test('Passkeys on the managed login: added from the Security card, then the sign-in uses one instead of the password', async () => {
  const user = await h.newUser('paula');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const { cdp, authenticatorId } = await virtualAuthenticator(ctx, page);
  await toLogin(page);
  await h.submitLogin(page, user);
  await signedIn(page);

  // "Add a passkey": Cognito's /passkeys/add for the user signed in to the managed login, back to the app.
  const link = new URL(await page.getAttribute('#passkey-add', 'href'));
  assert.equal(`${link.origin}${link.pathname}`, `${h.cognito}/passkeys/add`);
  assert.equal(link.searchParams.get('redirect_uri'), `${h.origin}/`);
  await Promise.all([page.waitForURL((u) => u.pathname === '/passkeys/add'), page.click('#passkey-add')]);
  await back(page, '#addPasskeyButton');
  await signedIn(page);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].rpId, 'localhost');
  assert.ok(credentials[0].isResidentCredential, 'a discoverable credential (a passkey)');
  const { accessToken } = await page.evaluate(() => window.auth.getTokens());
  const listed = await h.idp('ListWebAuthnCredentials', { AccessToken: accessToken });
  assert.equal(listed.body.Credentials?.length, 1, JSON.stringify(listed.body));

  // Signed out, then in with the passkey: no password typed.
  await signOut(page);
  await toLogin(page);
  await page.fill('#signInFormUsername', user.username);
  await back(page, '#passkeySignInButton');
  await signedIn(page);
  assert.equal(await page.textContent('#profile-username'), user.username);
  const [used] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  assert.ok(used.signCount > credentials[0].signCount, 'the authenticator signed the challenge');

  // A prompt that finds no passkey (the authenticator lost it) is said on the page, which stays.
  await signOut(page);
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  await toLogin(page);
  await page.fill('#signInFormUsername', user.username);
  await page.click('#passkeySignInButton');
  await page.waitForSelector('#passkeyError:not([hidden])');
  assert.match(await page.textContent('#passkeyError'), /cancelled/);
  assert.equal(new URL(page.url()).pathname, '/login');
  // A user without a passkey is told so.
  const other = await h.newUser('nopk');
  await page.fill('#signInFormUsername', other.username);
  await page.click('#passkeySignInButton');
  await page.waitForSelector('#passkeyError:has-text("No passkey is registered for this user.")');
  await ctx.close();

  // /passkeys/add wants a managed-login session and one of the client's callback URLs.
  const add = (q) => fetch(`${h.cognito}/passkeys/add?${new URLSearchParams(q)}`, { redirect: 'manual' });
  assert.equal((await add({ client_id: link.searchParams.get('client_id'), redirect_uri: `${h.origin}/` })).status, 401);
  assert.equal((await add({ client_id: link.searchParams.get('client_id'), redirect_uri: 'https://evil.example/' })).status, 400);
});
