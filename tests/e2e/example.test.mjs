// The Rust example (examples/rust-app): trunk builds it as its README says, the harness serves that build with a
// config.json pointing at this run's devstack, and headless Chromium signs in, sees the user and signs out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemo, start, root, DEMO } from './harness.mjs';

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

test('the Rust example signs in through the managed login, shows the user and signs out', async () => {
  assert.ok(existsSync(join(root, 'examples', 'rust-app', 'config.json')), 'the example ships a devstack config');
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
  await page.goto(`${h.origin}/`);
  await page.waitForSelector('body[data-state="signed-out"]');
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
