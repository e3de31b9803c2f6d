// Shared setup of the end-to-end tests: devstack on free loopback ports with a config made for this run,
// a static server for the test page and pkg/, headless Chromium (Debian's) through playwright-core.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const DEMO = { username: 'demo', password: 'ShopSphere!2026' };
export const RIVAL = { username: 'rival', password: 'Rival!2026pass' };
export const CLIENTS = { demo: 'shopspheredemoclient000001', rotating: 'shopsphererotating00000001' };
export const POOL = 'us-east-1_ShopSphr1';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json',
  '.css': 'text/css', '.png': 'image/png' };

function serveStatic(dirs, extra) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (extra[path]) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(extra[path]());
      return;
    }
    for (const [prefix, dir] of dirs) {
      if (!path.startsWith(prefix)) continue;
      const file = join(dir, path.slice(prefix.length) || 'index.html');
      if (file.startsWith(dir) && existsSync(file) && !file.endsWith('/')) {
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
          .end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Starts devstack + the app server + Chromium. Returns helpers; call stop() at the end. */
/**
 * Starts devstack on free ports, a static server for `appDir` (with the release package at `pkgAt`, /pkg/ by
 * default, unless `servePkg` is false: a trunk build that carries its own copy), and headless Chromium.
 * `configEdit` changes devstack.toml's text first (e.g. a pool with MFA ON).
 */
export async function start({ appDir = join(here, 'app'), servePkg = true, pkgAt = '/pkg/', extraRoutes = {},
  devstackArgs = [], configEdit = null } = {}) {
  const bin = join(root, 'target', 'debug', 'devstack');
  if (!existsSync(bin)) throw new Error('build devstack first: cargo build -p devstack');
  if (!existsSync(join(root, 'pkg', 'cognito_wasm_bg.wasm'))) throw new Error('build pkg first: scripts/build-pkg.sh');

  let config = {};
  const app = await serveStatic([...(servePkg ? [[pkgAt, join(root, 'pkg') + '/']] : []), ['/', appDir + '/']],
    { '/config.json': () => JSON.stringify(config), ...extraRoutes });
  const origin = `http://localhost:${app.address().port}`;

  const data = mkdtempSync(join(tmpdir(), 'cognito-wasm-e2e-'));
  const template = readFileSync(join(root, 'devstack', 'devstack.toml'), 'utf8');
  const edited = configEdit ? configEdit(template) : template;
  if (configEdit && edited === template) throw new Error('configEdit changed nothing');
  writeFileSync(join(data, 'devstack.toml'), edited.replaceAll('http://localhost:8080', origin));
  // The config's Lambda triggers are commands run in the config file's directory (triggers/*.mjs).
  cpSync(join(root, 'devstack', 'triggers'), join(data, 'triggers'), { recursive: true });
  const proc = spawn(bin, ['--config', join(data, 'devstack.toml'), '--data-dir', join(data, 'state'),
    '--cognito-port', '0', '--s3-port', '0', '--dynamodb-port', '0', '--quiet', ...devstackArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`devstack did not start: ${out}`)), 20000);
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/devstack: cognito http:\/\/[^:]+:(\d+) s3 http:\/\/[^:]+:(\d+)(?: dynamodb http:\/\/[^:]+:(\d+))?\n/);
      if (m) { clearTimeout(timer); resolve({ cognito: Number(m[1]), s3: Number(m[2]), dynamodb: Number(m[3]) }); }
    });
    proc.on('exit', (code) => reject(new Error(`devstack exited (${code}): ${out}`)));
  });
  proc.stdout.resume();
  const cognito = `http://localhost:${ports.cognito}`;
  const s3 = `http://localhost:${ports.s3}`;
  const dynamodb = `http://localhost:${ports.dynamodb}`;
  config = {
    clients: CLIENTS,
    s3,
    dynamodb,
    cognito,
    auth: {
      userPoolId: POOL,
      domain: cognito,
      redirectUri: `${origin}/`,
      logoutUri: `${origin}/`,
      // The last scope lets the app read and change the user's own attributes and MFA settings.
      scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
      identityPoolId: 'us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c',
      endpoints: { issuer: `${cognito}/${POOL}`, cognitoIdp: `${cognito}/`, cognitoIdentity: `${cognito}/` },
    },
  };

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });

  /** A devstack admin call (test knobs). */
  const admin = async (path, body, method = 'POST') => {
    const r = await fetch(`${cognito}/_devstack/${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`admin ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };

  /** A fresh browser profile (own storage, cookies). `client` picks the app client. */
  const newContext = async (client = 'demo') => {
    const context = await browser.newContext();
    await context.addInitScript((c) => localStorage.setItem('e2e.client', c), client);
    return context;
  };

  /** Opens the app in a new tab of `context` and waits for it to be ready. */
  const openApp = async (context, path = '/') => {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[pageerror] ${e}`));
    await page.goto(origin + path);
    await page.waitForFunction(() => window.ready === true);
    return page;
  };

  /** From the app page: signInWithRedirect, the devstack login form, back to the app with the result. */
  const signIn = async (page, user = DEMO, options = {}) => {
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login'),
      page.evaluate((o) => window.auth.signInWithRedirect(o), options),
    ]);
    await submitLogin(page, user);
    return callbackResult(page);
  };

  const submitLogin = async (page, user) => {
    await page.fill('#signInFormUsername', user.username);
    await page.fill('#signInFormPassword', user.password);
    await Promise.all([page.waitForURL((u) => u.origin === origin), page.click('#signInSubmitButton')]);
  };

  const callbackResult = async (page) => {
    await page.waitForFunction(() => window.ready === true && window.callback !== undefined);
    return page.evaluate(() => window.callback);
  };

  /** The newest code devstack "sent" to `username` for `purpose` (`SignUp`, `ForgotPassword`, ...). */
  const outboxCode = async (username, purpose) => {
    const r = await fetch(`${cognito}/_devstack/outbox?${new URLSearchParams({ username, purpose })}`);
    const messages = await r.json();
    if (!messages.length) throw new Error(`no ${purpose} message for ${username} in the outbox`);
    return messages.at(-1).code;
  };

  /** A user-pool JSON API call from the test (SignUp, ConfirmSignUp, ...): `{ status, body }`. */
  const idp = async (operation, body) => {
    const r = await fetch(`${cognito}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => ({})) };
  };

  /**
   * A confirmed new user of the demo client, made through SignUp + ConfirmSignUp: `{ username, password, email }`.
   * `emailLocal(username)` gives the part of the email before the @ (default: the username).
   */
  const newUser = async (prefix = 'user', { emailLocal = (u) => u } = {}) => {
    const username = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    const user = { username, password: 'Fresh!2026pass', email: `${emailLocal(username)}@shopsphere.test` };
    const signUp = await idp('SignUp', { ClientId: CLIENTS.demo, Username: username, Password: user.password,
      UserAttributes: [{ Name: 'email', Value: user.email }] });
    if (signUp.status !== 200) throw new Error(`SignUp: ${JSON.stringify(signUp.body)}`);
    const confirm = await idp('ConfirmSignUp', { ClientId: CLIENTS.demo, Username: username,
      ConfirmationCode: await outboxCode(username, 'SignUp') });
    if (confirm.status !== 200) throw new Error(`ConfirmSignUp: ${JSON.stringify(confirm.body)}`);
    return user;
  };

  const stop = async () => {
    await browser.close();
    app.close();
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  };

  return { origin, cognito, s3, dynamodb, data, browser, admin, newContext, openApp, signIn, submitLogin, callbackResult, stop,
    outboxCode, idp, newUser,
    get config() { return config; } };
}

/** The RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) of a base32 `secret` at `unixSeconds` (+ `steps` × 30 s). */
/**
 * Chromium's virtual authenticator (CDP WebAuthn) for `page` of `ctx`: a platform authenticator with resident
 * keys that verifies the user at once, as Touch ID or Windows Hello after the user's touch.
 * Returns `{ cdp, authenticatorId }`.
 */
export async function virtualAuthenticator(ctx, page) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
    protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
    isUserVerified: true, automaticPresenceSimulation: true } });
  return { cdp, authenticatorId };
}

export function totp(secret, steps = 0, unixSeconds = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// ── The ShopSphere demo (www/), used by demo.test.mjs ─────────────────────────────────────────────────
const { deflateSync, crc32 } = await import('node:zlib');
const { homedir } = await import('node:os');

/**
 * `trunk build` of the trunk project in `cwd` (default: the root's Trunk.toml, the ShopSphere demo: www/ and the
 * release package pkg/ beside it, as the demo command serves it) into a temp dir. Returns `{ dir, remove }`.
 * trunk: $TRUNK, else ~/.cargo/bin/trunk, else trunk on PATH.
 */
export async function buildDemo(cwd = root) {
  const dir = mkdtempSync(join(tmpdir(), 'cognito-wasm-trunk-'));
  const home = join(homedir(), '.cargo', 'bin', 'trunk');
  const trunk = process.env.TRUNK ?? (existsSync(home) ? home : 'trunk');
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`, NO_COLOR: 'true' };
  await new Promise((resolve, reject) => {
    const proc = spawn(trunk, ['build', '--dist', dir], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c) => { out += c; });
    proc.stderr.on('data', (c) => { out += c; });
    proc.on('error', (e) => reject(new Error(`trunk: ${e.message} (install it: scripts/bootstrap.sh demo)`)));
    proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`trunk build failed (${code}):\n${out}`))));
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The demo as the demo command serves it (trunk's build alone), with its config.js pointing at a fresh devstack. */
export async function startDemo() {
  const dist = await buildDemo();
  const h = await start({ appDir: dist.dir, servePkg: false });
  writeFileSync(join(dist.dir, 'config.js'), demoConfig(h));
  return { h, dist, stop: async () => { await h.stop(); dist.remove(); } };
}

/** www/config.js with devstack's default ports replaced by this run's (serve it as /config.js). */
export function demoConfig(h) {
  const source = readFileSync(join(root, 'www', 'config.js'), 'utf8');
  for (const port of [9230, 9231, 9232]) {
    if (!source.includes(`http://localhost:${port}`)) throw new Error(`www/config.js no longer points at devstack (localhost:${port})`);
  }
  return source.replaceAll('http://localhost:9230', h.cognito).replaceAll('http://localhost:9231', h.s3)
    .replaceAll('http://localhost:9232', h.dynamodb);
}

/** Where devstack keeps an object's bytes: <data dir>/s3/<bucket>/<key, non-alphanumerics %XX>.data. */
export function avatarPath(h, bucket, key) {
  const name = [...Buffer.from(key, 'utf8')].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b))
    ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return join(h.data, 'state', 's3', bucket, `${name}.data`);
}

/** A valid RGBA PNG of `width` × `height` (a teal-to-amber gradient with a disc), made with node:zlib. */
export function makePng(width, height) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height);
      const d = Math.hypot(x - width / 2, y - height / 2) < width / 4;
      const p = row + 1 + x * 4;
      raw[p] = d ? 255 : Math.round(15 + t * (245 - 15));
      raw[p + 1] = d ? 255 : Math.round(118 + t * (158 - 118));
      raw[p + 2] = d ? 255 : Math.round(110 + t * (11 - 110));
      raw[p + 3] = 255;
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter method, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
