// Identity-pool credentials, SigV4 (signedFetch, presignUrl, signRequest) end to end against devstack,
// whose S3 verifies signatures independently (s3s) and allows an identity only private/<identityId>/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoIdentityClient, GetIdCommand, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { start, DEMO, CLIENTS, POOL } from './harness.mjs';

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const evalIn = (page, fn, arg) => page.evaluate(fn, arg);
const targets = (page) => {
  const seen = [];
  page.on('request', (r) => { const t = r.headers()['x-amz-target']; if (t) seen.push(t.split('.').pop()); });
  return seen;
};

test('guest credentials, then a clean switch to the user identity on sign-in; the identity id is reused', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const calls = targets(page);
  const guest = await evalIn(page, () => window.auth.getCredentials());
  assert.match(guest.identityId, /^us-east-1:/);
  assert.match(guest.accessKeyId, /^ASIA/);
  assert.ok(guest.expiration > Date.now() + 3000 * 1000);
  assert.deepEqual(calls, ['GetId', 'GetCredentialsForIdentity']);
  // Cached: no call at all.
  assert.equal((await evalIn(page, () => window.auth.getCredentials())).accessKeyId, guest.accessKeyId);
  assert.equal(calls.length, 2);
  assert.ok((await h.signIn(page)).ok);
  const calls2 = targets(page);
  const user = await evalIn(page, () => window.auth.getCredentials());
  assert.notEqual(user.identityId, guest.identityId, 'the user has an identity of its own');
  assert.deepEqual(calls2, ['GetId', 'GetCredentialsForIdentity']);
  // A later page load reuses the stored identity id and credentials: no GetId.
  const again = await h.openApp(ctx);
  const calls3 = targets(again);
  assert.equal((await evalIn(again, () => window.auth.getCredentials({ forceRefresh: true }))).identityId, user.identityId);
  assert.deepEqual(calls3, ['GetCredentialsForIdentity'], 'GetId is not called again');
  assert.ok((await evalIn(again, () => window.events.filter((e) => e.name === 'credentialsRefresh'))).length >= 1);
  await ctx.close();
});

test('signedFetch PUT and GET in the own prefix; presigned GET; another prefix is refused', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const r = await evalIn(page, async ({ s3 }) => {
    const { identityId } = await window.auth.getCredentials();
    const key = `private/${identityId}/notes/hello world.txt`;
    const url = `${s3}/avatars/${key}`;
    const opts = { service: 's3', region: 'us-east-1' };
    const put = await window.auth.signedFetch(url, { method: 'PUT', body: 'hi from the browser', headers: { 'content-type': 'text/plain' } }, opts);
    const get = await window.auth.signedFetch(url, { method: 'GET' }, opts);
    const presigned = await window.auth.presignUrl(url, { ...opts, expiresIn: 60 });
    const viaPresigned = await fetch(presigned);
    const blobPut = await window.auth.signedFetch(`${s3}/avatars/private/${identityId}/b.bin`,
      { method: 'PUT', body: new Blob([new Uint8Array([0, 1, 2, 255])]) }, opts);
    const other = await window.auth.signedFetch(`${s3}/avatars/private/us-east-1:00000000-0000-0000-0000-000000000000/x.txt`,
      { method: 'PUT', body: 'intrusion' }, opts);
    return { put: put.status, get: get.status, body: await get.text(), presignedStatus: viaPresigned.status,
      presignedBody: await viaPresigned.text(), presigned, blobPut: blobPut.status, other: other.status, otherBody: await other.text() };
  }, { s3: h.s3 });
  assert.equal(r.put, 200);
  assert.equal(r.get, 200);
  assert.equal(r.body, 'hi from the browser');
  assert.equal(r.presignedStatus, 200);
  assert.equal(r.presignedBody, 'hi from the browser');
  assert.match(r.presigned, /X-Amz-Security-Token=/);
  assert.equal(r.blobPut, 200);
  assert.equal(r.other, 403);
  assert.match(r.otherBody, /AccessDenied/);
  await ctx.close();
});

test('signedFetch sends what it signed: repeated header names, a lowercase method', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const r = await evalIn(page, async ({ s3 }) => {
    const { identityId } = await window.auth.getCredentials();
    const url = `${s3}/avatars/private/${identityId}/meta.txt`;
    const opts = { service: 's3', region: 'us-east-1' };
    const put = await window.auth.signedFetch(url, { method: 'put', body: 'meta',
      headers: [['x-amz-user-agent', 'shop/1'], ['X-Amz-User-Agent', 'cart/2'], ['content-type', 'text/plain']] }, opts);
    const get = await window.auth.signedFetch(url, { method: 'get' }, opts);
    return { put: put.status, putBody: await put.text(), get: get.status, body: await get.text() };
  }, { s3: h.s3 });
  // devstack's S3 recomputes the signature from what arrived (one x-amz-user-agent: "shop/1, cart/2").
  assert.equal(r.put, 200, r.putBody);
  assert.equal(r.get, 200);
  assert.equal(r.body, 'meta');
  await ctx.close();
});

test('signedFetch to DynamoDB sends what it signed: lowercase method, repeated header names; a wrong secret is refused', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  assert.ok((await h.signIn(page)).ok);
  const r = await evalIn(page, async ({ dynamodb }) => {
    const creds = await window.auth.getCredentials();
    const opts = { service: 'dynamodb', region: 'us-east-1' };
    const call = (target, body, headers = []) => window.auth.signedFetch(`${dynamodb}/`, {
      method: 'post',
      headers: [['content-type', 'application/x-amz-json-1.0'], ['x-amz-target', `DynamoDB_20120810.${target}`], ...headers],
      body: JSON.stringify(body),
    }, opts);
    const Key = { identityId: { S: creds.identityId } };
    const put = await call('PutItem', { TableName: 'shopsphere-profiles', Item: { ...Key, note: { S: 'signed' } } },
      [['x-amz-user-agent', 'shop/1'], ['X-Amz-User-Agent', 'cart/2']]);
    const get = await call('GetItem', { TableName: 'shopsphere-profiles', Key });
    // The same request signed by signRequest with a wrong secret.
    const body = JSON.stringify({ TableName: 'shopsphere-profiles', Key });
    const headers = window.signRequest({ method: 'POST', url: `${dynamodb}/`, body,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' } },
    { ...creds, secretAccessKey: 'wrong-secret' }, opts);
    const bad = await fetch(`${dynamodb}/`, { method: 'POST', body, headers: {
      ...headers, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' } });
    return { put: [put.status, await put.text()], get: [get.status, await get.json()], bad: [bad.status, await bad.json()] };
  }, { dynamodb: h.dynamodb });
  // devstack's DynamoDB recomputes the signature with aws-sigv4 from what arrived.
  assert.equal(r.put[0], 200, r.put[1]);
  assert.equal(r.get[0], 200);
  assert.equal(r.get[1].Item.note.S, 'signed');
  assert.equal(r.bad[0], 400);
  assert.match(r.bad[1].__type, /InvalidSignatureException$/);
  await ctx.close();
});

test('signRequest signs for any service; a wrong secret is refused with SignatureDoesNotMatch', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const r = await evalIn(page, async ({ s3 }) => {
    const creds = await window.auth.getCredentials();
    const url = `${s3}/avatars/private/${creds.identityId}/signed.txt`;
    const send = async (secret) => {
      const headers = window.signRequest({ method: 'PUT', url, headers: { 'content-type': 'text/plain' }, body: 'signed' },
        { ...creds, secretAccessKey: secret }, { service: 's3', region: 'us-east-1' });
      const res = await fetch(url, { method: 'PUT', body: 'signed', headers: { ...headers, 'content-type': 'text/plain' } });
      return { status: res.status, body: await res.text(), names: Object.keys(headers).sort() };
    };
    const noToken = Object.keys(window.signRequest({ method: 'GET', url }, { ...creds, sessionToken: '' },
      { service: 's3', region: 'us-east-1' })).sort();
    return { good: await send(creds.secretAccessKey), bad: await send('wrong-secret'), noToken };
  }, { s3: h.s3 });
  // An empty session token is no token: nothing to sign or send.
  assert.deepEqual(r.noToken, ['authorization', 'x-amz-content-sha256', 'x-amz-date']);
  assert.equal(r.good.status, 200, r.good.body);
  assert.deepEqual(r.good.names, ['authorization', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token']);
  assert.equal(r.bad.status, 403);
  assert.match(r.bad.body, /SignatureDoesNotMatch/);
  await ctx.close();
});

test('two tabs asking for credentials at once make one GetCredentialsForIdentity call', async () => {
  const ctx = await h.newContext();
  const a = await h.openApp(ctx);
  assert.ok((await h.signIn(a)).ok);
  const b = await h.openApp(ctx);
  const calls = [...[a, b].map(targets)];
  const [ca, cb] = await Promise.all([a, b].map((p) => evalIn(p, () => window.auth.getCredentials())));
  assert.equal(ca.accessKeyId, cb.accessKeyId);
  const all = calls.flat();
  assert.equal(all.filter((c) => c === 'GetCredentialsForIdentity').length, 1, JSON.stringify(all));
  assert.equal(all.filter((c) => c === 'GetId').length, 1);
  await ctx.close();
});

test('credentials are refreshed shortly before their real Expiration, not before', async () => {
  const ctx = await h.newContext();
  await ctx.addInitScript(() => {
    const RealDate = Date;
    window.__skewMs = 0;
    // eslint-disable-next-line no-global-assign
    Date = class extends RealDate {
      constructor(...a) { super(...(a.length ? a : [RealDate.now() + window.__skewMs])); }
      static now() { return RealDate.now() + window.__skewMs; }
    };
  });
  const page = await h.openApp(ctx);
  const calls = targets(page);
  const first = await evalIn(page, () => window.auth.getCredentials());
  // 50 minutes later (10 minutes left): still cached.
  await evalIn(page, () => { window.__skewMs = 50 * 60 * 1000; });
  assert.equal((await evalIn(page, () => window.auth.getCredentials())).accessKeyId, first.accessKeyId);
  // 56 minutes later (4 minutes left, inside the 5-minute margin): refreshed.
  await evalIn(page, () => { window.__skewMs = 56 * 60 * 1000; });
  const second = await evalIn(page, () => window.auth.getCredentials());
  assert.notEqual(second.accessKeyId, first.accessKeyId);
  assert.deepEqual(calls, ['GetId', 'GetCredentialsForIdentity', 'GetCredentialsForIdentity']);
  await ctx.close();
});

test('identity errors are typed with the AWS error type', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const noPool = await evalIn(page, () => window.settle(window.makeAuth({ identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' }).getCredentials()));
  assert.equal(noPool.err?.code, 'ERR_AWS', JSON.stringify(noPool));
  assert.equal(noPool.err?.type, 'ResourceNotFoundException');
  // Throttling is transient: retried as a refresh is (three attempts), so one 429 is absorbed...
  await h.admin('faults', { endpoint: 'GetCredentialsForIdentity', status: 429, count: 1 });
  const retried = await evalIn(page, () => window.settle(window.auth.getCredentials({ forceRefresh: true })));
  assert.ok(retried.ok?.accessKeyId, JSON.stringify(retried));
  // ...and three in a row are the typed error.
  await h.admin('faults', { endpoint: 'GetCredentialsForIdentity', status: 429, count: 3 });
  const throttled = await evalIn(page, () => window.settle(window.auth.getCredentials({ forceRefresh: true })));
  assert.equal(throttled.err?.code, 'ERR_NETWORK', JSON.stringify(throttled));
  assert.equal(throttled.err?.type, 'TooManyRequestsException');
  await ctx.close();
});

test('corrupted stored credentials are discarded with a warning and fetched again', async () => {
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const first = await evalIn(page, () => window.auth.getCredentials());
  await evalIn(page, () => localStorage.setItem('cognito-wasm.shopspheredemoclient000001.identity.creds.guest', '{"v":1,"identity_id":'));
  const again = await evalIn(page, () => window.settle(window.auth.getCredentials()));
  assert.ok(again.ok, JSON.stringify(again));
  assert.equal(again.ok.identityId, first.identityId, 'the stored identity id is still used');
  const warnings = await evalIn(page, () => window.events.filter((e) => e.name === 'storageWarning'));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].reason, 'corrupted');
  // A stored identity id that is not one is dropped too, and a new one asked for (not refused on every load).
  await evalIn(page, () => {
    for (const k of Object.keys(localStorage)) if (k.includes('.identity.')) localStorage.removeItem(k);
    localStorage.setItem('cognito-wasm.shopspheredemoclient000001.identity.id.guest', 'not an identity id');
  });
  const fresh = await evalIn(page, () => window.settle(window.auth.getCredentials()));
  assert.ok(fresh.ok, JSON.stringify(fresh));
  assert.match(fresh.ok.identityId, /^us-east-1:[0-9a-f-]{36}$/);
  assert.equal((await evalIn(page, () => window.events.filter((e) => e.name === 'storageWarning'))).length, 2);
  assert.equal(await evalIn(page, () => localStorage.getItem('cognito-wasm.shopspheredemoclient000001.identity.id.guest')),
    fresh.ok.identityId);
  await ctx.close();
});

test("AWS's own JS client: a guest who signs in gets the guest identity linked, or the user's own identity", async () => {
  // What Amplify v6 does on sign-in: GetCredentialsForIdentity with the stored guest identity id and the Logins.
  const client = new CognitoIdentityClient({ region: 'us-east-1', endpoint: h.cognito,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' } });
  const IdentityPoolId = h.config.auth.identityPoolId;
  const logins = async (username, password) => {
    const r = await h.idp('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: CLIENTS.demo,
      AuthParameters: { USERNAME: username, PASSWORD: password } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { [`cognito-idp.us-east-1.amazonaws.com/${POOL}`]: r.body.AuthenticationResult.IdToken };
  };
  // A new user: the guest identity becomes the user's, with the same id.
  const guest = (await client.send(new GetIdCommand({ IdentityPoolId }))).IdentityId;
  await client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest }));
  const user = await h.newUser('guest');
  const Logins = await logins(user.username, user.password);
  const linked = await client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest, Logins }));
  assert.equal(linked.IdentityId, guest);
  assert.match(linked.Credentials.AccessKeyId, /^ASIA/);
  assert.ok(linked.Credentials.Expiration instanceof Date);
  assert.equal((await client.send(new GetIdCommand({ IdentityPoolId, Logins }))).IdentityId, guest);
  // A user with an identity already: the answer carries that identity's id; the guest identity is disabled.
  const demo = await logins(DEMO.username, DEMO.password);
  const own = (await client.send(new GetIdCommand({ IdentityPoolId, Logins: demo }))).IdentityId;
  const guest2 = (await client.send(new GetIdCommand({ IdentityPoolId }))).IdentityId;
  const merged = await client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest2, Logins: demo }));
  assert.equal(merged.IdentityId, own);
  assert.notEqual(merged.IdentityId, guest2);
  await assert.rejects(client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest2 })),
    (e) => e.name === 'NotAuthorizedException');
  client.destroy();
});
