// CognitoAuth end to end in headless Chromium against devstack: every scenario of the CognitoAuth issue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, DEMO } from './harness.mjs';

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const evalIn = (page, fn, arg) => page.evaluate(fn, arg);
const settle = (page, expr) => page.evaluate(`window.settle(${expr})`);
const events = (page, name) => page.evaluate((n) => window.events.filter((e) => e.name === n), name);

test('full redirect sign-in through the devstack login page', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx, '/?from=cart#top');
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const result = await h.signIn(page, DEMO, { customState: 'cart=3' });
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.ok.user.username, 'demo');
  assert.equal(result.ok.user.email, 'demo@shopsphere.test');
  assert.deepEqual(result.ok.user.groups, ['customers']);
  assert.equal(result.ok.customState, 'cart=3');
  assert.equal(result.ok.returnTo, '/?from=cart#top');
  // The authorize request used PKCE S256, a state and a nonce.
  const authorize = new URL(requests.find((u) => u.includes('/oauth2/authorize')));
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.match(authorize.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(authorize.searchParams.get('state'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(authorize.searchParams.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
  // No code or state left in the address bar.
  assert.equal(page.url(), `${h.origin}/`);
  const tokens = await evalIn(page, () => window.auth.getTokens());
  assert.equal(tokens.idToken.split('.').length, 3);
  assert.ok(tokens.expiresAt > Date.now() + 3000 * 1000);
  const user = await evalIn(page, () => window.auth.currentUser());
  assert.equal(user.sub, result.ok.user.sub);
  assert.equal((await events(page, 'signedIn')).length, 1);
  // The transaction is single use: no tx.* key left.
  const keys = await evalIn(page, () => Object.keys(localStorage).filter((k) => k.includes('.tx.')));
  assert.deepEqual(keys, []);
  // A reload restores the session from storage (no new sign-in).
  await page.reload();
  await page.waitForFunction(() => window.ready);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
  await ctx.close();
});

test('the callback URL handled twice (StrictMode) and reloaded returns the same user', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  let tokenCalls = 0;
  page.on('request', (r) => { if (r.url().endsWith('/oauth2/token')) tokenCalls++; });
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    evalIn(page, () => window.auth.signInWithRedirect()),
  ]);
  // Stop the page from handling the callback itself, to call it twice at once.
  await page.addInitScript(() => { window.__noAuto = true; });
  await h.submitLogin(page, DEMO);
  const first = await h.callbackResult(page);
  const callbackUrl = await evalIn(page, () => window.callbackUrl);
  assert.ok(first.ok);
  // Same URL again, twice concurrently, in the same page: same user, no new token exchange.
  const again = await evalIn(page, async (url) => Promise.all([
    window.settle(window.auth.handleRedirectCallback(url)),
    window.settle(window.auth.handleRedirectCallback(url)),
  ]), callbackUrl);
  assert.equal(again[0].ok.user.sub, first.ok.user.sub);
  assert.equal(again[1].ok.user.sub, first.ok.user.sub);
  // A reload of the callback URL (new page load): answered from the handled record.
  await page.goto(callbackUrl);
  const reloaded = await h.callbackResult(page);
  assert.equal(reloaded.ok.user.sub, first.ok.user.sub, JSON.stringify(reloaded));
  assert.equal(page.url(), `${h.origin}/`);
  assert.equal(tokenCalls, 1, 'one code exchange in all');
  // After sign-out the same URL gives a typed error, not a broken session.
  await evalIn(page, () => window.auth.signOut({ redirect: false }));
  const afterSignOut = await settle(page, `window.auth.handleRedirectCallback(${JSON.stringify(callbackUrl)})`);
  assert.equal(afterSignOut.err?.code, 'ERR_CALLBACK_HANDLED');
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  await ctx.close();
});

const txKeys = (page) => evalIn(page, () => Object.keys(localStorage).filter((k) => k.includes('.tx.')));
const countTokenCalls = (page) => {
  const calls = { n: 0 };
  page.on('request', (r) => { if (r.url().endsWith('/oauth2/token')) calls.n++; });
  return calls;
};

test('the code exchange survives a 500, and 429 twice, then succeeds', async () => {
  for (const [fault, expectedCalls] of [[{ endpoint: 'token', status: 500, count: 1 }, 2],
    [{ endpoint: 'token', status: 429, count: 2 }, 3]]) {
    const ctx = await h.newContext();
    const page = await h.openApp(ctx);
    const calls = countTokenCalls(page);
    await h.admin('faults', fault);
    const r = await h.signIn(page);
    assert.ok(r.ok, JSON.stringify({ fault, r }));
    assert.equal(r.ok.user.username, 'demo');
    assert.equal(calls.n, expectedCalls, `token requests with ${JSON.stringify(fault)}`);
    assert.equal(page.url(), `${h.origin}/`);
    assert.deepEqual(await txKeys(page), []);
    assert.equal((await events(page, 'signInWithRedirectFailure')).length, 0);
    assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
    await ctx.close();
  }
});

test('the network down for the code exchange, then up again: the retry signs in', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  let seen = 0;
  await page.route('**/oauth2/token', (route) => (seen++ === 0 ? route.abort('internetdisconnected') : route.continue()));
  const r = await h.signIn(page);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(seen, 2, 'one failed request, one retry');
  assert.deepEqual(await txKeys(page), []);
  await ctx.close();
});

test('a lost code-exchange answer is reported as invalid_grant, not as a state mismatch', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  let seen = 0;
  await page.route('**/oauth2/token', async (route) => {
    if (seen++ > 0) return route.continue();
    await route.fetch(); // devstack redeems the code ...
    return route.abort('connectionreset'); // ... and the browser never sees the answer
  });
  const r = await h.signIn(page);
  assert.equal(r.err?.code, 'ERR_OAUTH', JSON.stringify(r));
  assert.equal(r.err.type, 'invalid_grant');
  assert.match(r.err.message, /answer was lost/);
  assert.equal(seen, 2);
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  assert.deepEqual(await txKeys(page), [], 'the spent transaction is gone');
  assert.equal(page.url(), `${h.origin}/`, 'the spent code left the address bar');
  await page.unroute('**/oauth2/token');
  await ctx.clearCookies(); // devstack's login session would answer at once; show its form again
  assert.ok((await h.signIn(page)).ok, 'a new sign-in works');
  await ctx.close();
});

test('a code exchange that keeps failing keeps the transaction: a reload signs in', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const calls = countTokenCalls(page);
  await h.admin('faults', { endpoint: 'token', status: 503, count: 3 });
  const r = await h.signIn(page);
  assert.equal(r.err?.code, 'ERR_NETWORK', JSON.stringify(r));
  assert.equal(calls.n, 3, 'three attempts');
  assert.equal((await txKeys(page)).length, 1, 'the transaction is kept');
  assert.match(page.url(), /[?&]code=/, 'the callback stays in the address bar, to try again');
  assert.equal((await events(page, 'signInWithRedirectFailure'))[0].error.code, 'ERR_NETWORK');
  await page.reload();
  const again = await h.callbackResult(page);
  assert.ok(again.ok, JSON.stringify(again));
  assert.equal(again.ok.user.username, 'demo');
  assert.equal(page.url(), `${h.origin}/`);
  assert.deepEqual(await txKeys(page), []);
  await ctx.close();
});

test('two CognitoAuth instances handling one callback at once: one exchange, the same user', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const calls = countTokenCalls(page);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    evalIn(page, () => window.auth.signInWithRedirect()),
  ]);
  await page.addInitScript(() => { window.__manualCallback = true; });
  await h.submitLogin(page, DEMO);
  await page.waitForFunction(() => window.ready === true);
  const [a, b] = await evalIn(page, () => {
    const url = location.href;
    const other = window.makeAuth();
    return Promise.all([window.settle(window.auth.handleRedirectCallback(url)),
      window.settle(other.handleRedirectCallback(url))]);
  });
  assert.ok(a.ok && b.ok, JSON.stringify({ a, b }));
  assert.equal(a.ok.user.sub, b.ok.user.sub);
  assert.equal(calls.n, 1, 'one code exchange');
  assert.equal(page.url(), `${h.origin}/`);
  await ctx.close();
});

test('two tabs signing in at once both succeed', async () => {
  const ctx = await h.newContext();
  const [a, b] = [await h.openApp(ctx), await h.openApp(ctx)];
  await Promise.all([a, b].map((p) => Promise.all([
    p.waitForURL((u) => u.pathname === '/login'),
    evalIn(p, () => window.auth.signInWithRedirect()),
  ])));
  const probe = await h.openApp(ctx);
  const txCount = await evalIn(probe, () => Object.keys(localStorage).filter((k) => k.includes('.tx.')).length);
  assert.equal(txCount, 2, 'one transaction per tab, keyed by state');
  await h.submitLogin(a, DEMO);
  await h.submitLogin(b, DEMO);
  const [ra, rb] = [await h.callbackResult(a), await h.callbackResult(b)];
  assert.ok(ra.ok, JSON.stringify(ra));
  assert.ok(rb.ok, JSON.stringify(rb));
  assert.equal((await evalIn(a, () => window.auth.currentUser())).username, 'demo');
  assert.equal((await evalIn(b, () => window.auth.currentUser())).username, 'demo');
  await ctx.close();
});

test('two tabs refreshing at once with rotation spend the refresh token once', async () => {
  const ctx = await h.newContext('rotating');
  const a = await h.openApp(ctx);
  assert.ok((await h.signIn(a)).ok);
  const b = await h.openApp(ctx);
  const before = await evalIn(a, () => window.auth.getTokens());
  const refreshes = [];
  for (const p of [a, b]) p.on('request', (r) => { if (r.url().endsWith('/oauth2/token')) refreshes.push(r.url()); });
  const [ra, rb] = await Promise.all([a, b].map((p) => settle(p, 'window.auth.getTokens({ forceRefresh: true })')));
  assert.ok(ra.ok && rb.ok, JSON.stringify({ ra, rb }));
  assert.equal(refreshes.length, 1, 'the lock holder refreshed; the other tab re-read storage');
  assert.equal(ra.ok.accessToken, rb.ok.accessToken);
  assert.notEqual(ra.ok.accessToken, before.accessToken);
  // The rotated refresh token was stored: the next refresh works, long after the grace period of the old one.
  const stored = await evalIn(a, () => JSON.parse(localStorage.getItem('cognito-wasm.shopsphererotating00000001.session')));
  assert.ok(stored.refresh_token);
  await h.admin('clock', { offsetSeconds: 30 });
  const next = await settle(a, 'window.auth.getTokens({ forceRefresh: true })');
  await h.admin('clock', { offsetSeconds: 0 });
  assert.ok(next.ok, JSON.stringify(next));
  // The other tab heard about the refresh without a request of its own.
  const heard = await events(b, 'tokenRefresh');
  assert.ok(heard.some((e) => e.fromOtherTab), JSON.stringify(heard));
  assert.equal((await events(a, 'signedOut')).length, 0);
  await ctx.close();
});

test('sign-out in one tab signs out the other', async () => {
  const ctx = await h.newContext();
  const a = await h.openApp(ctx);
  assert.ok((await h.signIn(a)).ok);
  const b = await h.openApp(ctx);
  assert.equal((await evalIn(b, () => window.auth.currentUser())).username, 'demo');
  const revokes = [];
  a.on('request', (r) => { if (r.url().endsWith('/oauth2/revoke')) revokes.push(r.postData()); });
  await Promise.all([
    a.waitForURL((u) => u.origin === h.origin && u.pathname === '/'),
    evalIn(a, () => window.auth.signOut()),
  ]);
  assert.equal(revokes.length, 1, 'the refresh token was revoked');
  await b.waitForFunction(() => window.events.some((e) => e.name === 'signedOut'));
  const [out] = await events(b, 'signedOut');
  assert.equal(out.fromOtherTab, true);
  assert.equal(await evalIn(b, () => window.auth.getTokens()), null);
  assert.equal(await evalIn(b, () => window.auth.currentUser()), null);
  await ctx.close();
});

test('injected 500 and 429 during refresh keep the session', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const before = await evalIn(page, () => window.auth.getTokens());
  // One failure: the retry succeeds.
  await h.admin('faults', { endpoint: 'token', status: 500, count: 1 });
  const retried = await settle(page, 'window.auth.getTokens({ forceRefresh: true })');
  assert.ok(retried.ok, JSON.stringify(retried));
  const failures = await events(page, 'tokenRefreshFailure');
  assert.equal(failures.length, 1);
  assert.equal(failures[0].error.code, 'ERR_NETWORK');
  assert.equal(failures[0].willRetry, true);
  // Throttled on every attempt: the call reports ERR_NETWORK, the tokens stay.
  await h.admin('faults', { endpoint: 'token', status: 429, count: 3 });
  const throttled = await settle(page, 'window.auth.getTokens({ forceRefresh: true })');
  assert.equal(throttled.err?.code, 'ERR_NETWORK', JSON.stringify(throttled));
  assert.equal((await events(page, 'tokenRefreshFailure')).length, 4);
  const kept = await evalIn(page, () => window.auth.getTokens());
  assert.ok(kept && kept.accessToken !== before.accessToken, 'still signed in with the tokens of the first refresh');
  assert.equal((await events(page, 'signedOut')).length, 0);
  await ctx.close();
});

test('a revoked refresh token ends the session with a reason', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const refresh = await evalIn(page, () => JSON.parse(localStorage.getItem('cognito-wasm.shopspheredemoclient000001.session')).refresh_token);
  const revoked = await fetch(`${h.cognito}/oauth2/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refresh, client_id: h.config.clients.demo }),
  });
  assert.equal(revoked.status, 200);
  const r = await settle(page, 'window.auth.getTokens({ forceRefresh: true })');
  assert.equal(r.err?.code, 'ERR_SESSION_ENDED');
  assert.equal(r.err?.type, 'invalid_grant');
  const [out] = await events(page, 'signedOut');
  assert.equal(out.reason, 'refreshTokenRefused');
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  await ctx.close();
});

test('a tampered ID token is refused and nothing is stored', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await page.route('**/oauth2/token', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const [hd, payload, sig] = body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url'));
    claims['cognito:groups'] = ['admin'];
    body.id_token = `${hd}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    await route.fulfill({ response, json: body });
  });
  const r = await h.signIn(page);
  assert.equal(r.err?.code, 'ERR_JWT_SIGNATURE', JSON.stringify(r));
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  assert.equal((await events(page, 'signInWithRedirectFailure'))[0].error.code, 'ERR_JWT_SIGNATURE');
  assert.equal(page.url(), `${h.origin}/`, 'the code left the address bar anyway');
  await ctx.close();
});

test('a wrong nonce is refused', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await page.route('**/oauth2/authorize?*', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('nonce', 'attacker-chosen-nonce');
    return route.continue({ url: url.href });
  });
  const r = await h.signIn(page);
  assert.equal(r.err?.code, 'ERR_NONCE_MISMATCH', JSON.stringify(r));
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  await ctx.close();
});

test('a wrong state is refused without exchanging the code', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  let tokenCalls = 0;
  page.on('request', (r) => { if (r.url().endsWith('/oauth2/token')) tokenCalls++; });
  // devstack answers the login form with a 302 to the callback: change the state in that Location.
  await page.route((url) => url.pathname === '/login' && url.origin === h.cognito, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch({ maxRedirects: 0 });
    const location = new URL(response.headers().location);
    location.searchParams.set('state', 'forged-state');
    return route.fulfill({ status: 302, headers: { ...response.headers(), location: location.href } });
  });
  const r = await h.signIn(page);
  assert.equal(r.err?.code, 'ERR_STATE_MISMATCH', JSON.stringify(r));
  assert.equal(tokenCalls, 0);
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  await ctx.close();
});

test('an error from the authorize endpoint is reported with its type', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([
    page.waitForURL((u) => u.origin === h.origin && u.searchParams.has('error')),
    evalIn(page, () => window.auth.signInWithRedirect({ scopes: ['openid', 'shop/admin'] })),
  ]);
  const r = await h.callbackResult(page);
  assert.equal(r.err?.code, 'ERR_OAUTH', JSON.stringify(r));
  assert.equal(r.err?.type, 'invalid_scope');
  await ctx.close();
});

test('storage corrupted by hand is discarded with a warning, not a crash', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  await evalIn(page, () => localStorage.setItem('cognito-wasm.shopspheredemoclient000001.session', '{"v":1,"id_token":'));
  await page.reload();
  await page.waitForFunction(() => window.ready);
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  const warnings = await events(page, 'storageWarning');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].reason, 'corrupted');
  assert.equal(await evalIn(page, () => localStorage.getItem('cognito-wasm.shopspheredemoclient000001.session')), null);
  // Signing in again works; devstack's session cookie skips the form.
  await Promise.all([
    page.waitForURL((u) => u.origin === h.origin && u.searchParams.has('code')),
    evalIn(page, () => window.auth.signInWithRedirect()),
  ]);
  assert.ok((await h.callbackResult(page)).ok);
  await ctx.close();
});

test('a local clock 2 hours fast does not break sign-in or expiry', async () => {
  const ctx = await h.newContext();
  await ctx.addInitScript(() => {
    const skew = 2 * 3600 * 1000;
    const RealDate = Date;
    // eslint-disable-next-line no-global-assign
    Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [RealDate.now() + skew])); } static now() { return RealDate.now() + skew; } };
  });
  const page = await h.openApp(ctx);
  const r = await h.signIn(page);
  assert.ok(r.ok, JSON.stringify(r));
  const tokens = await evalIn(page, () => window.auth.getTokens());
  const lifetime = tokens.expiresAt - (await evalIn(page, () => Date.now()));
  assert.ok(lifetime > 3500 * 1000 && lifetime <= 3600 * 1000, `expiry follows expires_in on the local clock: ${lifetime}`);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
  await ctx.close();
});

test('the constructor names the field at fault', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const errs = await evalIn(page, () => [
    { redirectUri: 'not a url' }, { domain: 'http://evil.example' }, { scopes: ['email'] }, { storage: 'cookies' },
    { clientId: '' }, { identityPoolId: 'nope' }, { endpoints: { token: 'ftp://x' } },
  ].map((o) => { try { window.makeAuth(o); return null; } catch (e) { return `${e.name}:${e.code}:${e.message.split(':')[0]}`; } }));
  assert.deepEqual(errs, ['redirectUri', 'domain', 'scopes', 'storage', 'clientId', 'identityPoolId', 'endpoints.token']
    .map((f) => `AuthError:ERR_CONFIG:${f}`));
  // A bare host, as Amplify writes the domain, is its https: origin; with a path it is still refused.
  const bare = await evalIn(page, () => ['shop.auth.us-east-1.amazoncognito.com', 'auth.shop.example/login']
    .map((domain) => { try { window.makeAuth({ domain }); return 'ok'; } catch (e) { return `${e.code}:${e.message.split(':')[0]}`; } }));
  assert.deepEqual(bare, ['ok', 'ERR_CONFIG:domain']);
  await ctx.close();
});

test("signInWithRedirect sends Amplify's 'Apple' as Cognito's SignInWithApple", async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const authorize = page.waitForRequest((r) => r.url().includes('/oauth2/authorize'));
  await evalIn(page, () => { window.auth.signInWithRedirect({ identityProvider: 'Apple' }); });
  const url = new URL((await authorize).url());
  assert.equal(url.searchParams.get('identity_provider'), 'SignInWithApple');
  await ctx.close();
});

test('method options are checked by one rule: a wrong type is ERR_CONFIG naming the field', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const errs = await evalIn(page, async () => {
    const a = window.auth;
    const calls = [
      () => a.getTokens({ forceRefresh: 'x' }), () => a.getCredentials({ forceRefresh: 'x' }),
      () => a.signOut({ redirect: 1 }), () => a.signOut({ global: 'yes' }), () => a.signInWithRedirect({ customState: {} }),
      () => a.signInWithRedirect({ scopes: [1] }), () => a.getTokens(5),
      () => a.presignUrl('https://b.example/k', { region: 'us-east-1' }),
      () => a.presignUrl('https://b.example/k', { service: 's3', region: 'us-east-1', expiresIn: 0 }),
      () => a.signedFetch('https://b.example/k', undefined, { service: 's3' }),
    ];
    const out = [];
    for (const call of calls) {
      const r = await window.settle(call());
      out.push(r.err ? `${r.err.code}:${r.err.message.split(':')[0]}` : 'ok');
    }
    return out;
  });
  assert.deepEqual(errs, ['forceRefresh', 'forceRefresh', 'redirect', 'global', 'customState', 'scopes', 'options',
    'service', 'expiresIn', 'region'].map((f) => `ERR_CONFIG:${f}`));
  // Defaults hold without options, undefined or null alike: signed out, so no tokens and no navigation.
  assert.deepEqual(await evalIn(page, async () => [await window.auth.getTokens(), await window.auth.getTokens(null),
    await window.auth.getTokens({ forceRefresh: undefined })]), [null, null, null]);
  await ctx.close();
});

test('refresh through GetTokensFromRefreshToken (refreshWith: api)', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const targets = [];
  page.on('request', (r) => { const t = r.headers()['x-amz-target']; if (t) targets.push(t); });
  const r = await evalIn(page, () => window.settle(window.makeAuth({ refreshWith: 'api' }).getTokens({ forceRefresh: true })));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(targets, ['AWSCognitoIdentityProviderService.GetTokensFromRefreshToken']);
  await ctx.close();
});

test('global sign-out ends the access token at Cognito too', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const { accessToken } = await evalIn(page, () => window.auth.getTokens());
  const userInfo = () => fetch(`${h.cognito}/oauth2/userInfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal((await userInfo()).status, 200);
  const targets = [];
  page.on('request', (r) => { const t = r.headers()['x-amz-target']; if (t) targets.push(t.split('.').pop()); });
  await evalIn(page, () => window.auth.signOut({ global: true, redirect: false }));
  assert.deepEqual(targets, ['GlobalSignOut']);
  assert.equal((await userInfo()).status, 401);
  assert.equal(await evalIn(page, () => window.auth.getTokens()), null);
  assert.equal(page.url(), `${h.origin}/`, 'redirect: false stays on the page');
  await ctx.close();
});

test('concurrent getTokens calls in one tab share one refresh', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  let tokenCalls = 0;
  page.on('request', (r) => { if (r.url().endsWith('/oauth2/token')) tokenCalls++; });
  const results = await evalIn(page, () => Promise.all(
    Array.from({ length: 5 }, () => window.settle(window.auth.getTokens({ forceRefresh: true }))),
  ));
  assert.ok(results.every((r) => r.ok), JSON.stringify(results));
  assert.equal(new Set(results.map((r) => r.ok.accessToken)).size, 1);
  assert.equal(tokenCalls, 1);
  await ctx.close();
});

for (const storage of ['session', 'memory']) {
  test(`storage '${storage}' keeps the tokens there and nowhere else`, async () => {
    const ctx = await h.newContext();
    await ctx.addInitScript((s) => localStorage.setItem('e2e.storage', s), storage);
    const page = await h.openApp(ctx);
    const r = await h.signIn(page);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(await evalIn(page, () => window.auth.getTokens()));
    const where = await evalIn(page, () => ({
      local: Object.keys(localStorage).filter((k) => k.startsWith('cognito-wasm.') && k.endsWith('.session')).length,
      session: Object.keys(sessionStorage).filter((k) => k.startsWith('cognito-wasm.') && k.endsWith('.session')).length,
    }));
    assert.deepEqual(where, { local: 0, session: storage === 'session' ? 1 : 0 });
    // Another tab of the same browser does not see a per-tab session.
    const other = await h.openApp(ctx);
    assert.equal(await evalIn(other, () => window.auth.getTokens()), null);
    // A reload keeps a 'session' session and loses a 'memory' one.
    await page.reload();
    await page.waitForFunction(() => window.ready);
    const after = await evalIn(page, () => window.auth.getTokens());
    assert.equal(after !== null, storage === 'session');
    await ctx.close();
  });
}

for (const revokeFails of [false, true]) {
  test(`signing out while a refresh is in flight does not bring the session back (revoke ${revokeFails ? 'fails' : 'works'})`, async () => {
    const ctx = await h.newContext();
    const page = await h.openApp(ctx);
    assert.ok((await h.signIn(page)).ok);
    // The next token request waits 1.5 s before devstack handles it (status 0: delayed, not failed). When the
    // revocation fails, that late refresh succeeds: its tokens must not be stored.
    const faults = [{ endpoint: 'token', status: 0, count: 1, latencyMs: 1500 }];
    if (revokeFails) faults.push({ endpoint: 'revoke', status: 500, count: 1 });
    await h.admin('faults', faults);
    const r = await evalIn(page, async () => {
      const refreshing = window.settle(window.auth.getTokens({ forceRefresh: true }));
      await new Promise((res) => setTimeout(res, 300));
      await window.auth.signOut({ redirect: false });
      return { refresh: await refreshing, after: await window.auth.getTokens() };
    });
    assert.equal(r.refresh.err?.code, 'ERR_NOT_SIGNED_IN', JSON.stringify(r));
    assert.equal(r.after, null);
    assert.deepEqual(await evalIn(page, () => Object.keys(localStorage).filter((k) => k.endsWith('.session'))), []);
    const outs = await events(page, 'signedOut');
    assert.deepEqual(outs.map((e) => e.reason), ['signOut']);
    await ctx.close();
  });
}

test('signOut() without a logoutUri still signs out here and in another tab, then says ERR_CONFIG', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const other = await h.openApp(ctx);
  assert.ok(await evalIn(other, () => window.auth.getTokens()));
  const before = page.url();
  const r = await evalIn(page, async () => {
    const noLogout = window.makeAuth({ logoutUri: undefined }); // the redirect is the default
    return { out: await window.settle(noLogout.signOut()), after: await window.auth.getTokens() };
  });
  assert.equal(r.out.err?.code, 'ERR_CONFIG', JSON.stringify(r));
  assert.match(r.out.err.message, /^logoutUri: /);
  assert.equal(r.after, null);
  assert.deepEqual(await evalIn(page, () => Object.keys(localStorage).filter((k) => k.endsWith('.session'))), []);
  assert.equal(page.url(), before, 'no navigation');
  const mine = (await events(page, 'signedOut')).filter((e) => !e.fromOtherTab);
  assert.deepEqual(mine.map((e) => e.reason), ['signOut']);
  assert.equal(await evalIn(other, () => window.auth.getTokens()), null);
  // The other tab is told once its storage agrees with the message (checked every 25 ms, at most 1 s).
  await other.waitForFunction(() => window.events.some((e) => e.name === 'signedOut' && e.fromOtherTab), null, { timeout: 2000 });
  await ctx.close();
});

test('offline with tokens inside the refresh margin, getTokens() answers them with no request; online, it refreshes', async () => {
  await h.admin('lifetimes', { accessTokenSeconds: 200, idTokenSeconds: 200 });
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  try {
    assert.ok((await h.signIn(page)).ok);
  } finally {
    await h.admin('lifetimes', { accessTokenSeconds: null, idTokenSeconds: null });
  }
  const before = await evalIn(page, () => window.auth.getTokens());
  const calls = countTokenCalls(page);
  // 200 s tokens, 150 s later on the page's clock: inside the refresh margin (capped at half the lifetime),
  // still valid.
  await evalIn(page, () => { const real = Date.now; Date.now = () => real() + 150_000; });
  await ctx.setOffline(true);
  const offline = await evalIn(page, async () => ({ onLine: navigator.onLine, tokens: await window.auth.getTokens() }));
  assert.equal(offline.onLine, false);
  assert.equal(offline.tokens.accessToken, before.accessToken);
  assert.equal(calls.n, 0, 'no token request while offline');
  assert.deepEqual(await events(page, 'tokenRefreshFailure'), []);
  await ctx.setOffline(false);
  await page.waitForFunction(() => navigator.onLine);
  const online = await evalIn(page, () => window.auth.getTokens());
  assert.notEqual(online.accessToken, before.accessToken, 'refreshed once online: the offline answer was inside the margin');
  assert.equal(calls.n, 1);
  await ctx.close();
});

test('a rotated refresh token is kept even when verifying the new tokens fails', async () => {
  const ctx = await h.newContext('rotating');
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  // A fresh page load without the stored key set (a first visit, or storage evicted): the refresh must
  // fetch the JWKS, which fails.
  await evalIn(page, () => localStorage.removeItem('cognito-wasm.shopsphererotating00000001.jwks'));
  await page.reload();
  await page.waitForFunction(() => window.ready);
  await h.admin('faults', { endpoint: 'jwks', status: 500, count: 3 });
  const failed = await settle(page, 'window.auth.getTokens({ forceRefresh: true })');
  assert.equal(failed.err?.code, 'ERR_NETWORK', JSON.stringify(failed));
  // Long after the rotation grace period of the spent tokens (10 s), the stored refresh token still works.
  await h.admin('clock', { offsetSeconds: 60 });
  const next = await settle(page, 'window.auth.getTokens({ forceRefresh: true })');
  await h.admin('clock', { offsetSeconds: 0 });
  assert.ok(next.ok, JSON.stringify(next));
  assert.equal((await events(page, 'signedOut')).length, 0);
  await ctx.close();
});

test('a sign-out is immediate even when the revocation hangs', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  await h.admin('faults', { endpoint: 'revoke', status: 0, count: 1, latencyMs: 3000 });
  const r = await evalIn(page, async () => {
    const out = window.auth.signOut({ redirect: false });
    await new Promise((res) => setTimeout(res, 200));
    const during = await window.auth.getTokens();
    await out;
    return { during };
  });
  assert.equal(r.during, null, 'tokens are gone while the revocation is still in flight');
  await ctx.close();
});

test('a returning visit restores the signed-in user without a network request', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const stored = await evalIn(page, () => localStorage.getItem('cognito-wasm.shopspheredemoclient000001.jwks'));
  assert.match(stored, /^1 \d+\n\{"keys":\[/, 'the key set is kept beside the session with its fetch time');
  const requests = [];
  page.on('request', (r) => { if (r.url().startsWith(h.cognito)) requests.push(r.url()); });
  await page.reload();
  await page.waitForFunction(() => window.ready);
  const user = await evalIn(page, () => window.auth.currentUser());
  assert.equal(user.username, 'demo');
  assert.deepEqual(requests, [], 'no request to Cognito on a returning visit');
  // A stored set without the token's key (the pool rotated its keys): the set is fetched again.
  await evalIn(page, () => {
    const key = 'cognito-wasm.shopspheredemoclient000001.jwks';
    const [head] = localStorage.getItem(key).split('\n');
    localStorage.setItem(key, `${head}\n{"keys":[]}`);
  });
  await page.reload();
  await page.waitForFunction(() => window.ready);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
  assert.ok(requests.some((u) => u.endsWith('/.well-known/jwks.json')), JSON.stringify(requests));
  await ctx.close();
});

test('a stored key set older than a day is fetched again, and used if that fails', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const key = 'cognito-wasm.shopspheredemoclient000001.jwks';
  const age = async (seconds) => evalIn(page, ([k, s]) => {
    const [, body] = localStorage.getItem(k).split('\n');
    localStorage.setItem(k, `1 ${Math.floor(Date.now() / 1000) - s}\n${body}`);
  }, [key, seconds]);
  const requests = [];
  page.on('request', (r) => { if (r.url().endsWith('/.well-known/jwks.json')) requests.push(r.url()); });
  // Two days old and the JWKS endpoint failing: the stored keys still verify the session.
  await age(2 * 86400);
  await h.admin('faults', { endpoint: 'jwks', status: 500, count: 1 });
  await page.reload();
  await page.waitForFunction(() => window.ready);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
  assert.equal(requests.length, 1, 'one refresh attempt');
  // Two days old and the endpoint working: fetched again and stored with a new time.
  await age(2 * 86400);
  await page.reload();
  await page.waitForFunction(() => window.ready);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
  assert.equal(requests.length, 2);
  const at = Number((await evalIn(page, (k) => localStorage.getItem(k), key)).split('\n')[0].slice(2));
  assert.ok(Math.abs(at - Date.now() / 1000) < 60, `refetched at ${at}`);
  await ctx.close();
});

test('a corrupted stored key set is dropped and fetched again', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const key = 'cognito-wasm.shopspheredemoclient000001.jwks';
  await evalIn(page, (k) => localStorage.setItem(k, '1 12\n{"keys":[{"kty":'), key);
  await page.reload();
  await page.waitForFunction(() => window.ready);
  assert.equal((await evalIn(page, () => window.auth.currentUser())).username, 'demo');
  assert.match(await evalIn(page, (k) => localStorage.getItem(k), key), /^1 \d+\n\{"keys":\[\{/);
  assert.equal((await events(page, 'signedOut')).length, 0);
  await ctx.close();
});

test('autoRefresh: the visible tab refreshes ahead of expiry without being asked; a hidden one leaves it', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  // The page's clock under the test's hand from the next load on (timers and Date; requests stay real).
  await page.clock.install();
  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  const calls = countTokenCalls(page);
  const before = await evalIn(page, async () => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    window.auto = window.makeAuth({ autoRefresh: true });
    return (await window.auto.getTokens()).accessToken;
  });
  // Hidden: past the refresh margin (1 h tokens, 120 s margin), nothing is refreshed.
  await page.clock.fastForward('59:00');
  await page.waitForTimeout(300);
  assert.equal(calls.n, 0, 'a hidden tab leaves the refresh to a visible one');
  // Visible again: its next look (every 30 s) refreshes, once, and says so.
  await evalIn(page, () => { delete document.visibilityState; });
  await page.clock.fastForward('00:31');
  await page.waitForFunction(() => window.events.some((e) => e.name === 'tokenRefresh'), null, { timeout: 5000 });
  const after = await evalIn(page, () => window.auth.getTokens().then((t) => t.accessToken));
  assert.notEqual(after, before);
  assert.equal(calls.n, 1, 'one refresh');
  await ctx.close();
});
