// The ShopSphere demo as a shopper sees it, at a laptop's width (1280 px) and a phone's (390 px): the authenticator
// set-up as a QR code that reads back as the otpauth link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';
import { startDemo } from './harness.mjs';

let h;
let site;
before(async () => {
  site = await startDemo();
  ({ h } = site);
});
after(async () => { await site?.stop(); });

const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const signedIn = (page) => page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');

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
