// The ShopSphere demo's "Your preferences" card end to end: the display name in the user's attributes, the
// rest in DynamoDB (signed with identity-pool credentials), shown again after a reload and in a fresh browser;
// an email change confirmed with the code from the outbox; another user can neither read nor overwrite the item.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, DEMO, RIVAL } from './harness.mjs';

let h;
let site;
before(async () => {
  site = await startDemo();
  ({ h } = site);
});
after(async () => { await site?.stop(); });

const shared = {};

async function signInThroughUi(page, user) {
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, user);
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');
}
const prefsLoaded = (page) => page.waitForFunction(() => ['loaded', 'saved'].includes(document.getElementById('prefs-card').dataset.state));
const form = (page) => page.evaluate(() => ({
  name: document.getElementById('pref-name').value,
  department: document.getElementById('pref-department').value,
  sizes: document.getElementById('pref-sizes').value,
  newsletter: document.getElementById('pref-newsletter').checked,
}));

/** DynamoDB GetItem / PutItem from the page with its own credentials, on `identityId`'s key. */
const dynamoFrom = (page, operation, identityId, item) => page.evaluate(async ({ operation, identityId, item, url }) => {
  const body = operation === 'GetItem'
    ? { TableName: 'shopsphere-profiles', Key: { identityId: { S: identityId } } }
    : { TableName: 'shopsphere-profiles', Item: { identityId: { S: identityId }, ...item } };
  const r = await window.auth.signedFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
    body: JSON.stringify(body),
  }, { service: 'dynamodb', region: 'us-east-1' });
  return { status: r.status, body: await r.json() };
}, { operation, identityId, item, url: `${h.dynamodb}/` });

test('preferences are saved and shown again after a reload and in a fresh browser', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signInThroughUi(page, DEMO);
  await prefsLoaded(page);
  assert.match(await page.textContent('#prefs-status'), /Nothing saved yet/);
  assert.equal((await form(page)).name, 'Demo Shopper');
  await page.fill('#pref-name', 'Demo S. Shopper');
  await page.selectOption('#pref-department', 'Outdoor');
  await page.fill('#pref-sizes', 'M, 42');
  await page.check('#pref-newsletter');
  await page.click('#prefs-save');
  await page.waitForFunction(() => document.getElementById('prefs-card').dataset.state === 'saved');
  assert.equal(await page.textContent('#prefs-status'), 'Preferences saved.');
  // The message belongs to the preferences form: inside it, above the email form.
  assert.equal(await page.$eval('#prefs-status', (e) => e.closest('form')?.id), 'prefs-form');
  const saved = await page.locator('#prefs-status').boundingBox();
  const emailForm = await page.locator('#email-form').boundingBox();
  assert.ok(saved.y + saved.height <= emailForm.y, 'the message is above the email form');
  assert.ok(await page.isHidden('#email-status'));
  await page.waitForFunction(() => document.getElementById('profile-name').textContent === 'Demo S. Shopper');
  const expected = { name: 'Demo S. Shopper', department: 'Outdoor', sizes: 'M, 42', newsletter: true };

  await page.reload();
  await page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');
  await prefsLoaded(page);
  assert.deepEqual(await form(page), expected);
  assert.match(await page.textContent('#prefs-status'), /your saved preferences/);
  const identityId = await page.evaluate(async () => (await window.auth.getCredentials()).identityId);
  assert.equal(await page.textContent('#prefs-where'), `shopsphere-profiles · identityId ${identityId}`);
  // The item as stored: typed attribute values under the user's own identity id.
  const stored = await dynamoFrom(page, 'GetItem', identityId);
  assert.equal(stored.status, 200);
  assert.deepEqual(stored.body.Item, {
    identityId: { S: identityId }, newsletter: { BOOL: true }, department: { S: 'Outdoor' }, sizes: { S: 'M, 42' },
  });
  assert.deepEqual(errors, []);
  await ctx.close();

  const ctx2 = await h.newContext();
  const fresh = await h.openApp(ctx2);
  await signInThroughUi(fresh, DEMO);
  await prefsLoaded(fresh);
  assert.deepEqual(await form(fresh), expected);
  await ctx2.close();
  Object.assign(shared, { identityId, item: stored.body.Item });
});

test('an email change asks for the code from the outbox, then the new email is verified', async () => {
  const user = await h.newUser('kim');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await signInThroughUi(page, user);
  await prefsLoaded(page);
  const newEmail = `${user.username}.new@shopsphere.test`;
  await page.fill('#pref-email', newEmail);
  await page.click('#email-change');
  await page.waitForSelector('#email-code-form:not([hidden])');
  assert.match(await page.textContent('#email-status'), /We sent a code to .*\*\*\*/);
  // The email forms' messages are theirs: under them, not in the preferences form.
  assert.doesNotMatch(await page.textContent('#prefs-status'), /code/);
  const codeForm = await page.locator('#email-code-form').boundingBox();
  const emailMsg = await page.locator('#email-status').boundingBox();
  assert.ok(emailMsg.y >= codeForm.y + codeForm.height, 'the message is under the email forms');
  await page.waitForFunction((e) => document.getElementById('profile-email').textContent === e, newEmail);
  assert.ok(await page.isHidden('#profile-verified'), 'not verified yet');
  await page.fill('#email-code', '000000');
  await page.click('#email-confirm');
  await page.waitForFunction(() => document.getElementById('email-status').dataset.kind === 'error');
  assert.equal(await page.textContent('#email-status'), 'That code is not right. Check it and try again.');
  await page.fill('#email-code', await h.outboxCode(user.username, 'VerifyUserAttribute'));
  await page.click('#email-confirm');
  await page.waitForFunction(() => document.getElementById('email-status').dataset.kind === 'ok');
  assert.equal(await page.textContent('#email-status'), 'Your new email is confirmed.');
  await page.waitForSelector('#profile-verified:not([hidden])');
  await ctx.close();
});

test('another user can neither read nor overwrite demo\'s preferences (AccessDeniedException)', async () => {
  assert.ok(shared.identityId, 'needs the first test');
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  await signInThroughUi(page, RIVAL);
  await prefsLoaded(page);
  assert.match(await page.textContent('#prefs-status'), /Nothing saved yet/, 'rival has an item of their own to make');
  const read = await dynamoFrom(page, 'GetItem', shared.identityId);
  assert.equal(read.status, 400);
  assert.match(read.body.__type, /AccessDeniedException$/);
  const write = await dynamoFrom(page, 'PutItem', shared.identityId, { department: { S: 'Gifts' } });
  assert.equal(write.status, 400);
  assert.match(write.body.__type, /AccessDeniedException$/);
  await ctx.close();
  // Nothing of demo's changed.
  const ctx2 = await h.newContext();
  const demo = await h.openApp(ctx2);
  await signInThroughUi(demo, DEMO);
  const after = await dynamoFrom(demo, 'GetItem', shared.identityId);
  assert.deepEqual(after.body.Item, shared.item);
  await ctx2.close();
});
