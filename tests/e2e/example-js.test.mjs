// The plain-JS example (examples/vanilla-js/index.html): served as its comment says, the folder as it is with the
// release package where `npm install cognito-wasm` puts it (node_modules/cognito-wasm/, which the page's import
// map names), config.json pointing at this run's devstack; headless Chromium signs in, sees the user, signs out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, root, DEMO } from './harness.mjs';

const dir = join(root, 'examples', 'vanilla-js');
let h;
before(async () => {
  h = await start({
    appDir: dir,
    pkgAt: '/node_modules/cognito-wasm/',
    extraRoutes: { '/config.json': () => JSON.stringify({ ...h.config.auth, clientId: h.config.clients.demo }) },
  });
});
after(async () => { await h?.stop(); });

test('the JS example is one short page that imports the package by its npm name', () => {
  const page = readFileSync(join(dir, 'index.html'), 'utf8');
  assert.ok(page.split('\n').length <= 70, 'about 60 lines');
  assert.match(page, /import init, \{ CognitoAuth \} from 'cognito-wasm';/);
  assert.doesNotMatch(page, /window\.(ready|auth)\b/, 'no test hooks in code users copy');
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(config.clientId, 'shopspheredemoclient000001', 'ships a devstack config');
});

test('the JS example signs in through the managed login, shows the user and signs out', async () => {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  assert.deepEqual(wasm, ['/node_modules/cognito-wasm/cognito_wasm_bg.wasm'], 'the package from node_modules');
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, DEMO);
  await page.waitForSelector('body[data-state="signed-in"]');
  assert.equal(await page.textContent('#user-name'), 'Demo Shopper');
  assert.equal(await page.textContent('#user-email'), 'demo@shopsphere.test');
  assert.equal(page.url(), `${h.origin}/`, 'no code or state left in the address bar');
  assert.ok(await page.isHidden('#error'));
  const session = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith('.session')));
  assert.equal((await session()).length, 1);
  // A reload restores the user from storage.
  await page.reload();
  await page.waitForSelector('body[data-state="signed-in"]');
  // Sign out: revocation, then devstack's /logout redirects back to the page, signed out.
  const visited = [];
  page.on('request', (r) => { if (r.isNavigationRequest()) visited.push(new URL(r.url()).pathname); });
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  assert.ok(visited.includes('/logout'), `went through the managed /logout: ${visited}`);
  assert.deepEqual(await session(), []);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the JS example shows a refused sign-in (cancelled consent) and stays signed out', async () => {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await Promise.all([page.waitForURL((u) => u.pathname === '/_google/authorize'), page.click('#googleSignInButton')]);
  await page.click('#googleAccount-0');
  await Promise.all([page.waitForURL((u) => u.origin === h.origin), page.click('#googleDeny')]);
  await page.waitForSelector('body[data-state="signed-out"]');
  assert.ok(await page.isVisible('#error'));
  assert.equal(page.url(), `${h.origin}/`);
  await ctx.close();
});
