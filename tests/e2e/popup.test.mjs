// signInWithPopup end to end in headless Chromium against devstack: the managed login in a popup, the callback
// completed by the opener, and the popup's three ways of failing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, DEMO } from './harness.mjs';

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

/** A "Sign in" button on the app page whose click calls signInWithPopup(options); its result lands in window.popupResult. */
const addButton = (page, options = {}) => page.evaluate((o) => {
  const b = document.createElement('button');
  b.id = 'popup-sign-in';
  b.textContent = 'Sign in';
  b.onclick = () => { window.popupResult = window.settle(window.auth.signInWithPopup(o)); };
  document.body.append(b);
}, options);
const result = (page) => page.evaluate(() => window.popupResult);

test('signInWithPopup: the login in a popup signs the opener in with one code exchange and closes the popup', async () => {
  const ctx = await h.newContext();
  const exchanges = { n: 0 };
  ctx.on('request', (r) => { if (r.url().endsWith('/oauth2/token')) exchanges.n++; });
  const page = await h.openApp(ctx);
  await addButton(page, { customState: 'cart=3' });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#popup-sign-in')]);
  await popup.waitForURL((u) => u.pathname === '/login');
  await popup.fill('#signInFormUsername', DEMO.username);
  await popup.fill('#signInFormPassword', DEMO.password);
  await Promise.all([popup.waitForEvent('close'), popup.click('#signInSubmitButton')]);
  const r = await result(page);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.ok.user.username, DEMO.username);
  assert.equal(r.ok.customState, 'cart=3');
  assert.equal(r.ok.returnTo, '/');
  assert.equal(exchanges.n, 1, 'the code is exchanged once, by the opener or by the app in the popup');
  assert.equal((await page.evaluate(() => window.auth.currentUser())).username, DEMO.username);
  assert.equal(page.url(), `${h.origin}/`, 'the opener did not navigate');
  assert.equal((await page.evaluate(() => window.events.filter((e) => e.name === 'signedIn'))).length >= 1, true);
  await ctx.close();
});

test('signInWithPopup: a popup the user closes is ERR_POPUP_CLOSED and nothing is signed in', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await addButton(page);
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#popup-sign-in')]);
  await popup.waitForURL((u) => u.pathname === '/login');
  await popup.close();
  await page.waitForFunction(() => window.popupResult !== undefined);
  const r = await result(page);
  assert.equal(r.err?.code, 'ERR_POPUP_CLOSED', JSON.stringify(r));
  assert.equal(r.err.isAuthError, true);
  assert.equal(await page.evaluate(() => window.auth.currentUser()), null);
  await ctx.close();
});

test('signInWithPopup: a blocked popup is ERR_POPUP_BLOCKED; one left waiting is closed with ERR_POPUP_TIMEOUT', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  // A popup blocker: window.open answers null.
  await page.evaluate(() => { window.realOpen = window.open; window.open = () => null; });
  await addButton(page);
  await page.click('#popup-sign-in');
  const blocked = await result(page);
  assert.equal(blocked.err?.code, 'ERR_POPUP_BLOCKED', JSON.stringify(blocked));
  assert.match(blocked.err.message, /from a click/);

  await page.evaluate(() => { window.open = window.realOpen; document.getElementById('popup-sign-in').remove(); });
  await addButton(page, { timeoutSeconds: 2 });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#popup-sign-in')]);
  await popup.waitForEvent('close', { timeout: 10_000 });
  const timedOut = await result(page);
  assert.equal(timedOut.err?.code, 'ERR_POPUP_TIMEOUT', JSON.stringify(timedOut));
  assert.equal(timedOut.err.retryable, false);
  await ctx.close();
});
