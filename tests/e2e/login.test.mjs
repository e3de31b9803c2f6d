// Managed login as ShopSphere needs it, end to end in headless Chromium against devstack: sign-up with a code
// from the outbox, password recovery, "Continue with Google" (new and returning user), TOTP MFA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, totp, POOL } from './harness.mjs';

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const evalIn = (page, fn, arg) => page.evaluate(fn, arg);
const settle = (page, expr) => page.evaluate(`window.settle(${expr})`);
const fresh = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** From the app: signInWithRedirect(options), then wait for the page at `path` on devstack. */
async function startSignIn(page, options, path) {
  await Promise.all([
    page.waitForURL((u) => u.origin === h.cognito && u.pathname === path),
    evalIn(page, (o) => window.auth.signInWithRedirect(o), options),
  ]);
}

/** Clicks `selector` and waits until the browser is back on the app with the callback handled. */
async function backToApp(page, selector) {
  await Promise.all([page.waitForURL((u) => u.origin === h.origin), page.click(selector)]);
  return h.callbackResult(page);
}

test('a new user signs up with a code from the outbox and lands signed in', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const username = `carol${fresh()}`;
  const email = `${username}@shopsphere.test`;
  await startSignIn(page, { screen: 'signup', customState: 'welcome' }, '/signup');
  // The sign-up page got the sign-in's PKCE, state and nonce.
  const params = new URL(page.url()).searchParams;
  assert.equal(params.get('code_challenge_method'), 'S256');
  assert.ok(params.get('state') && params.get('nonce') && params.get('code_challenge'));
  // A weak password first: Cognito's message, nothing created.
  await page.fill('#signUpFormUsername', username);
  await page.fill('#signUpFormEmail', email);
  await page.fill('#signUpFormPassword', 'short');
  await page.click('#signUpButton');
  assert.match(await page.textContent('.error'), /Password did not conform with policy/);
  await page.fill('#signUpFormUsername', username);
  await page.fill('#signUpFormEmail', email);
  await page.fill('#signUpFormPassword', 'Carol!2026pass');
  await Promise.all([page.waitForURL((u) => u.pathname === '/confirm'), page.click('#signUpButton')]);
  // A wrong code is refused with a readable message; the code from the outbox completes the sign-up.
  await page.fill('#confirmCode', '000000');
  await page.click('#confirmButton');
  assert.match(await page.textContent('.error'), /Invalid verification code/);
  await page.fill('#confirmCode', await h.outboxCode(username, 'SignUp'));
  const r = await backToApp(page, '#confirmButton');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.ok.user.username, username);
  assert.equal(r.ok.user.email, email);
  assert.equal(r.ok.user.emailVerified, true);
  assert.equal(r.ok.customState, 'welcome');
  assert.equal(r.ok.user.identityProvider, undefined, 'a user of the pool');
  assert.equal(page.url(), `${h.origin}/`);
  await ctx.close();
});

test('a user who forgot the password resets it with a code and signs in with the new one', async () => {
  const user = await h.newUser('dave');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await startSignIn(page, {}, '/login');
  await Promise.all([page.waitForURL((u) => u.pathname === '/forgotPassword'), page.click('#forgotPasswordLink')]);
  await page.fill('#forgotUsername', user.username);
  await Promise.all([page.waitForURL((u) => u.pathname === '/confirmForgotPassword'), page.click('#forgotPasswordButton')]);
  const code = await h.outboxCode(user.username, 'ForgotPassword');
  await page.fill('#forgotCode', code);
  await page.fill('#forgotNewPassword', 'weak');
  await page.click('#confirmForgotPasswordButton');
  assert.match(await page.textContent('.error'), /Password did not conform with policy/);
  await page.fill('#forgotCode', code);
  await page.fill('#forgotNewPassword', 'Reset!2026pass');
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#confirmForgotPasswordButton')]);
  // The old password no longer works; the new one does.
  await page.fill('#signInFormUsername', user.username);
  await page.fill('#signInFormPassword', user.password);
  await page.click('#signInSubmitButton');
  assert.ok(await page.isVisible('.error'), 'the old password is refused');
  const r = await (async () => {
    await page.fill('#signInFormUsername', user.username);
    await page.fill('#signInFormPassword', 'Reset!2026pass');
    return backToApp(page, '#signInSubmitButton');
  })();
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.ok.user.username, user.username);
  await ctx.close();
});

/** "Continue with Google" from the sign-in page, account `n`, consent given. */
async function signInWithGoogle(page, n) {
  await startSignIn(page, {}, '/login');
  await Promise.all([page.waitForURL((u) => u.pathname === '/_google/authorize'), page.click('#googleSignInButton')]);
  await page.click(`#googleAccount-${n}`);
  return backToApp(page, '#googleAllow');
}

test('Google: a new and a returning user get the same Cognito user and the same identity id', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const first = await signInWithGoogle(page, 1);
  assert.ok(first.ok, JSON.stringify(first));
  const { user } = first.ok;
  assert.equal(user.username, 'Google_104217735128311400002');
  assert.equal(user.identityProvider, 'Google');
  assert.equal(user.email, 'ben.buyer@gmail.test');
  assert.ok(user.groups.includes(`${POOL}_Google`), JSON.stringify(user.groups));
  const current = await evalIn(page, () => window.auth.currentUser());
  assert.equal(current.identityProvider, 'Google');
  assert.deepEqual(current.identities, ['Google']);
  const creds = await evalIn(page, () => window.auth.getCredentials());
  await evalIn(page, () => window.auth.signOut({ redirect: false }));
  await ctx.close();

  // Returning, in a fresh browser, straight to Google with identityProvider.
  const ctx2 = await h.newContext();
  const page2 = await h.openApp(ctx2);
  await startSignIn(page2, { identityProvider: 'Google' }, '/_google/authorize');
  await page2.click('#googleAccount-1');
  const again = await backToApp(page2, '#googleAllow');
  assert.ok(again.ok, JSON.stringify(again));
  assert.equal(again.ok.user.sub, user.sub, 'the same Cognito user');
  const creds2 = await evalIn(page2, () => window.auth.getCredentials());
  assert.equal(creds2.identityId, creds.identityId, 'the same identity id');
  await ctx2.close();
});

test('Google: a refused consent comes back as access_denied, and nothing is stored', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await startSignIn(page, { identityProvider: 'Google' }, '/_google/authorize');
  await page.click('#googleAccount-0');
  const r = await backToApp(page, '#googleDeny');
  assert.equal(r.err?.code, 'ERR_OAUTH', JSON.stringify(r));
  assert.equal(r.err.type, 'access_denied');
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  assert.equal(page.url(), `${h.origin}/`);
  await ctx.close();
});

test('TOTP: set up with a computed code, then the sign-in asks for it; wrong codes are refused', async () => {
  const user = await h.newUser('erin');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, user)).ok);
  assert.deepEqual(await evalIn(page, () => window.auth.fetchMfaPreference()), { enabled: [] });
  const setup = await evalIn(page, () => window.auth.setUpTotp({ appName: 'ShopSphere' }));
  assert.match(setup.secret, /^[A-Z2-7]+=*$/);
  assert.equal(setup.uri, `otpauth://totp/ShopSphere:${user.username}?secret=${setup.secret}&issuer=ShopSphere`);
  const wrong = await settle(page, "window.auth.verifyTotpSetup('000000')");
  assert.equal(wrong.err?.code, 'ERR_AWS', JSON.stringify(wrong));
  assert.match(wrong.err.type, /EnableSoftwareTokenMFAException|CodeMismatchException/);
  const ok = await settle(page, `window.auth.verifyTotpSetup(${JSON.stringify(totp(setup.secret))}, { deviceName: 'e2e' })`);
  assert.ok(!ok.err, JSON.stringify(ok));
  assert.ok(!(await settle(page, "window.auth.updateMfaPreference({ totp: 'preferred' })")).err);
  assert.deepEqual(await evalIn(page, () => window.auth.fetchMfaPreference()), { enabled: ['TOTP'], preferred: 'TOTP' });
  const badPreference = await settle(page, "window.auth.updateMfaPreference({ totp: 'on' })");
  assert.equal(badPreference.err?.code, 'ERR_CONFIG');

  // Sign out, sign in again: the password, then the code step.
  await evalIn(page, () => window.auth.signOut({ redirect: false }));
  await ctx.clearCookies();
  await startSignIn(page, {}, '/login');
  await page.fill('#signInFormUsername', user.username);
  await page.fill('#signInFormPassword', user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/mfa'), page.click('#signInSubmitButton')]);
  const valid = [-1, 0, 1].map((step) => totp(setup.secret, step));
  await page.fill('#totpCode', ['123456', '654321', '111111'].find((c) => !valid.includes(c)));
  await page.click('#totpSubmitButton');
  assert.match(await page.textContent('.error'), /Invalid code/);
  // The set-up spent this step's code: the next step's (within the allowed skew) signs in.
  await page.fill('#totpCode', totp(setup.secret, 1));
  const r = await backToApp(page, '#totpSubmitButton');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.ok.user.username, user.username);

  // Off again: the next sign-in has no code step.
  assert.ok(!(await settle(page, "window.auth.updateMfaPreference({ totp: 'disabled' })")).err);
  assert.deepEqual(await evalIn(page, () => window.auth.fetchMfaPreference()), { enabled: [] });
  await evalIn(page, () => window.auth.signOut({ redirect: false }));
  await ctx.clearCookies();
  assert.ok((await h.signIn(page, user)).ok, 'signed in with the password alone');
  await ctx.close();
});

test('email MFA: updateMfaPreference({ email }) turns it on, and the sign-in asks for the code it e-mailed', async () => {
  const user = await h.newUser('emfa');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, user)).ok);
  // SMS needs a phone number the user does not have: Cognito's refusal, nothing changed.
  const sms = await settle(page, "window.auth.updateMfaPreference({ sms: 'enabled', email: 'enabled' })");
  assert.deepEqual([sms.err?.code, sms.err?.type], ['ERR_AWS', 'InvalidParameterException'], JSON.stringify(sms));
  assert.deepEqual(await evalIn(page, () => window.auth.fetchMfaPreference()), { enabled: [] });
  assert.ok(!(await settle(page, "window.auth.updateMfaPreference({ email: 'preferred' })")).err);
  assert.deepEqual(await evalIn(page, () => window.auth.fetchMfaPreference()), { enabled: ['EMAIL'], preferred: 'EMAIL' });
  const none = await settle(page, 'window.auth.updateMfaPreference({})');
  assert.equal(none.err?.code, 'ERR_CONFIG');

  await evalIn(page, () => window.auth.signOut({ redirect: false }));
  await ctx.clearCookies();
  await startSignIn(page, {}, '/login');
  await page.fill('#signInFormUsername', user.username);
  await page.fill('#signInFormPassword', user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/mfa'), page.click('#signInSubmitButton')]);
  assert.match(await page.textContent('label[for=totpCode]'), /code we sent to .\*\*\*@s\*\*\*\.test/);
  await page.fill('#totpCode', '000000');
  await page.click('#totpSubmitButton');
  assert.match(await page.textContent('.error'), /Invalid code/);
  await page.fill('#totpCode', await h.outboxCode(user.username, 'EMAIL_OTP'));
  const r = await backToApp(page, '#totpSubmitButton');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.ok.user.username, user.username);
  assert.ok(!(await settle(page, "window.auth.updateMfaPreference({ email: 'disabled' })")).err);
  assert.deepEqual(await evalIn(page, () => window.auth.fetchMfaPreference()), { enabled: [] });
  await ctx.close();
});

test('the account calls need the admin scope and say so', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const r = await evalIn(page, () => window.settle(window.makeAuth({ scopes: ['openid', 'email'] }).setUpTotp()));
  assert.equal(r.err?.code, 'ERR_CONFIG');
  assert.match(r.err.message, /aws\.cognito\.signin\.user\.admin/);
  await ctx.close();
});
