// ShopSphere's Lambda triggers (devstack/triggers/, wired in devstack/devstack.toml) through the demo: the
// PreTokenGeneration trigger's custom:tier claim on the profile card (gold for editors), a new shopper's
// account record written by the PostConfirmation trigger, and the PreSignUp trigger's refusal on the
// managed-login sign-up page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, DEMO, root } from './harness.mjs';

const { dynamodb } = await import(join(root, 'devstack', 'triggers', 'aws.mjs'));

const EDITOR = { username: 'editor', password: 'Editor!2026pass' };
const TRIGGER_ROLE = 'arn:aws:iam::000000000000:role/ShopSphereTriggers';

let h;
let site;
before(async () => {
  site = await startDemo();
  ({ h } = site);
});
after(async () => { await site?.stop(); });

const fresh = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const signedIn = (page) => page.waitForFunction(() => window.ready === true && document.body.dataset.state === 'signed-in');

async function signInThroughUi(page, user) {
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('#sign-in')]);
  await h.submitLogin(page, user);
  await signedIn(page);
}

/** The credentials devstack gave the triggers' execution role (kept in its data directory's state.json). */
function triggerCredentials() {
  const state = JSON.parse(readFileSync(join(h.data, 'state', 'state.json'), 'utf8'));
  const [accessKeyId, rec] = Object.entries(state.credentials).find(([, c]) => c.role_arn === TRIGGER_ROLE);
  return { accessKeyId, secretAccessKey: rec.secret_key, sessionToken: rec.session_token };
}

test('the profile card shows the tier the PreTokenGeneration trigger puts in the ID token', async () => {
  for (const [user, tier] of [[EDITOR, 'Gold'], [DEMO, 'Standard']]) {
    const ctx = await h.newContext();
    const page = await h.openApp(ctx);
    assert.ok(await page.isHidden('#profile-tier'), 'no tier while signed out');
    await signInThroughUi(page, user);
    assert.equal(await page.textContent('#profile-tier'), tier);
    assert.ok(await page.isVisible('#profile-tier-label'));
    const claim = await page.evaluate(async () => (await window.auth.currentUser()).claims['custom:tier']);
    assert.equal(claim, tier.toLowerCase());
    await ctx.close();
  }
});

test('a new sign-up gets its account record from the PostConfirmation trigger', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const username = `gwen${fresh()}`;
  await Promise.all([page.waitForURL((u) => u.pathname === '/signup'), page.click('#sign-up')]);
  await page.fill('#signUpFormUsername', username);
  await page.fill('#signUpFormEmail', `${username}@shopsphere.test`);
  await page.fill('#signUpFormPassword', 'Gwen!2026pass');
  await Promise.all([page.waitForURL((u) => u.pathname === '/confirm'), page.click('#signUpButton')]);
  await page.fill('#confirmCode', await h.outboxCode(username, 'SignUp'));
  await Promise.all([page.waitForURL((u) => u.origin === h.origin), page.click('#confirmButton')]);
  await signedIn(page);
  assert.equal(await page.textContent('#profile-tier'), 'Standard');
  const sub = await page.evaluate(async () => (await window.auth.currentUser()).sub);
  const { Item } = await dynamodb('GetItem', { TableName: 'shopsphere-accounts', Key: { sub: { S: sub } } },
    { endpoint: h.dynamodb, region: 'us-east-1', credentials: triggerCredentials() });
  assert.equal(Item.username.S, username);
  assert.equal(Item.email.S, `${username}@shopsphere.test`);
  assert.equal(Item.source.S, 'PostConfirmation_ConfirmSignUp');
  assert.ok(!Number.isNaN(Date.parse(Item.createdAt.S)));
  await ctx.close();
});

test('the PreSignUp trigger refuses a throwaway address on the sign-up page, and no user is made', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const username = `temp${fresh()}`;
  await Promise.all([page.waitForURL((u) => u.pathname === '/signup'), page.click('#sign-up')]);
  await page.fill('#signUpFormUsername', username);
  await page.fill('#signUpFormEmail', `${username}@disposable.test`);
  await page.fill('#signUpFormPassword', 'Temp!2026pass');
  await Promise.all([page.waitForLoadState(), page.click('#signUpButton')]);
  await page.waitForSelector('#signUpErrorMessage');
  assert.equal((await page.textContent('#signUpErrorMessage')).trim(),
    'PreSignUp failed with error Sign-ups with disposable.test addresses are not accepted.');
  const resend = await h.idp('ResendConfirmationCode', { ClientId: 'shopspheredemoclient000001', Username: username });
  assert.equal(resend.body.__type, 'UserNotFoundException');
  await ctx.close();
});
