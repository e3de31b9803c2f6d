// The signed-in user's own account (issue "ShopSphere's whole story") end to end against devstack: attributes,
// verification codes from the outbox, password change, deletion, and credentialProvider() for the AWS SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, DEMO } from './harness.mjs';

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const evalIn = (page, fn, arg) => page.evaluate(fn, arg);
const settle = (page, expr) => page.evaluate(`window.settle(${expr})`);
const events = (page, name) => page.evaluate((n) => window.events.filter((e) => e.name === n), name);

test('attributes: read, change the name (the ID token follows, other tabs hear), change and confirm the email', async () => {
  const user = await h.newUser('hana');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, user)).ok);
  const other = await h.openApp(ctx);
  const attributes = await evalIn(page, () => window.auth.fetchUserAttributes());
  assert.equal(attributes.email, user.email);
  assert.equal(attributes.email_verified, 'true');
  assert.match(attributes.sub, /^[0-9a-f-]{36}$/);

  const noCode = await evalIn(page, () => window.auth.updateUserAttributes({ name: 'Hana Buyer' }));
  assert.deepEqual(noCode, []);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).claims.name, 'Hana Buyer', 'the ID token was refreshed');
  await other.waitForFunction(() => window.events.some((e) => e.name === 'tokenRefresh' && e.fromOtherTab));
  assert.equal((await evalIn(other, () => window.auth.currentUser())).claims.name, 'Hana Buyer', 'the other tab sees it');

  // One naming of attributes everywhere: Cognito's (`custom:tier`), in currentUser() as in fetchUserAttributes().
  await evalIn(page, () => window.auth.updateUserAttributes({ 'custom:tier': 'gold' }));
  assert.deepEqual((await evalIn(page, () => window.auth.currentUser())).attributes, { 'custom:tier': 'gold' });
  assert.equal((await evalIn(page, () => window.auth.fetchUserAttributes()))['custom:tier'], 'gold');

  const bad = await settle(page, 'window.auth.updateUserAttributes({ name: 5 })');
  assert.equal(bad.err?.code, 'ERR_CONFIG');
  assert.equal(bad.err.message, 'attributes.name: must be a string');

  const newEmail = `${user.username}.new@shopsphere.test`;
  const waiting = await evalIn(page, (email) => window.auth.updateUserAttributes({ email }), newEmail);
  assert.equal(waiting.length, 1);
  assert.equal(waiting[0].attributeName, 'email');
  assert.equal(waiting[0].deliveryMedium, 'EMAIL');
  assert.ok(waiting[0].destination.includes('***'), waiting[0].destination);
  let current = await evalIn(page, () => window.auth.currentUser());
  assert.equal(current.email, newEmail);
  assert.equal(current.emailVerified, false, 'unverified until the code is entered');

  const wrong = await settle(page, "window.auth.confirmUserAttribute('email', '000000')");
  assert.equal(wrong.err?.code, 'ERR_AWS', JSON.stringify(wrong));
  assert.equal(wrong.err.type, 'CodeMismatchException');
  const again = await evalIn(page, () => window.auth.sendUserAttributeVerificationCode('email'));
  assert.equal(again.attributeName, 'email');
  const code = await h.outboxCode(user.username, 'VerifyUserAttribute');
  const ok = await settle(page, `window.auth.confirmUserAttribute('email', ${JSON.stringify(code)})`);
  assert.ok(!ok.err, JSON.stringify(ok));
  current = await evalIn(page, () => window.auth.currentUser());
  assert.equal(current.emailVerified, true);
  assert.equal((await evalIn(page, () => window.auth.fetchUserAttributes())).email_verified, 'true');
  await ctx.close();
});

test('password: a wrong old one and a weak new one are refused; the new one signs in', async () => {
  const user = await h.newUser('ivan');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, user)).ok);
  const wrongOld = await settle(page, "window.auth.changePassword('Not!theOld1', 'Ivan!2027pass')");
  assert.equal(wrongOld.err?.type, 'NotAuthorizedException', JSON.stringify(wrongOld));
  // What an app branches on: the class, the HTTP status, AWS's request id, not retryable, no cause.
  assert.equal(wrongOld.err.isAuthError, true);
  assert.equal(wrongOld.err.code, 'ERR_AWS');
  assert.equal(wrongOld.err.status, 400);
  assert.match(wrongOld.err.requestId, /^[0-9a-f-]{36}$/, 'x-amzn-requestid');
  assert.equal(wrongOld.err.retryable, false);
  assert.equal(wrongOld.err.cause, undefined);
  const weak = await settle(page, `window.auth.changePassword(${JSON.stringify(user.password)}, 'weak')`);
  assert.equal(weak.err?.type, 'InvalidPasswordException');
  assert.match(weak.err.message, /Password did not conform with policy/);
  const ok = await settle(page, `window.auth.changePassword(${JSON.stringify(user.password)}, 'Ivan!2027pass')`);
  assert.ok(!ok.err, JSON.stringify(ok));
  const signIn = (password) => h.idp('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: h.config.clients.demo,
    AuthParameters: { USERNAME: user.username, PASSWORD: password } });
  assert.equal((await signIn(user.password)).status, 400, 'the old password is refused');
  assert.equal((await signIn('Ivan!2027pass')).status, 200);
  await ctx.close();
});

test('deleteUser: the account is gone and every tab is signed out', async () => {
  const user = await h.newUser('jade');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, user)).ok);
  const other = await h.openApp(ctx);
  assert.ok(!(await settle(page, 'window.auth.deleteUser()')).err);
  const [out] = await events(page, 'signedOut');
  assert.equal(out.reason, 'userDeleted');
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  await other.waitForFunction(() => window.events.some((e) => e.name === 'signedOut' && e.fromOtherTab));
  assert.equal(await evalIn(other, () => window.auth.getTokens()), null);
  const signIn = await h.idp('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: h.config.clients.demo,
    AuthParameters: { USERNAME: user.username, PASSWORD: user.password } });
  assert.equal(signIn.status, 400);
  const signedOut = await settle(page, 'window.auth.fetchUserAttributes()');
  assert.equal(signedOut.err?.code, 'ERR_NOT_SIGNED_IN');
  await ctx.close();
});

test('a request with no response is ERR_NETWORK, retryable, with the runtime\'s error as its cause', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, DEMO)).ok);
  await page.route(h.config.auth.endpoints.cognitoIdp, (route) => route.abort('internetdisconnected'));
  const r = await settle(page, 'window.auth.fetchUserAttributes()');
  assert.equal(r.err?.code, 'ERR_NETWORK', JSON.stringify(r));
  assert.equal(r.err.isAuthError, true);
  assert.equal(r.err.retryable, true);
  assert.equal(r.err.status, undefined);
  assert.match(r.err.cause, /TypeError: Failed to fetch/);
  assert.notEqual(await evalIn(page, () => window.auth.currentUser()), null, 'still signed in');
  await ctx.close();
});

test('credentialProvider() resolves what the AWS SDK takes, through the cached credentials', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page, DEMO)).ok);
  const r = await evalIn(page, async () => {
    const provide = window.auth.credentialProvider();
    const a = await provide();
    const b = await provide();
    const c = await window.auth.getCredentials();
    return {
      type: typeof provide,
      isDate: a.expiration instanceof Date,
      expiration: a.expiration.getTime(),
      keys: Object.keys(a).sort(),
      same: a.accessKeyId === b.accessKeyId && a.accessKeyId === c.accessKeyId && a.sessionToken === c.sessionToken,
      cIsDate: c.expiration instanceof Date,
      cExpiration: c.expiration.getTime(),
      cKeys: Object.keys(c).sort(),
    };
  });
  assert.equal(r.type, 'function');
  assert.equal(r.isDate, true);
  assert.equal(r.cIsDate, true, 'getCredentials() gives the same Date');
  assert.equal(r.expiration, r.cExpiration);
  assert.deepEqual(r.cKeys, r.keys);
  assert.deepEqual(r.keys, ['accessKeyId', 'expiration', 'identityId', 'secretAccessKey', 'sessionToken']);
  assert.equal(r.same, true, 'one cached set of credentials');
  await ctx.close();
});

test('the debug log (on("log")) tells the flow and never holds a token, code, key, secret or password', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const signIn = await h.signIn(page, DEMO);
  assert.ok(signIn.ok);
  const code = new URL(await page.evaluate(() => window.callbackUrl)).searchParams.get('code');
  const secrets = await evalIn(page, async () => {
    await window.auth.getTokens({ forceRefresh: true });
    const c = await window.auth.getCredentials();
    await window.settle(window.auth.changePassword('Not!theOld1', 'Ivan!2027pass'));
    const t = await window.auth.getTokens();
    const session = JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith('.session'))));
    return [t.idToken, t.accessToken, session.refresh_token, c.secretAccessKey, c.sessionToken, c.accessKeyId];
  });
  await evalIn(page, () => window.auth.signOut({ redirect: false }));
  const lines = await evalIn(page, () => window.events.filter((e) => e.name === 'log').map((e) => `${e.level} ${e.message}`));
  const has = (re) => lines.some((l) => re.test(l));
  assert.ok(has(/^debug POST http:\/\/[^/]+\/oauth2\/token → 200$/), lines.join('\n'));
  assert.ok(has(/^debug POST http:\/\/[^/]+\/ GetCredentialsForIdentity → 200$/), lines.join('\n'));
  assert.ok(has(/^debug POST .* ChangePassword → 400$/) && has(/^info tokenRefresh$/) && has(/^info signedOut \(signOut\)$/));
  for (const secret of [...secrets, code, DEMO.password]) {
    assert.ok(secret && secret.length >= 6, 'a secret to look for');
    const holder = lines.find((l) => l.includes(secret));
    assert.equal(holder, undefined, `a log line holds a secret: ${holder}`);
  }
  await ctx.close();
});
