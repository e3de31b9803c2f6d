// Consumer test: `npm pack` the package, install it into a fresh tiny app, type-check the app against the
// package's types, bundle it with Vite, serve it with a JWKS on loopback, load it in headless Chromium and
// verify tokens signed here by node:crypto (an independent signer).
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { generateKeyPairSync, createSign } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} consumer: ${name}${ok ? '' : ` (${detail})`}`);
};

// 1. Pack and install into a fresh app.
const work = mkdtempSync(join(tmpdir(), 'cognito-wasm-consumer-'));
const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], join(root, 'pkg')).trim().split('\n').pop();
const app = join(work, 'app');
cpSync(join(here, 'app'), app, { recursive: true });
writeFileSync(join(app, 'package.json'), JSON.stringify({
  name: 'consumer-app', private: true, type: 'module',
  dependencies: {
    'cognito-wasm': `file:${join(work, tarball)}`,
    // The official AWS SDK v3 clients, from the registry, pinned: they take auth.credentialProvider().
    '@aws-sdk/client-dynamodb': '3.1169.0',
    '@aws-sdk/client-s3': '3.1169.0',
    // cognito-wasm/react's peer, at the lowest version it supports, and its types.
    react: '18.3.1',
    'react-dom': '18.3.1',
    '@types/react': '18.3.12',
    // The other bundlers the README speaks of (esbuild is the workspace's own).
    webpack: '5.113.0',
  },
}, null, 2));
run('npm', ['install', '--no-audit', '--no-fund', '--silent'], app);
const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'cognito-wasm', 'package.json'), 'utf8'));
check('installed from the packed tarball', installed.name === 'cognito-wasm' && existsSync(join(app, 'node_modules', 'cognito-wasm', 'cognito_wasm_bg.wasm'))
  && existsSync(join(app, 'node_modules', 'cognito-wasm', 'verifier_bg.wasm')));

// 2. Type-check against the shipped .d.ts, then bundle.
let typesOk = true;
let tscOutput = '';
try { run(bin('tsc'), ['-p', app], app); } catch (e) { typesOk = false; tscOutput = String(e.stdout); }
check('the app type-checks against the package types', typesOk, tscOutput);
// The SDK page: credentialProvider() as the clients' `credentials` type. The SDK's own declarations assume
// Node's type definitions, so its libraries are not checked here (the package's are, above).
let sdkTypesOk = true;
let sdkTscOutput = '';
try { run(bin('tsc'), ['-p', join(app, 'aws')], app); } catch (e) { sdkTypesOk = false; sdkTscOutput = String(e.stdout); }
check('credentialProvider() type-checks as the AWS SDK v3 clients\' credentials', sdkTypesOk, sdkTscOutput);
let reactTypesOk = true;
let reactTscOutput = '';
try { run(bin('tsc'), ['-p', join(app, 'react')], app); } catch (e) { reactTypesOk = false; reactTscOutput = String(e.stdout); }
check('cognito-wasm/react type-checks (CognitoProvider, useAuth, RequireAuth)', reactTypesOk, reactTscOutput);
run(bin('vite'), ['build', '--logLevel', 'warn', '--outDir', 'dist', '--emptyOutDir'], app);
// React's development build: StrictMode mounts every effect twice only there, which the provider must survive.
execFileSync(bin('vite'), ['build', 'react', '--mode', 'development', '--logLevel', 'warn', '--outDir', '../dist-react', '--emptyOutDir'],
  { cwd: app, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'development' } });
run(bin('vite'), ['build', 'aws', '--logLevel', 'warn', '--outDir', '../dist-aws', '--emptyOutDir'], app);
// esbuild leaves `new URL('…_bg.wasm', import.meta.url)` as it is: the wasm files are copied beside the bundle,
// as the README says. webpack 5 emits them as assets. Each gets a page under dist/.
const bundlerPage = (script) => `<!doctype html><meta charset="utf-8"><title>bundler</title>${script}`;
run(bin('esbuild'), ['bundlers/main.js', '--bundle', '--format=esm', '--platform=browser', '--log-level=warning',
  '--outfile=dist/esbuild/main.js'], app);
for (const wasm of ['cognito_wasm_bg.wasm', 'verifier_bg.wasm']) {
  cpSync(join(app, 'node_modules', 'cognito-wasm', wasm), join(app, 'dist', 'esbuild', wasm));
}
writeFileSync(join(app, 'dist', 'esbuild', 'index.html'), bundlerPage('<script type="module" src="main.js"></script>'));
run('node', ['bundlers/webpack.mjs'], app);
writeFileSync(join(app, 'dist', 'webpack', 'index.html'), bundlerPage('<script src="main.js"></script>'));

// 3. Keys and tokens from node:crypto.
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'consumer-kid', alg: 'RS256', use: 'sig' };
const b64 = (s) => Buffer.from(s).toString('base64url');
const sign = (claims, kid = 'consumer-kid') => {
  const input = `${b64(JSON.stringify({ alg: 'RS256', kid }))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
};

// 4. Serve dist/ and the pool's JWKS on loopback.
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const userPoolId = 'us-east-1_Consumer1';
const clientId = 'consumerclient000000000001';
const issuer = `${origin}/${userPoolId}`;
const now = Math.floor(Date.now() / 1000);
const claims = { sub: 'u-1', iss: issuer, aud: clientId, token_use: 'id', exp: now + 3600, iat: now, 'cognito:username': 'consumer', 'cognito:groups': ['customers'] };
const valid = sign(claims);
const [h, p, s] = valid.split('.');
const fixture = {
  userPoolId, clientId, issuer,
  tokens: {
    valid,
    tampered: `${h}.${b64(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] }))}.${s}`,
    expired: sign({ ...claims, exp: now - 60 }),
    accessToken: sign({ ...claims, token_use: 'access', client_id: clientId }),
  },
};
let jwksRequests = 0;
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
server.on('request', (req, res) => {
  const path = new URL(req.url, origin).pathname;
  if (path === `/${userPoolId}/.well-known/jwks.json`) {
    jwksRequests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  } else if (path === '/fixture.json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixture));
  } else {
    const file = join(app, 'dist', path === '/' ? 'index.html' : path);
    if (!file.startsWith(join(app, 'dist')) || !existsSync(file)) return res.writeHead(404).end();
    const headers = { 'content-type': types[extname(file)] ?? 'application/octet-stream' };
    // The esbuild page under the Content-Security-Policy the README names; `?csp=strict` without
    // 'wasm-unsafe-eval', which must stop the module from compiling.
    if (path === '/esbuild/index.html') {
      const wasm = new URL(req.url, origin).searchParams.get('csp') === 'strict' ? '' : " 'wasm-unsafe-eval'";
      headers['content-security-policy'] = `default-src 'self'; script-src 'self'${wasm}; connect-src 'self'`;
    }
    res.writeHead(200, headers).end(readFileSync(file));
  }
});

// 5. Load it in headless Chromium.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(origin + '/');
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
  const r = await page.evaluate(() => window.__result);
  check('the bundled app loads without page errors', pageErrors.length === 0 && !r.error, JSON.stringify({ pageErrors, r }));
  check('verify() accepts a valid ID token', r.username === 'consumer' && JSON.stringify(r.groups) === '["customers"]', JSON.stringify(r));
  check('verifySync() uses the cached JWKS', r.syncUsername === 'consumer', JSON.stringify(r));
  check('a tampered token is refused', r.tampered === 'AuthError:ERR_JWT_SIGNATURE', r.tampered);
  check('an expired token is refused', r.expired === 'AuthError:ERR_JWT_EXPIRED', r.expired);
  check('an access token is refused by an ID verifier', r.accessToken === 'AuthError:ERR_JWT_TOKEN_USE', r.accessToken);
  check('bad config throws ERR_CONFIG', r.configError === 'AuthError:ERR_CONFIG', r.configError);
  check('before init(): CognitoAuth, JwtVerifier, signRequest and the lean JwtVerifier throw an AuthError (instanceof) ERR_NOT_INITIALIZED, not retryable, and init() still works',
    JSON.stringify(r.notInitialized) === JSON.stringify(Array(4).fill('AuthError:ERR_NOT_INITIALIZED:false')) && r.username === 'consumer'
      && r.leanUsername === 'consumer', JSON.stringify(r.notInitialized));
  const w = r.worker ?? {};
  check('in a module Web Worker (no window) JwtVerifier of both entry points verifies, the key set cached',
    w.hasWindow === false && w.username === 'consumer' && w.leanUsername === 'consumer' && w.tampered === 'AuthError:ERR_JWT_SIGNATURE',
    JSON.stringify(w));
  check('in a module Web Worker CognitoAuth (memory) starts signed out; signInWithRedirect is ERR_CONFIG',
    w.signedOut === true && w.signIn === 'AuthError:ERR_CONFIG', JSON.stringify(w));
  // Two verifiers on the page and two in the worker, each fetching over the network once.
  check('the JWKS was fetched once per verifier over the network, in the page and in the worker', jwksRequests === 4, `requests: ${jwksRequests}`);
  check('cognito-wasm/verifier verifies and refuses a tampered token', r.leanUsername === 'consumer' && r.leanTampered === 'AuthError:ERR_JWT_SIGNATURE', JSON.stringify(r));
  check('cognito-wasm/verifier exports JwtVerifier and nothing of sign-in or SigV4',
    r.leanExports.split(',').includes('JwtVerifier') && !/CognitoAuth|signRequest/.test(r.leanExports), r.leanExports);
  check('CognitoAuth recognises its callback URL only', r.isCallback === true && r.notCallback === false, JSON.stringify(r));
  check('CognitoAuth with memory storage starts signed out', r.signedOut === true, JSON.stringify(r));
  // The S3 API reference example (GET /test.txt with Range): its documented signature.
  for (const bundler of ['esbuild', 'webpack']) {
    const b = await browser.newPage();
    const errors = [];
    b.on('pageerror', (e) => errors.push(String(e)));
    await b.goto(`${origin}/${bundler}/index.html`);
    let br;
    try {
      await b.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
      br = await b.evaluate(() => window.__result);
    } catch (e) {
      br = { error: String(e).split('\n')[0], errors };
    }
    check(`${bundler}: an app bundled from the tarball verifies with both entry points${bundler === 'esbuild' ? ", under script-src 'self' 'wasm-unsafe-eval'" : ''}`,
      br.full === 'consumer' && br.lean === 'consumer' && br.fullTampered === 'ERR_JWT_SIGNATURE'
        && br.leanTampered === 'ERR_JWT_SIGNATURE' && errors.length === 0, JSON.stringify({ br, errors }));
    await b.close();
  }
  {
    const b = await browser.newPage();
    await b.goto(`${origin}/esbuild/index.html?csp=strict`);
    let br;
    try {
      await b.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
      br = await b.evaluate(() => window.__result);
    } catch (e) {
      br = { error: String(e).split('\n')[0] };
    }
    check("without 'wasm-unsafe-eval' in script-src the module cannot compile (the CSP is applied)",
      /CompileError|wasm|Content Security Policy/i.test(br.error ?? '') && br.full === undefined, JSON.stringify(br));
    await b.close();
  }
  check('signRequest reproduces the S3 reference signature',
    typeof r.authorization === 'string' && r.authorization.endsWith('Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
    r.authorization);
} finally {
  await browser.close();
  server.close();
}
// 6. The AWS SDK v3 with credentialProvider(), against devstack (DynamoDB, S3, the identity pool): the app's
// second page signs in through the managed login, then writes and reads with the SDK's own clients.
const { start, DEMO } = await import('../e2e/harness.mjs');
const stack = await start({ appDir: join(app, 'dist-aws'), servePkg: false });
try {
  const context = await stack.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('requestfailed', (q) => pageErrors.push(`request failed: ${q.method()} ${q.url()} ${q.failure()?.errorText}`));
  // (The browser also logs the expected 400 of the AccessDenied check; only failures count.)
  await page.goto(`${stack.origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.evaluate(() => window.signIn())]);
  await stack.submitLogin(page, DEMO);
  await page.waitForFunction(() => window.ready === true);
  let r;
  try {
    r = await page.evaluate(() => window.roundTrip());
  } catch (e) {
    r = { error: String(e).split('\n')[0], pageErrors };
  }
  check('AWS SDK v3 DynamoDBClient writes and reads with credentialProvider()',
    r.note === 'from the AWS SDK' && r.visits === '3' && /^us-east-1:/.test(r.identityId ?? ''), JSON.stringify(r));
  check("AWS SDK v3 DynamoDBClient: another identity's key is AccessDeniedException", r.denied === 'AccessDeniedException', JSON.stringify(r));
  check('AWS SDK v3 S3Client writes and reads the user\'s own prefix with credentialProvider()',
    r.body === 'written by @aws-sdk/client-s3', JSON.stringify(r));
  let wr;
  try {
    wr = await page.evaluate(() => window.workerRoundTrip());
  } catch (e) {
    wr = { error: String(e).split('\n')[0] };
  }
  check('in a dedicated worker CognitoAuth (on a store the app supplies) refreshes against devstack',
    wr.signedIn === true && wr.refreshed === true, JSON.stringify(wr));
  check("in a dedicated worker getCredentials() gets the user's identity-pool credentials",
    wr.hasCredentials === true && wr.identityId === wr.pageIdentityId && /^us-east-1:/.test(wr.identityId ?? ''), JSON.stringify(wr));
  check('the SDK page runs without page errors', pageErrors.length === 0, JSON.stringify(pageErrors));
  // 7. Node, against the same devstack, from the installed package (tests/consumer/node.mjs).
  const entries = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('cognito-wasm.'))
    .map((k) => [k, localStorage.getItem(k)]));
  cpSync(join(here, 'node.mjs'), join(app, 'node.mjs'));
  let n = {};
  try {
    n = JSON.parse(execFileSync('node', [join(app, 'node.mjs')], { cwd: app, input: JSON.stringify({ config: stack.config, demo: DEMO, entries }),
      stdio: ['pipe', 'pipe', 'inherit'], timeout: 60_000 }).toString().trim().split('\n').pop());
  } catch (e) {
    n = { error: String(e.message).split('\n')[0] };
  }
  check('Node: JwtVerifier of both entry points (initSync) fetches devstack\'s JWKS and verifies, the key set cached',
    n.full === 'verified' && n.lean === 'verified' && n.fullTampered === 'AuthError:ERR_JWT_SIGNATURE' && n.leanTampered === 'AuthError:ERR_JWT_SIGNATURE',
    JSON.stringify(n));
  const initHint = (m) => typeof m === 'string' && m.startsWith('cognito-wasm: cannot fetch file:') && m.endsWith('in Node, use initSync');
  check('Node: init() with no argument rejects naming initSync (both entry points)',
    initHint(n.initNoArg) && initHint(n.verifierInitNoArg), JSON.stringify([n.initNoArg, n.verifierInitNoArg]));
  check('Node: CognitoAuth (memory) starts signed out; signInWithRedirect is ERR_CONFIG', n.signedOut === true && n.signIn === 'AuthError:ERR_CONFIG', JSON.stringify(n));
  check('Node: CognitoAuth on a store the app supplies refreshes (two calls, no Web Locks) and gets credentials',
    n.refreshed === true && n.hasCredentials === true && n.identityId === wr.pageIdentityId && n.hasLocks === false, JSON.stringify(n));
} finally {
  await stack.stop();
}

// 8. cognito-wasm/react in a Vite + React 18 app (StrictMode) against devstack: sign in, reload, a second tab,
// sign-out in one tab seen by the other, and the guard's redirect.
const reactStack = await start({ appDir: join(app, 'dist-react'), servePkg: false });
try {
  const context = await reactStack.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  let exchanges = 0;
  context.on('request', (q) => { if (q.url().endsWith('/oauth2/token') && /grant_type=authorization_code/.test(q.postData() ?? '')) exchanges++; });
  const status = (p) => p.locator('#status').textContent();
  const waitStatus = (p, text) => p.waitForFunction((t) => document.getElementById('status')?.textContent === t, text, { timeout: 20000 });
  await page.goto(`${reactStack.origin}/`);
  await waitStatus(page, 'signed out');
  check('React: the provider loads signed out', (await status(page)) === 'signed out');
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.evaluate(() => window.reactAuth.signIn())]);
  await reactStack.submitLogin(page, DEMO);
  let signedIn = true;
  try { await waitStatus(page, 'signed in as demo'); } catch { signedIn = false; }
  const channels = await page.evaluate(() => window.channels);
  check('React: sign-in through the managed login, the callback handled once under StrictMode (one code exchange, one channel)',
    signedIn && exchanges === 1 && channels === 1 && !new URL(page.url()).searchParams.has('code'),
    JSON.stringify({ status: await status(page), exchanges, channels, url: page.url() }));
  await page.reload();
  let restored = true;
  try { await waitStatus(page, 'signed in as demo'); } catch { restored = false; }
  check('React: a reload restores the user with no new code exchange', restored && exchanges === 1, JSON.stringify({ status: await status(page), exchanges }));
  const second = await context.newPage();
  await second.goto(`${reactStack.origin}/`);
  let both = true;
  try { await waitStatus(second, 'signed in as demo'); } catch { both = false; }
  check('React: a second tab is signed in', both, await status(second));
  await second.evaluate(() => window.reactAuth.signOut());
  let out = true;
  try { await waitStatus(page, 'signed out'); await waitStatus(second, 'signed out'); } catch { out = false; }
  check('React: sign-out in one tab signs out the other', out, JSON.stringify([await status(page), await status(second)]));
  // The guard redirects to the managed login, whose session (a cookie, as Cognito's) signs the user straight
  // back in: the callback hands back the guarded page's address as customState.
  let guarded = true;
  try {
    await Promise.all([page.waitForRequest((q) => q.url().includes('/oauth2/authorize'), { timeout: 20000 }), page.goto(`${reactStack.origin}/?guard=1`)]);
    await waitStatus(page, 'signed in as demo');
  } catch { guarded = false; }
  const back = await page.evaluate(() => window.reactAuth.callback?.customState ?? null);
  check('React: RequireAuth sends a signed-out user to sign in, and back with the page in customState',
    guarded && back === '/?guard=1' && exchanges === 2, JSON.stringify({ url: page.url(), back, exchanges }));
  check('React: no page errors', errors.length === 0, JSON.stringify(errors));
} finally {
  await reactStack.stop();
}

console.log(`consumer: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
