// The Rust example (examples/rust-app): trunk builds it as its README says, the harness serves that build with a
// config.json pointing at this run's devstack, and headless Chromium signs in, sees the user and signs out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemo, start, root, totp, virtualAuthenticator, DEMO } from './harness.mjs';

let h;
let dist;
before(async () => {
  dist = await buildDemo(join(root, 'examples', 'rust-app'));
  assert.ok(readdirSync(dist.dir).some((f) => f.endsWith('_bg.wasm')), 'trunk built the Rust app');
  h = await start({
    appDir: dist.dir,
    servePkg: false,
    extraRoutes: { '/config.json': () => JSON.stringify({ ...h.config.auth, clientId: h.config.clients.demo }) },
  });
});
after(async () => {
  await h?.stop();
  dist?.remove();
});

const state = (page) => page.getAttribute('body', 'data-state');

/** The example's own form: user name and password, then "Sign in" (SRP); the caller waits for what follows. */
async function submitPassword(page, { username, password }) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#sign-in-here');
}

/** Signs in with the example's own form and waits for the signed-in page (it reloads once signed in). */
async function signInHere(page, user) {
  await Promise.all([page.waitForEvent('load'), submitPassword(page, user)]);
  await page.waitForSelector('body[data-state="signed-in"]');
}

/** The access token of `user`, signed in through the API (to set its account up before the page runs). */
async function accessToken(user) {
  const login = await h.idp('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: h.config.clients.demo,
    AuthParameters: { USERNAME: user.username, PASSWORD: user.password } });
  return login.body.AuthenticationResult.AccessToken;
}

/** A new browser context on the example's page, signed out (page errors logged). */
async function signedOut(harness = h) {
  const ctx = await harness.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
  await page.goto(`${harness.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  return { ctx, page };
}

test('the Rust example signs in through the managed login, shows the user and signs out', async () => {
  assert.ok(existsSync(join(root, 'examples', 'rust-app', 'config.json')), 'the example ships a devstack config');
  const { ctx, page } = await signedOut();
  assert.equal(await page.isVisible('#sign-in'), true);
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, DEMO);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), 'demo');
  assert.equal(await page.textContent('#user-email'), 'demo@shopsphere.test');
  // Read from the ID token's claims into the app's own struct (current_user_as, cargo feature serde).
  assert.equal(await page.textContent('#user-full-name'), 'Demo Shopper');
  assert.equal(await page.textContent('#user-groups'), 'customers');
  assert.equal(page.url(), `${h.origin}/`, 'no code or state left in the address bar');
  assert.equal(await page.isVisible('#error'), false);
  const session = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith('.session')));
  assert.equal((await session()).length, 1);
  // A reload restores the user from storage.
  await page.reload();
  await page.waitForSelector('body[data-state="signed-in"]');
  // Sign out: devstack's /logout redirects back to the app, signed out.
  const visited = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(new URL(f.url()).pathname); });
  page.on('request', (r) => { if (r.isNavigationRequest()) visited.push(new URL(r.url()).pathname); });
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  assert.ok(visited.includes('/logout'), `went through the managed /logout: ${visited}`);
  assert.deepEqual(await session(), []);
  await ctx.close();
});

test('the Rust example signs in with its own form over SRP: the password is never sent, refresh goes through the API', async () => {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
  const posted = [];
  page.on('request', (r) => { if (r.method() === 'POST') posted.push({ target: r.headers()['x-amz-target'] || r.url(), body: r.postData() || '' }); });
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  // A wrong password: Cognito's refusal, shown; nothing stored.
  await submitPassword(page, { username: DEMO.username, password: 'not-the-password' });
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /Incorrect username or password.*ERR_AWS/);
  await page.fill('#password', DEMO.password);
  await Promise.all([page.waitForEvent('load'), page.click('#sign-in-here')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), 'demo');
  assert.equal(await page.textContent('#user-full-name'), 'Demo Shopper');
  const targets = posted.map((p) => p.target.replace('AWSCognitoIdentityProviderService.', ''));
  assert.deepEqual(targets.slice(-2), ['InitiateAuth', 'RespondToAuthChallenge'], `${targets}`);
  assert.ok(posted.some((p) => p.body.includes('"AuthFlow":"USER_SRP_AUTH"') && p.body.includes('"SRP_A"')));
  assert.ok(posted.some((p) => p.body.includes('PASSWORD_CLAIM_SIGNATURE')));
  assert.ok(posted.every((p) => !p.body.includes(DEMO.password) && !p.body.includes('not-the-password')), 'no password on the wire');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith('.session')))));
  assert.equal(stored.via, 'api');
  // Refreshed through the user-pool API (GetTokensFromRefreshToken), not the token endpoint.
  posted.length = 0;
  await page.click('#refresh');
  await page.waitForSelector('#refreshed:has-text("Refreshed.")');
  assert.deepEqual(posted.map((p) => p.target), ['AWSCognitoIdentityProviderService.GetTokensFromRefreshToken']);
  // A second tab restores the in-app session, refreshes it and gets the identity pool's credentials.
  const second = await ctx.newPage();
  await second.goto(`${h.origin}/`);
  await second.waitForSelector('body[data-state="signed-in"]');
  await second.click('#refresh');
  await second.waitForSelector('#refreshed:has-text("Refreshed.")');
  await second.click('#credentials');
  await second.waitForFunction(() => /^us-east-1:[0-9a-f-]{36}$/.test(document.getElementById('identity-id').textContent));
  assert.equal(await page.isVisible('#error'), false);
  await ctx.close();
});

test('the Rust example answers NEW_PASSWORD_REQUIRED for an account an administrator created', async () => {
  const { ctx, page } = await signedOut();
  await submitPassword(page, { username: 'newhire', password: 'Welcome!2026temp' });
  await page.waitForSelector('body[data-state="step-newPassword"]');
  // The pool requires only the e-mail address, which the account has: no attribute to give.
  assert.equal(await page.isVisible('#attribute'), false);
  // Too weak: refused, and the step stays for another try.
  await page.fill('#answer', 'short');
  await page.click('#confirm');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /InvalidPasswordException|password/i);
  await page.fill('#answer', 'Chosen!2026pass');
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), 'newhire');
  assert.equal(await page.textContent('#user-email'), 'newhire@shopsphere.test');
  await ctx.close();
});

test('the Rust example signs in by choice (USER_AUTH): an e-mailed code, and the password picked from the factors offered', async () => {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
  const posted = [];
  page.on('request', (r) => { if (r.method() === 'POST') posted.push(r.postData() || ''); });
  const user = await h.newUser('choice');
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  // "Email me a code": USER_AUTH with EMAIL_OTP preferred, the code from devstack's outbox.
  await page.fill('#username', user.username);
  await page.click('#email-code');
  await page.waitForSelector('body[data-state="step-emailCode"]');
  assert.ok(posted.some((p) => p.includes('"AuthFlow":"USER_AUTH"') && p.includes('"PREFERRED_CHALLENGE":"EMAIL_OTP"')));
  await page.fill('#answer', '00000000');
  await page.click('#confirm');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /CodeMismatchException|code/i);
  await page.fill('#answer', await h.outboxCode(user.username, 'EMAIL_OTP'));
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), user.username);
  await page.click('#refresh');
  await page.waitForSelector('#refreshed:has-text("Refreshed.")');
  // Signing out of an in-app session: RevokeToken on the user-pool API, no managed /logout to go to.
  const navigations = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
  posted.length = 0;
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.endsWith('.session')));
  assert.deepEqual(navigations, [], 'no navigation');
  assert.ok(posted.some((p) => p.includes('"Token"') && p.includes('"ClientId"')), `RevokeToken: ${posted}`);
  // "Other ways to sign in": the factors offered, the password chosen and asked for, then SRP.
  posted.length = 0;
  await page.fill('#username', user.username);
  await page.click('#choose');
  await page.waitForSelector('body[data-state="step-selectChallenge"]');
  assert.equal(await page.textContent('#step-prompt'), 'Sign in with one of: password, emailCode');
  await page.fill('#answer', 'password');
  await page.click('#confirm');
  await page.waitForSelector('body[data-state="step-password"]');
  await page.fill('#answer', user.password);
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.ok(posted.some((p) => p.includes('"ANSWER":"PASSWORD_SRP"')));
  assert.ok(posted.every((p) => !p.includes(user.password)), 'no password on the wire');
  assert.equal(await page.isVisible('#error'), false);
  await ctx.close();
});

test('the Rust example creates an account, confirms it and is signed in without the password again; a reset sets a new one', async () => {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
  const posted = [];
  page.on('request', (r) => { if (r.method() === 'POST') posted.push({ target: r.headers()['x-amz-target'] || r.url(), body: r.postData() || '' }); });
  const username = `fresh${Date.now().toString(36)}`;
  const password = 'Fresh!2026pass';
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#email', `${username}@shopsphere.test`);
  await page.click('#sign-up');
  await page.waitForSelector('body[data-state="step-confirmSignUp"]');
  await page.fill('#answer', '000000');
  await page.click('#confirm');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /CodeMismatchException/);
  posted.length = 0;
  await page.fill('#answer', await h.outboxCode(username, 'SignUp'));
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), username);
  const targets = posted.map((p) => p.target.replace('AWSCognitoIdentityProviderService.', ''));
  assert.deepEqual(targets, ['ConfirmSignUp', 'InitiateAuth'], `${targets}`);
  assert.ok(posted[1].body.includes('"AuthFlow":"USER_AUTH"') && posted[1].body.includes('"Session"'));
  assert.ok(posted.every((p) => !p.body.includes(password)), 'signed in after the confirmation without the password');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith('.session')))));
  assert.equal(stored.via, 'api');
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  // Forgot password: the code from the outbox, the new password; then it signs in.
  await page.fill('#username', username);
  await page.click('#forgot');
  await page.waitForSelector('body[data-state="step-resetPassword"]');
  await page.fill('#password', 'Another!2026pass');
  await page.fill('#answer', await h.outboxCode(username, 'ForgotPassword'));
  await page.click('#confirm');
  await page.waitForSelector('body[data-state="step-done"]');
  assert.equal(await page.textContent('#step-prompt'), 'Password changed: sign in with it.');
  await Promise.all([page.waitForEvent('load'), page.click('#sign-in-here')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.isVisible('#error'), false);
  await ctx.close();
});

test('the Rust example answers an e-mailed MFA code after SRP', async () => {
  const user = await h.newUser('mfa');
  const token = await accessToken(user);
  const set = await h.idp('SetUserMFAPreference', { AccessToken: token,
    EmailMfaSettings: { Enabled: true, PreferredMfa: true } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const { ctx, page } = await signedOut();
  await submitPassword(page, user);
  await page.waitForSelector('body[data-state="step-emailCode"]');
  await page.fill('#answer', await h.outboxCode(user.username, 'EMAIL_OTP'));
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), user.username);
  await ctx.close();
});

test('the Rust example sets up an authenticator app when the pool requires MFA (MFA_SETUP), then signs in', async () => {
  const strict = await start({
    appDir: dist.dir,
    servePkg: false,
    extraRoutes: { '/config.json': () => JSON.stringify({ ...strict.config.auth, clientId: strict.config.clients.demo }) },
    configEdit: (text) => text.replace('mfa_configuration = "OPTIONAL"', 'mfa_configuration = "ON"'),
  });
  try {
    const { ctx, page } = await signedOut(strict);
    await submitPassword(page, DEMO);
    await page.waitForSelector('body[data-state="step-totpSetup"]');
    const secret = /key to it: ([A-Z2-7]+=*),/.exec(await page.textContent('#step-prompt'))?.[1];
    assert.ok(secret, await page.textContent('#step-prompt'));
    await page.fill('#answer', '000000' === totp(secret) ? '111111' : '000000');
    await page.click('#confirm');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /EnableSoftwareTokenMFAException|Code mismatch/);
    await page.fill('#answer', totp(secret));
    await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
    await page.waitForSelector('body[data-state="signed-in"]');
    assert.equal(await page.textContent('#user-name'), 'demo');
    await ctx.close();
  } finally {
    await strict.stop();
  }
});

test('the Rust example signs in by SMS code when the user has a phone number (USER_AUTH SMS_OTP)', async () => {
  const user = await h.newUser('sms');
  const token = await accessToken(user);
  const phone = await h.idp('UpdateUserAttributes', { AccessToken: token,
    UserAttributes: [{ Name: 'phone_number', Value: '+15555550142' }] });
  assert.equal(phone.status, 200, JSON.stringify(phone.body));
  const { ctx, page } = await signedOut();
  await page.fill('#username', user.username);
  await page.click('#choose');
  await page.waitForSelector('body[data-state="step-selectChallenge"]');
  assert.equal(await page.textContent('#step-prompt'), 'Sign in with one of: password, emailCode, smsCode');
  await page.fill('#answer', 'smsCode');
  await page.click('#confirm');
  await page.waitForSelector('body[data-state="step-smsCode"]');
  await page.fill('#answer', await h.outboxCode(user.username, 'SMS_OTP'));
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), user.username);
  await ctx.close();
});

test('the Rust example adds a passkey, signs in with it after signing out, lists and deletes it; a failed prompt is an error', async () => {
  const user = await h.newUser('pia');
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
  const { cdp, authenticatorId } = await virtualAuthenticator(ctx, page);
  const posted = [];
  page.on('request', (r) => { if (r.method() === 'POST') posted.push((r.headers()['x-amz-target'] || '').replace('AWSCognitoIdentityProviderService.', '')); });
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  await signInHere(page, user);
  assert.ok(!posted.includes('ListWebAuthnCredentials'), 'the list only when asked for');
  await page.click('#show-passkeys');
  await page.waitForSelector('#passkeys[data-count="0"]', { state: 'attached' });

  // Add a passkey: Cognito's options, the authenticator's new credential, verified by devstack.
  await page.click('#add-passkey');
  await page.waitForSelector('#passkeys[data-count="1"]');
  assert.equal(await page.isVisible('#error'), false);
  assert.deepEqual(posted.filter((t) => t.includes('WebAuthn')),
    ['ListWebAuthnCredentials', 'StartWebAuthnRegistration', 'CompleteWebAuthnRegistration', 'ListWebAuthnCredentials']);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].rpId, 'localhost');
  assert.ok(credentials[0].isResidentCredential, 'a discoverable credential (a passkey)');

  // Sign out, then in with the passkey: USER_AUTH, WEB_AUTHN answered by the authenticator, no password.
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  posted.length = 0;
  await page.fill('#username', user.username);
  await page.fill('#password', '');
  await Promise.all([page.waitForEvent('load'), page.click('#passkey')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), user.username);
  assert.deepEqual(posted.slice(0, 2), ['InitiateAuth', 'RespondToAuthChallenge'], `${posted}`);
  const [after] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  assert.ok(after.signCount > credentials[0].signCount, 'the authenticator signed the challenge');

  // The session it ended in is refreshed from a second tab as any other.
  const second = await ctx.newPage();
  await second.goto(`${h.origin}/`);
  await second.waitForSelector('body[data-state="signed-in"]');
  await second.click('#refresh');
  await second.waitForSelector('#refreshed:has-text("Refreshed.")');
  // And it gets the identity pool's credentials.
  await second.click('#credentials');
  await second.waitForFunction(() => /^us-east-1:[0-9a-f-]{36}$/.test(document.getElementById('identity-id').textContent));
  await second.close();

  // A prompt that finds no passkey (the authenticator lost it) fails as a cancelled one: an error, signed out.
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  await page.fill('#username', user.username);
  await page.click('#passkey');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /ERR_PASSKEY_CANCELLED/);
  assert.equal(await page.getAttribute('body', 'data-state'), 'signed-out');

  // Signed in again by SRP: the passkey Cognito still knows is deleted from the list.
  await page.fill('#password', user.password);
  await Promise.all([page.waitForEvent('load'), page.click('#sign-in-here')]);
  await page.click('#show-passkeys');
  await page.waitForSelector('#passkeys[data-count="1"]');
  await page.click('#passkeys button');
  await page.waitForSelector('#passkeys[data-count="0"]', { state: 'attached' });
  assert.equal(await page.isVisible('#error'), false);
  await ctx.close();
});

test('the Rust example says when there is no WebAuthn, and refuses a pool whose relying party is not the page, before any prompt', async () => {
  // No WebAuthn in this browser (as an old one, or a WebView without it): ERR_PASSKEY_UNSUPPORTED.
  const user = await h.newUser('nowa');
  const { ctx, page } = await signedOut();
  await signInHere(page, user);
  await page.evaluate(() => { delete window.PublicKeyCredential; });
  await page.click('#add-passkey');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /ERR_PASSKEY_UNSUPPORTED/);
  await ctx.close();

  // A pool whose relying party is another domain: refused by the module, with no prompt (and so no
  // virtual-authenticator credential), naming both domains.
  const other = await start({
    appDir: dist.dir,
    servePkg: false,
    extraRoutes: { '/config.json': () => JSON.stringify({ ...other.config.auth, clientId: other.config.clients.demo }) },
    configEdit: (text) => text.replace('relying_party_id = "localhost"', 'relying_party_id = "shop.example"'),
  });
  try {
    const { ctx: c2, page: p2 } = await signedOut(other);
    const { cdp, authenticatorId } = await virtualAuthenticator(c2, p2);
    await signInHere(p2, DEMO);
    await p2.click('#add-passkey');
    await p2.waitForSelector('#error:not([hidden])');
    const text = await p2.textContent('#error');
    assert.match(text, /ERR_PASSKEY_RELYING_PARTY/);
    assert.match(text, /'shop\.example' is not this page's domain \(localhost\)/);
    assert.deepEqual((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials, []);
    await c2.close();
  } finally {
    await other.stop();
  }
});

test('the Rust example lets a user with two second factors and none preferred choose one (SELECT_MFA_TYPE)', async () => {
  const user = await h.newUser('multi');
  const token = await accessToken(user);
  // An authenticator app (set up with its first code) and e-mail codes, neither preferred.
  const { body: { SecretCode } } = await h.idp('AssociateSoftwareToken', { AccessToken: token });
  const verified = await h.idp('VerifySoftwareToken', { AccessToken: token, UserCode: totp(SecretCode) });
  assert.equal(verified.body.Status, 'SUCCESS', JSON.stringify(verified.body));
  const set = await h.idp('SetUserMFAPreference', { AccessToken: token,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: false }, EmailMfaSettings: { Enabled: true, PreferredMfa: false } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const { ctx, page } = await signedOut();
  await submitPassword(page, user);
  await page.waitForSelector('body[data-state="step-selectMfaType"]');
  assert.match(await page.textContent('#step-prompt'), /Choose your second step: totp, email/);
  // A factor the user does not have: refused, the choice stays.
  await page.fill('#answer', 'sms');
  await page.click('#confirm');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /ERR_CONFIG/);
  await page.fill('#answer', 'email');
  await page.click('#confirm');
  await page.waitForSelector('body[data-state="step-emailCode"]');
  await page.fill('#answer', await h.outboxCode(user.username, 'EMAIL_OTP'));
  await Promise.all([page.waitForEvent('load'), page.click('#confirm')]);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), user.username);
  await ctx.close();
});
