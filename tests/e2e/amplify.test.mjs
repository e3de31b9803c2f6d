// cognito-wasm/amplify: CognitoAuth options from an amplify_outputs.json (the shape Amplify Gen 2 writes), then
// a sign-in against devstack with them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { configFromAmplifyOutputs } from '../../pkg/amplify.js';
import { AuthError } from '../../pkg/cognito_wasm.js';
import { start, DEMO } from './harness.mjs';

const outputs = (oauth = {}) => ({
  version: '1.4',
  auth: {
    aws_region: 'us-east-1',
    user_pool_id: 'us-east-1_AbC123',
    user_pool_client_id: '1example23456789',
    identity_pool_id: 'us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c',
    mfa_methods: [],
    oauth: {
      identity_providers: ['GOOGLE'],
      domain: 'shop.auth.us-east-1.amazoncognito.com',
      scopes: ['phone', 'email', 'openid', 'profile', 'aws.cognito.signin.user.admin'],
      redirect_sign_in_uri: ['http://localhost:3000/', 'https://shop.example/callback'],
      redirect_sign_out_uri: ['http://localhost:3000/', 'https://shop.example/'],
      response_type: 'code',
      ...oauth,
    },
    unauthenticated_identities_enabled: true,
  },
});

test('configFromAmplifyOutputs reads the pool, client, domain, scopes and the URIs of this origin', () => {
  globalThis.location = new URL('https://shop.example/account');
  try {
    assert.deepEqual(configFromAmplifyOutputs(outputs()), {
      userPoolId: 'us-east-1_AbC123',
      clientId: '1example23456789',
      domain: 'shop.auth.us-east-1.amazoncognito.com',
      redirectUri: 'https://shop.example/callback',
      logoutUri: 'https://shop.example/',
      scopes: ['phone', 'email', 'openid', 'profile', 'aws.cognito.signin.user.admin'],
      identityPoolId: 'us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c',
    });
    // Its text too, and overrides win.
    const c = configFromAmplifyOutputs(JSON.stringify(outputs()), { storage: 'session', logoutUri: 'https://shop.example/bye' });
    assert.equal(c.storage, 'session');
    assert.equal(c.logoutUri, 'https://shop.example/bye');
    // No URI on this origin among several: an error naming the option that settles it.
    globalThis.location = new URL('https://elsewhere.example/');
    assert.throws(() => configFromAmplifyOutputs(outputs()), (e) => e instanceof AuthError && e.code === 'ERR_CONFIG'
      && /redirect_sign_in_uri has several URIs and none on https:\/\/elsewhere.example: pass \{ redirectUri \}/.test(e.message));
    assert.equal(configFromAmplifyOutputs(outputs(), { redirectUri: 'x', logoutUri: 'y' }).redirectUri, 'x');
  } finally {
    delete globalThis.location;
  }
  for (const [bad, says] of [[{}, /no "auth" section/], [{ auth: { user_pool_id: 'p' } }, /user_pool_client_id: required/],
    [{ auth: { user_pool_id: 'p', user_pool_client_id: 'c' } }, /auth.oauth: required/], ['{', /not JSON/]]) {
    assert.throws(() => configFromAmplifyOutputs(bad), (e) => e instanceof AuthError && e.code === 'ERR_CONFIG' && says.test(e.message));
  }
});

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

test('a CognitoAuth from amplify_outputs.json signs in against devstack', async () => {
  const a = h.config.auth;
  const json = {
    auth: {
      user_pool_id: a.userPoolId, user_pool_client_id: h.config.clients.demo,
      oauth: { domain: a.domain, scopes: ['openid', 'email', 'profile'], redirect_sign_in_uri: [a.redirectUri],
        redirect_sign_out_uri: [a.logoutUri ?? a.redirectUri], response_type: 'code' },
    },
  };
  const ctx = await h.newContext();
  const page = await h.openApp(ctx);
  const options = await page.evaluate(async ({ json, endpoints }) => {
    const { configFromAmplifyOutputs } = await import('/pkg/amplify.js');
    window.auth = window.makeAuth({ ...configFromAmplifyOutputs(json), endpoints });
    return configFromAmplifyOutputs(json);
  }, { json, endpoints: a.endpoints });
  assert.equal(options.clientId, h.config.clients.demo);
  const r = await h.signIn(page, DEMO);
  assert.ok(r.ok, JSON.stringify(r));
  await ctx.close();
});
