// The package in Node (no window, no Web Storage, no Web Locks), run from the consumer app so that
// `cognito-wasm` resolves to the installed tarball. stdin: { config, demo, entries } from run.mjs (the
// running devstack's config, the demo user, and the browser page's stored session). Prints one JSON line.
import { readFileSync } from 'node:fs';
import init, { initSync, CognitoAuth, JwtVerifier } from 'cognito-wasm';
import initVerifier, { initSync as initVerifierSync, JwtVerifier as LeanVerifier } from 'cognito-wasm/verifier';

const { config, demo, entries } = JSON.parse(readFileSync(0, 'utf8'));
const out = {};
const codeOf = (e) => `${e?.name}:${e?.code ?? e?.message}`;

// `await init()` fetches the wasm beside the module, a file: URL Node's fetch does not read: the error says
// what to call instead.
for (const [name, load] of [['initNoArg', init], ['verifierInitNoArg', initVerifier]]) {
  try {
    await load();
    out[name] = 'ok';
  } catch (e) {
    out[name] = String(e?.message ?? e);
  }
}
// The Node way: initSync with the wasm bytes.
initSync({ module: readFileSync(new URL('cognito_wasm_bg.wasm', import.meta.resolve('cognito-wasm'))) });
initVerifierSync({ module: readFileSync(new URL('verifier_bg.wasm', import.meta.resolve('cognito-wasm/verifier'))) });

// A real ID token from devstack (InitiateAuth, USER_PASSWORD_AUTH).
const clientId = config.clients.demo;
const initiated = await fetch(config.auth.endpoints.cognitoIdp, {
  method: 'POST',
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
  body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: demo.username, PASSWORD: demo.password } }),
}).then((r) => r.json());
const idToken = initiated.AuthenticationResult?.IdToken;
const options = { userPoolId: config.auth.userPoolId, tokenUse: 'id', clientId, issuer: config.auth.endpoints.issuer };
for (const [name, Verifier] of [['full', JwtVerifier], ['lean', LeanVerifier]]) {
  try {
    const verifier = new Verifier(options);
    const claims = await verifier.verify(idToken); // fetches devstack's JWKS with Node's fetch
    const again = verifier.verifySync(idToken); // the cached key set
    out[name] = claims['cognito:username'] === demo.username && again.sub === claims.sub ? 'verified' : JSON.stringify(claims);
    try {
      verifier.verifySync(`${idToken.slice(0, -4)}AAAA`);
      out[`${name}Tampered`] = 'accepted';
    } catch (e) {
      out[`${name}Tampered`] = codeOf(e);
    }
  } catch (e) {
    out[name] = codeOf(e);
  }
}

// CognitoAuth: memory storage starts signed out; the redirect needs a page.
const auth = { ...config.auth, clientId };
const memory = new CognitoAuth({ ...auth, storage: 'memory' });
out.signedOut = (await memory.getTokens()) === null;
try {
  await memory.signInWithRedirect();
  out.signIn = 'navigated';
} catch (e) {
  out.signIn = codeOf(e);
}
// On a store the app supplies, seeded with the page's session: refresh and credentials from Node.
const m = new Map(entries);
const store = {
  getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k),
  key: (i) => [...m.keys()][i] ?? null, get length() { return m.size; },
};
try {
  const node = new CognitoAuth({ ...auth, storage: store });
  const before = await node.getTokens();
  // Two calls at once: one refresh (Node 20 has no Web Locks: the in-process lock holds them).
  const [a, b] = await Promise.all([node.getTokens({ forceRefresh: true }), node.getTokens({ forceRefresh: true })]);
  out.refreshed = !!before && !!a && a.accessToken !== before.accessToken && !!b;
  const credentials = await node.getCredentials();
  out.identityId = credentials.identityId;
  out.hasCredentials = credentials.secretAccessKey.length > 0;
} catch (e) {
  out.refreshed = codeOf(e);
}
out.hasLocks = typeof globalThis.navigator?.locks?.request === 'function';
console.log(JSON.stringify(out));
