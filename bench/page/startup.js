// Start-up, one measurement per fresh page (browser.mjs opens each in a fresh browser context, so nothing is
// cached: no compiled wasm, no V8 code cache). "After the wasm is fetched": every byte (JS bundle, .wasm, the
// stored session) is fetched before the clock starts; what is timed is what runs from bytes in memory to a
// verified, signed-in user:
//   load:    run the minified JS (bundle, or cognito-wasm's glue) [+ wasm compile + instantiate]
//   restore: construct the library and get the stored user/claims (verified where the library verifies)
// The JS runs as an inline classic <script> (the IIFE build of the same bundle, bench/out/iife/), which the
// browser compiles and runs synchronously on insertion: no module loader or blob fetch is timed.
const variant = new URLSearchParams(location.search).get('v');
// Where the .wasm files are served from (bench/ab.mjs compares builds of the same glue this way).
const pkgBase = new URLSearchParams(location.search).get('pkg') || '/pkg/';

const getText = async (url) => { const r = await fetch(url); if (!r.ok) throw new Error(`${url}: ${r.status}`); return r.text(); };
// Runs `src` (an IIFE defining `var benchLib`) and returns benchLib.
const runScript = (src) => {
  const s = document.createElement('script');
  s.textContent = src;
  document.head.appendChild(s);
  return window.benchLib;
};

// ---------------------------------------------------------------------------------------------------------
// CognitoAuth's stored state on a returning visit: KEEP IN STEP WITH src/session.rs (Session, STORAGE_VERSION)
// and src/platform/auth.rs + src/platform/verifier.rs (keys "cognito-wasm.<clientId>.session" and
// "cognito-wasm.<clientId>.jwks"). Writes the stored session (fx.idToken, fx.accessToken, fx.refreshToken;
// fx.exp is the tokens' expiry) and the pool's key set kept beside it ("1 <fetched at>\n<JWKS JSON>") into
// `store` (window.localStorage: storage 'local' below) exactly as CognitoAuth persists them after a sign-in,
// and returns true. If the format changes and this is not updated, the row fails with "not signed in after
// restore" (or measures a JWKS fetch it should not need).
export function storeCognitoAuthSession(store, fx) {
  const now = Math.floor(Date.now() / 1000);
  store.setItem(`cognito-wasm.${fx.pool.clientId}.session`, JSON.stringify({
    v: 1,
    id_token: fx.idToken,
    access_token: fx.accessToken,
    refresh_token: fx.refreshToken,
    expires_at: fx.exp,       // local-clock seconds (clock_offset 0)
    clock_offset: 0,
    received_at: now,
  }));
  store.setItem(`cognito-wasm.${fx.pool.clientId}.jwks`, `1 ${now - 600}\n${JSON.stringify(fx.jwks)}`);
  return true;
}
// ---------------------------------------------------------------------------------------------------------

export function cognitoAuthOptions(fx) {
  const p = fx.pool;
  return {
    userPoolId: p.userPoolId, clientId: p.clientId, domain: `https://${p.domain}`, redirectUri: p.redirectUri,
    logoutUri: p.logoutUri, scopes: p.scopes, storage: 'local',
    endpoints: { issuer: p.issuer, jwksUri: fx.jwksUri },
  };
}

// Amplify v6's token store layout (CognitoIdentityServiceProvider.<clientId>.<username>.<token>).
function storeAmplifySession(fx) {
  const k = `CognitoIdentityServiceProvider.${fx.pool.clientId}`;
  localStorage.setItem(`${k}.LastAuthUser`, fx.username);
  localStorage.setItem(`${k}.${fx.username}.idToken`, fx.idToken);
  localStorage.setItem(`${k}.${fx.username}.accessToken`, fx.accessToken);
  localStorage.setItem(`${k}.${fx.username}.refreshToken`, fx.refreshToken);
  localStorage.setItem(`${k}.${fx.username}.clockDrift`, '0');
}

// oidc-client-ts's user store layout (oidc.user:<authority>:<client_id>, User.toStorageString()).
function storeOidcSession(fx) {
  const profile = JSON.parse(atob(fx.idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  localStorage.setItem(`oidc.user:${fx.pool.issuer}:${fx.pool.clientId}`, JSON.stringify({
    id_token: fx.idToken, access_token: fx.accessToken, refresh_token: fx.refreshToken, token_type: 'Bearer',
    scope: fx.pool.scopes.join(' '), profile, expires_at: fx.exp,
  }));
}

async function run() {
  localStorage.clear();
  const fx = await (await fetch('/fixture.json')).json();
  fx.jwksUri = `${location.origin}/fixture/jwks.json`;
  const p = fx.pool;
  const r = { variant, crossOriginIsolated: self.crossOriginIsolated };
  let t0, t1, t2, t3, t4;

  if (variant === 'cognito-wasm' || variant === 'cognito-auth') {
    // JwtVerifier from the entry point made for it (cognito-wasm/verifier); CognitoAuth from the package.
    const entry = variant === 'cognito-wasm' ? ['cognito-wasm-verifier', 'verifier'] : ['cognito-wasm', 'cognito_wasm'];
    const glue = await getText(`/out/iife/${entry[0]}.js`);   // built from the same pkg snapshot
    const bytes = await (await fetch(`${pkgBase}${entry[1]}_bg.wasm`)).arrayBuffer();
    if (variant === 'cognito-auth' && !storeCognitoAuthSession(localStorage, fx)) {
      return { ...r, skipped: 'storeCognitoAuthSession() in bench/page/startup.js returned false (session storage format to fill in)' };
    }
    t0 = performance.now();
    const mod = runScript(glue);
    t1 = performance.now();
    const module = await WebAssembly.compile(bytes);
    t2 = performance.now();
    const exports = await mod.default({ module_or_path: module });
    t3 = performance.now();
    let sub, tc;
    if (variant === 'cognito-wasm') {
      const verifier = new mod.JwtVerifier({ userPoolId: p.userPoolId, tokenUse: 'id', clientId: p.clientId, jwks: fx.jwks });
      tc = performance.now();
      sub = verifier.verifySync(fx.idToken).sub;
    } else {
      if (!('CognitoAuth' in mod)) return { ...r, skipped: 'CognitoAuth is not exported by the package' };
      const auth = new mod.CognitoAuth(cognitoAuthOptions(fx));
      tc = performance.now();
      const user = await auth.currentUser();
      sub = user && (user.sub ?? user.claims?.sub ?? user.idToken?.sub);
    }
    t4 = performance.now();
    if (sub !== fx.sub) throw new Error(`${variant}: not signed in after restore (sub ${sub})`);
    // A returning visit needs no request: the key set is kept beside the session.
    r.jwksFetched = performance.getEntriesByType('resource').some((e) => e.name.endsWith('/fixture/jwks.json'));
    if (variant === 'cognito-wasm') {
      // Not part of the row: the same construct + verify again, to see what the first calls cost (lazy
      // compilation of the wasm functions they run, first-use set-up) beyond the work itself.
      const a0 = performance.now();
      const again = new mod.JwtVerifier({ userPoolId: p.userPoolId, tokenUse: 'id', clientId: p.clientId, jwks: fx.jwks });
      const a1 = performance.now();
      again.verifySync(fx.idToken);
      r.again = { construct: a1 - a0, verify: performance.now() - a1 };
    }
    Object.assign(r, {
      load: t3 - t0, restore: t4 - t3, total: t4 - t0,
      phases: { glue: t1 - t0, compile: t2 - t1, instantiate: t3 - t2, construct: tc - t3, verify: t4 - tc },
      memory: exports.memory.buffer.byteLength,
    });
    return r;
  }

  const bundle = { jose: 'jose', 'amplify-auth': 'amplify-auth', 'oidc-client-ts': 'oidc-client-ts' }[variant];
  if (!bundle) throw new Error(`unknown variant ${variant}`);
  const src = await getText(`/out/iife/${bundle}.js`);
  if (variant === 'amplify-auth') storeAmplifySession(fx);
  if (variant === 'oidc-client-ts') storeOidcSession(fx);
  let sub;
  t0 = performance.now();
  const lib = runScript(src);
  t1 = performance.now();
  if (variant === 'jose') {
    // The same checks as JwtVerifier: RS256 with the key named by kid, iss, aud, exp, token_use.
    const keys = lib.createLocalJWKSet(fx.jwks);
    const { payload } = await lib.jwtVerify(fx.idToken, keys, { issuer: p.issuer, audience: p.clientId, algorithms: ['RS256'] });
    if (payload.token_use !== 'id') throw new Error('token_use');
    sub = payload.sub;
  } else if (variant === 'amplify-auth') {
    lib.configure(p);
    const s = await lib.session();
    sub = s.tokens?.idToken?.payload?.sub;
  } else {
    const um = lib.configure(p);
    const user = await lib.restore(um);
    sub = user?.profile?.sub;
  }
  t4 = performance.now();
  if (sub !== fx.sub) throw new Error(`${variant}: not signed in after restore (sub ${sub})`);
  return Object.assign(r, { load: t1 - t0, restore: t4 - t1, total: t4 - t0 });
}

window.benchStartup = () => run().catch((e) => ({ variant, error: String(e && e.stack || e) }));
