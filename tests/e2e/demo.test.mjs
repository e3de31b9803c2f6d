// The ShopSphere demo (www/) end to end: trunk builds it once, the harness serves that build with a
// config.js pointing at this run's devstack, and headless Chromium uses it as a new user would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemo, demoConfig, avatarPath, makePng, start, root, DEMO, RIVAL } from './harness.mjs';

let h;
let dist;
before(async () => {
  dist = await buildDemo();
  // The demo is served from trunk's build alone: the page and its copy of the release package.
  assert.ok(readFileSync(join(dist.dir, 'pkg', 'cognito_wasm_bg.wasm')).equals(readFileSync(join(root, 'pkg', 'cognito_wasm_bg.wasm'))),
    'trunk serves the release package built by scripts/build-pkg.sh');
  h = await start({ appDir: dist.dir, servePkg: false });
  writeFileSync(join(dist.dir, 'config.js'), demoConfig(h));
});
after(async () => {
  await h?.stop();
  dist?.remove();
});

const PNG = makePng(48, 48);
const shared = {}; // what the first test leaves for the others: demo's identity id and key

/** Clicks "Sign in", fills devstack's login form, waits for the demo to show the signed-in profile. */
async function signInThroughUi(page, user) {
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, user);
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');
  await page.waitForFunction((name) => document.getElementById('profile-username').textContent === name, user.username);
}

/** Waits until the avatar <img> shows a loaded image; returns its src and natural size. */
async function avatarShown(page) {
  await page.waitForFunction(() => {
    const img = document.getElementById('avatar-img');
    return !img.hidden && img.complete && img.naturalWidth > 0;
  });
  return page.evaluate(() => {
    const img = document.getElementById('avatar-img');
    return { src: img.src, width: img.naturalWidth, height: img.naturalHeight };
  });
}

const status = (page) => page.textContent('#avatar-status');

test('a new user signs in, uploads an avatar, sees it from S3 after a reload, and signs out', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // Signed out: a Sign in button, a guest profile, the upload disabled.
  assert.equal(await page.getAttribute('body', 'data-state'), 'signed-out');
  assert.ok(await page.isVisible('#sign-in'));
  assert.ok(await page.isHidden('#sign-out'));
  assert.ok(await page.isDisabled('#avatar-input'));

  // Sign in through the managed login (devstack's page).
  await signInThroughUi(page, DEMO);
  assert.equal(page.url(), `${h.origin}/`, 'code and state are gone from the address bar');
  assert.ok(await page.isVisible('#sign-out'));
  assert.ok(await page.isHidden('#sign-in'));
  assert.equal(await page.textContent('#header-name'), 'Demo Shopper', 'the name attribute, not the username');
  assert.equal(await page.textContent('#profile-email'), 'demo@shopsphere.test');
  assert.ok(await page.isVisible('#profile-verified'));
  assert.equal(await page.textContent('#profile-groups'), 'customers');
  assert.equal(await page.textContent('#profile-name'), 'Demo Shopper');
  assert.match(await page.textContent('#token-expiry'), /ID token valid until .* \(in (59|60) min\)/);
  await page.waitForFunction(() => document.getElementById('avatar-card').dataset.state === 'empty');
  assert.match(await status(page), /No avatar yet/);
  await page.waitForSelector('#events li[data-event="signedIn"]');

  // Upload a PNG: signedFetch PUT to private/<identityId>/avatar.png, then shown through a presigned GET.
  const identityId = await page.evaluate(async () => (await window.auth.getCredentials()).identityId);
  assert.match(identityId, /^us-east-1:[0-9a-f-]{36}$/);
  const key = `private/${identityId}/avatar.png`;
  const puts = [];
  page.on('request', (r) => { if (r.method() === 'PUT') puts.push(r); });
  await page.setInputFiles('#avatar-input', { name: 'me.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForFunction(() => document.getElementById('avatar-card').dataset.state === 'shown');
  assert.match(await status(page), /Avatar saved/);
  const shown = await avatarShown(page);
  assert.deepEqual([shown.width, shown.height], [48, 48]);
  const src = new URL(shown.src);
  assert.equal(src.origin, h.s3, 'the <img> loads straight from S3');
  assert.equal(decodeURIComponent(src.pathname), `/avatars/${key}`);
  assert.ok(src.searchParams.get('X-Amz-Signature'), 'through a presigned URL');
  assert.ok(src.searchParams.get('X-Amz-Security-Token'));
  assert.equal(puts.length, 1);
  assert.equal(decodeURIComponent(new URL(puts[0].url()).pathname), `/avatars/${key}`);
  assert.match(puts[0].headers().authorization, /^AWS4-HMAC-SHA256 Credential=ASIA/);
  assert.equal(puts[0].headers()['content-type'], 'image/png');
  assert.equal(await page.textContent('#avatar-key'), `s3://avatars/${key}`);
  // The shopper sees neither the identity id nor the object key; they sit in a collapsed, marked developer panel.
  const seen = () => page.evaluate(() => document.body.innerText);
  await page.waitForFunction((id) => document.getElementById('creds-identity').textContent === id, identityId);
  for (const secretish of [identityId, identityId.split(':')[1], 'private/', 's3://']) {
    assert.ok(!(await seen()).includes(secretish), `"${secretish}" is not shown to the shopper`);
  }
  assert.match(await page.textContent('#dev-details summary'), /Developer details/);
  await page.click('#dev-details summary');
  assert.ok((await seen()).includes(identityId), 'opened, the developer details show the identity id');
  assert.ok((await seen()).includes(`s3://avatars/${key}`));
  await page.click('#dev-details summary');
  await page.waitForSelector('#events li[data-kind="app"]');

  // The object in devstack's data directory holds exactly the uploaded bytes.
  const stored = avatarPath(h, 'avatars', key);
  assert.ok(existsSync(stored), stored);
  assert.deepEqual(readFileSync(stored), PNG);

  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: join(root, 'tests', 'artifacts', 'demo-signed-in.png'), fullPage: true });

  // A reload shows the stored avatar again (fresh presigned URL).
  await page.reload();
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');
  const again = await avatarShown(page);
  assert.equal(decodeURIComponent(new URL(again.src).pathname), `/avatars/${key}`);
  assert.equal(again.width, 48);

  // Sign out: the managed login's /logout brings the browser back to the signed-out page.
  const logouts = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/logout') logouts.push(r.url()); });
  await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
  assert.equal(logouts.length, 1);
  assert.equal(new URL(logouts[0]).origin, h.cognito);
  assert.equal(page.url(), `${h.origin}/`);
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-out');
  assert.ok(await page.isVisible('#sign-in'));
  assert.ok(await page.isHidden('#sign-out'));
  assert.ok(await page.isHidden('#avatar-img'));
  assert.equal(await page.evaluate(() => window.auth.getTokens()), null);
  assert.deepEqual(errors, []);
  Object.assign(shared, { identityId, key });
  await ctx.close();
});

test('the same user in a fresh browser finds the stored avatar', async () => {
  assert.ok(shared.key, 'needs the first test');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await signInThroughUi(page, DEMO);
  const shown = await avatarShown(page);
  assert.equal(decodeURIComponent(new URL(shown.src).pathname), `/avatars/${shared.key}`);
  await ctx.close();
});

test('readable errors: too big, wrong type, network, expired session', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await signInThroughUi(page, DEMO);
  await avatarShown(page);
  const stored = avatarPath(h, 'avatars', shared.key ?? 'none');
  const before = existsSync(stored) ? readFileSync(stored) : null;
  const puts = [];
  page.on('request', (r) => { if (r.method() === 'PUT') puts.push(r.url()); });

  const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
  await page.setInputFiles('#avatar-input', { name: 'huge.png', mimeType: 'image/png', buffer: big });
  await page.waitForFunction(() => document.getElementById('avatar-status').dataset.kind === 'error');
  assert.match(await status(page), /“huge\.png” is too big \(2\.0 MB\)\. Choose an image of 2\.0 MB or less\./);

  await page.setInputFiles('#avatar-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.waitForFunction(() => /notes\.txt/.test(document.getElementById('avatar-status').textContent));
  assert.match(await status(page), /“notes\.txt” is not a PNG, JPEG, WebP or GIF image \(it is text\/plain\)\./);

  await page.setInputFiles('#avatar-input', { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not a png') });
  await page.waitForFunction(() => /fake\.png/.test(document.getElementById('avatar-status').textContent));
  assert.match(await status(page), /“fake\.png” is not a valid PNG, JPEG, WebP or GIF image\./);
  assert.equal(puts.length, 0, 'nothing was sent for a refused file');

  // The bucket cannot be reached.
  await page.route(`${h.s3}/**`, (route) => route.abort('connectionrefused'));
  await page.setInputFiles('#avatar-input', { name: 'me.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForFunction(() => /Upload failed/.test(document.getElementById('avatar-status').textContent));
  assert.equal(await status(page), 'Upload failed. Could not reach the server. Check your connection and try again.');
  await page.unroute(`${h.s3}/**`);

  // The session has ended (refresh token revoked elsewhere, tokens expired): sign in again.
  const { refreshToken, clientId } = await page.evaluate(() => {
    const k = Object.keys(localStorage).find((x) => x.endsWith('.session'));
    return { refreshToken: JSON.parse(localStorage.getItem(k)).refresh_token, clientId: k.split('.')[1] };
  });
  const revoked = await fetch(`${h.cognito}/oauth2/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, client_id: clientId }),
  });
  assert.equal(revoked.status, 200);
  await h.admin('clock', { offsetSeconds: 7300 });
  try {
    await page.setInputFiles('#avatar-input', { name: 'me.png', mimeType: 'image/png', buffer: PNG });
    // The upload is refused, the app's forced refresh is refused too: signed out, with the reason shown.
    await page.waitForFunction(() => document.body.dataset.state === 'signed-out');
    assert.equal(await page.textContent('#banner-text'), 'Your session has expired. Please sign in again.');
    assert.ok(await page.isVisible('#banner'));
    assert.ok(await page.isVisible('#sign-in'));
    await page.waitForSelector('#events li[data-event="signedOut"]');
    assert.match(await page.textContent('#events li[data-event="signedOut"]'), /reason: refreshTokenRefused/);
  } finally {
    await h.admin('clock', { offsetSeconds: 0 });
  }
  if (before) assert.deepEqual(readFileSync(stored), before, 'the stored avatar is unchanged');
  await ctx.close();
});

test('another user can neither read nor overwrite the avatar (403 AccessDenied from devstack)', async () => {
  assert.ok(shared.key, 'needs the first test');
  const stored = avatarPath(h, 'avatars', shared.key);
  const before = readFileSync(stored);
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await signInThroughUi(page, RIVAL);
  assert.equal(await page.textContent('#profile-groups'), 'none');
  await page.waitForFunction(() => document.getElementById('avatar-card').dataset.state === 'empty');
  const r = await page.evaluate(async ({ url }) => {
    const opts = { service: 's3', region: 'us-east-1' };
    const { identityId } = await window.auth.getCredentials();
    const get = await window.auth.signedFetch(url, { method: 'GET' }, opts);
    const put = await window.auth.signedFetch(url, {
      method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    }, opts);
    const presigned = await fetch(await window.auth.presignUrl(url, { ...opts, expiresIn: 60 }));
    return {
      identityId,
      get: [get.status, await get.text()],
      put: [put.status, await put.text()],
      presigned: [presigned.status, await presigned.text()],
    };
  }, { url: `${h.s3}/avatars/${shared.key}` });
  assert.match(r.identityId, /^us-east-1:/);
  assert.notEqual(r.identityId, shared.identityId);
  for (const [name, [code, body]] of Object.entries({ get: r.get, put: r.put, presigned: r.presigned })) {
    assert.equal(code, 403, `${name}: ${body}`);
    assert.match(body, /<Code>AccessDenied<\/Code>/, name);
  }
  assert.deepEqual(readFileSync(stored), before, "demo's avatar is unchanged");
  await ctx.close();
});

test("an editor's Moderation card lists every avatar with the editors' role; a customer can ask for neither", async () => {
  assert.ok(shared.key, 'needs the first test');
  const EDITOR = { username: 'editor', password: 'Editor!2026pass' };
  const ROLE = 'arn:aws:iam::000000000000:role/ShopSphereEditors';
  // A customer: no Moderation card, the editors' role refused by the identity pool, still signed in.
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await signInThroughUi(page, RIVAL);
  assert.ok(await page.isHidden('#moderation-card'));
  const asked = await page.evaluate(async (role) => {
    const user = await window.auth.currentUser();
    try {
      await window.auth.getCredentials({ customRoleArn: role });
      return { user, refused: null };
    } catch (e) {
      return { user, refused: [e.name, e.code, e.type], still: !!(await window.auth.currentUser()) };
    }
  }, ROLE);
  assert.deepEqual(asked.user.roles, []);
  assert.deepEqual(asked.refused, ['AuthError', 'ERR_AWS', 'InvalidParameterException']);
  assert.equal(asked.still, true, 'a refused role does not sign the customer out');
  await ctx.close();
  // The editor: its token names the role, the card lists demo's avatar among all of them.
  const ectx = await h.newContext();
  const epage = await h.openApp(ectx);
  await signInThroughUi(epage, EDITOR);
  const user = await epage.evaluate(() => window.auth.currentUser());
  assert.deepEqual([user.groups, user.roles, user.preferredRole], [['editors'], [ROLE], ROLE]);
  assert.ok(await epage.isVisible('#moderation-card'));
  await epage.click('#moderation-load');
  await epage.waitForFunction(() => document.getElementById('moderation-status').dataset.kind !== 'busy');
  assert.equal(await epage.getAttribute('#moderation-status', 'data-kind'), 'ok', await epage.textContent('#moderation-status'));
  const listed = await epage.$$eval('#moderation-list li span', (s) => s.map((e) => e.textContent));
  assert.ok(listed.includes(shared.key), `${shared.key} in ${listed}`);
  await epage.waitForFunction(() => [...document.querySelectorAll('#moderation-list img')].every((i) => i.complete && i.naturalWidth > 0));
  await ectx.close();
});
