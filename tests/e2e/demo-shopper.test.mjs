// The ShopSphere demo as a shopper sees it, at a laptop's width (1280 px) and a phone's (390 px): nothing wider than
// the window, the header's items side by side without overlapping, the authenticator set-up as a QR code that reads
// back as the otpauth link, email addresses wrapped at the @ or a dot, and the test hooks marked in app.js.
// Screenshots go to $SHOTS (default tests/artifacts/, not committed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { startDemo, root } from './harness.mjs';

let h;
let site;
before(async () => {
  site = await startDemo();
  ({ h } = site);
});
after(async () => { await site?.stop(); });

const shots = process.env.SHOTS ?? join(root, 'tests', 'artifacts');
const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const signedIn = (page) => page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');

/** The page's width against the window's, and the visible elements that reach past either side. */
const sideways = (page) => page.evaluate(() => {
  const wide = [...document.querySelectorAll('body *')].filter((e) => e.checkVisibility()).filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5);
  }).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''} ${e.getAttribute('class') ?? ''}`);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, wide: wide.slice(0, 8) };
});

async function assertFits(page, what) {
  const r = await sideways(page);
  assert.ok(r.scrollWidth <= r.innerWidth, `${what}: page ${r.scrollWidth} px wide in a ${r.innerWidth} px window (${r.wide})`);
  assert.deepEqual(r.wide, [], `${what}: elements past the window's edge`);
}

/** The header's visible items (brand, department links, the user, each button): boxes, and content that spills. */
const headerItems = (page) => page.evaluate(() => [...document.querySelectorAll(
  '.bar-inner .brand, .bar-inner .nav a, .bar-inner .who, .bar-inner .account > .btn',
)].filter((e) => e.checkVisibility()).map((e) => {
  const r = e.getBoundingClientRect();
  return { name: e.id || e.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
    spills: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1, innerWidth };
}));

async function assertHeader(page, what) {
  const items = await headerItems(page);
  assert.ok(items.length >= 2, `${what}: ${JSON.stringify(items)}`);
  for (const a of items) {
    assert.ok(a.left >= 0 && a.right <= a.innerWidth + 0.5, `${what}: ${a.name} outside the window (${a.left}–${a.right})`);
    assert.ok(!a.spills, `${what}: the text of ${a.name} spills out of it`);
  }
  for (const [i, a] of items.entries()) {
    for (const b of items.slice(i + 1)) {
      const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
      assert.ok(apart, `${what}: ${a.name} and ${b.name} overlap`);
    }
  }
}

/** Where the text of `selector` starts a new line: `{ text, breaks }`, each break the index of a line's first character. */
const lineBreaks = (page, selector) => page.evaluate((sel) => {
  const el = document.querySelector(sel);
  const tops = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    for (let i = 0; i < n.length; i++) {
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + 1);
      tops.push(range.getClientRects()[0].top);
    }
  }
  return { text: el.textContent, breaks: tops.flatMap((t, i) => (i > 0 && t > tops[i - 1] + 2 ? [i] : [])) };
}, selector);

/** Reads the QR code in `selector` as it is shown: an element screenshot, its pixels, jsQR. */
async function readQr(page, selector) {
  await page.locator(selector).evaluate((e) => e.scrollIntoView({ block: 'center' })); // clear of the sticky header
  const png = await page.locator(selector).screenshot();
  const image = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width: img.naturalWidth, height: img.naturalHeight });
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    return { width: canvas.width, height: canvas.height, data: [...g.getImageData(0, 0, canvas.width, canvas.height).data] };
  }, png.toString('base64'));
  return jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)?.data ?? null;
}

/** Signs `user` in through the page's Sign in button and opens the authenticator set-up; returns the otpauth URI. */
async function signInAndSetUpTotp(page, user) {
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, user);
  await signedIn(page);
  await page.waitForFunction(() => document.getElementById('security-card').dataset.mfa === 'off');
  await page.click('#mfa-setup');
  await page.waitForSelector('#mfa-form:not([hidden])');
  return page.getAttribute('#mfa-uri', 'href');
}

test('the TOTP set-up shows a QR code that reads back as the otpauth link, at 1280 and 390 px', async () => {
  const user = await h.newUser('quinn');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const uri = await signInAndSetUpTotp(page, user);
  assert.match(uri, new RegExp(`^otpauth://totp/ShopSphere:${user.username}\\?secret=[A-Z2-7]+`));
  for (const size of VIEWPORTS) {
    await page.setViewportSize(size);
    const box = await page.locator('#mfa-qr svg').boundingBox();
    assert.ok(box && box.width >= 120 && Math.abs(box.width - box.height) < 1, `QR box ${JSON.stringify(box)}`);
    assert.equal(await readQr(page, '#mfa-qr'), uri, `the QR code at ${size.width} px encodes the otpauth URI`);
  }
  await ctx.close();
});

test('at 1280 and 390 px: nothing wider than the window, the header items apart, signed out and in the TOTP set-up', async () => {
  mkdirSync(shots, { recursive: true });
  // A long username (no name attribute: the header shows it) to stretch the header and the profile.
  const user = await h.newUser('maximiliana');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  for (const size of VIEWPORTS) {
    await page.setViewportSize(size);
    await assertFits(page, `signed out at ${size.width}`);
    await assertHeader(page, `signed out at ${size.width}`);
    await page.screenshot({ path: join(shots, `demo-signed-out-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(VIEWPORTS[0]);
  await signInAndSetUpTotp(page, user);
  for (const size of VIEWPORTS) {
    await page.setViewportSize(size);
    await page.evaluate(() => scrollTo(0, 0));
    await assertFits(page, `TOTP set-up at ${size.width}`);
    await assertHeader(page, `signed in at ${size.width}`);
    assert.ok(await page.isVisible('#sign-out'));
    // Neither the key nor the link is wider than the card.
    const card = await page.locator('#security-card').boundingBox();
    for (const sel of ['#mfa-secret', '#mfa-uri']) {
      const b = await page.locator(sel).boundingBox();
      assert.ok(b.x >= card.x && b.x + b.width <= card.x + card.width + 0.5, `${sel} inside the card at ${size.width}`);
    }
    await page.screenshot({ path: join(shots, `demo-totp-${size.width}.png`), fullPage: true });
    await page.locator('#security-card').screenshot({ path: join(shots, `demo-totp-card-${size.width}.png`) });
  }
  await ctx.close();
});

test('a long email address wraps after its @ or before a dot, never inside a word, at 1280 and 390 px', async () => {
  // max.<12 characters>.first.last@shopsphere.test: long, of words that each fit a phone-wide column.
  const user = await h.newUser('erika', { emailLocal: (u) => `max.${u.slice('erika'.length)}.first.last` });
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, user);
  await signedIn(page);
  for (const size of VIEWPORTS) {
    await page.setViewportSize(size);
    const email = await lineBreaks(page, '#profile-email');
    assert.equal(email.text, user.email);
    if (size.width === 390) assert.ok(email.breaks.length > 0, 'a long address wraps in a phone-wide column');
    for (const i of email.breaks) {
      assert.ok(email.text[i - 1] === '@' || email.text[i] === '.',
        `${size.width} px: "${email.text.slice(0, i)}" | "${email.text.slice(i)}" breaks inside a word`);
    }
    await assertFits(page, `signed in at ${size.width}`);
  }
  await ctx.close();
});

test("app.js keeps its test hooks (window.ready, window.auth) in one block marked as not part of the example", () => {
  const source = readFileSync(join(root, 'www', 'app.js'), 'utf8');
  const start = source.indexOf('// ── Test hooks: not part of the example');
  const end = source.indexOf('// ── End of the test hooks');
  assert.ok(start > 0 && end > start, 'the marked block is there');
  const block = source.slice(start, end);
  assert.match(block, /An app of your own needs neither/);
  const outside = (source.slice(0, start) + source.slice(end)).split('\n').filter((l) => /window\.(ready|auth|callback)\b/.test(l));
  assert.deepEqual(outside, [], 'no test hook outside the block');
  assert.match(block, /window\.ready = true/);
  assert.match(block, /window\.auth = /);
  // Each use in the app is one call, labelled as such.
  const calls = source.split('\n').filter((l) => /^\s*testHooks\./.test(l));
  assert.ok(calls.length > 0 && calls.every((l) => l.includes('// test hook')), calls.join('\n'));
});
