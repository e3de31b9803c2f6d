// Browser benchmark: start-up, verification rates and memory, in headless Chromium (playwright-core with
// the system /usr/bin/chromium), served from 127.0.0.1 on a free port. Needs bench/out/ from size.mjs.
//   node bench/browser.mjs [--json FILE] [--runs N] [--quick]
import { chromium } from 'playwright-core';
import { writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { makeFixture } from './lib/fixture.mjs';
import { bundle, snapshot } from './size.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };

export const SETTINGS = {
  startupRuns: 30,            // fresh page loads per start-up variant (round-robin over the variants)
  startupBudgetMs: 90_000,    // stop adding start-up runs after this (at least 5 per variant are kept)
  pageTimeoutMs: 20_000,      // one page's measurement
  verify: {
    tokens: 10_000,           // distinct tokens signed for the cold runs (also the memory run)
    signLimitMs: 30_000,
    chunk: 500,               // the two libraries alternate in chunks of this many verifications
    coldLimitMs: 25_000,      // per library, summed over its chunks
    warm: 10_000,             // verifications of one token
    warmLimitMs: 20_000,      // per library
    memoryMarks: [1, 1000, 2000, 5000, 10_000],
    breakdownRounds: 10,      // time breakdown: interleaved rounds of each kind of call
    breakdownCalls: 30,       // calls per kind per round
    breakdownLimitMs: 5_000,
  },
};
const STARTUP_VARIANTS = ['cognito-wasm', 'jose', 'amplify-auth', 'oidc-client-ts', 'cognito-auth'];
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Nothing leaves the machine: every host but 127.0.0.1 (where the pages are served) fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  // For diagnosis only, e.g. BENCH_CHROMIUM_ARGS='--js-flags=--no-wasm-lazy-compilation'.
  ...(process.env.BENCH_CHROMIUM_ARGS || '').split(' ').filter(Boolean),
];

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const summary = (xs) => ({ n: xs.length, median: median(xs), p10: pct(xs, 0.1), p90: pct(xs, 0.9), min: Math.min(...xs) });

const withTimeout = (promise, ms, what) => Promise.race([
  promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms).unref()),
]);

// quick: a smoke run (few runs and tokens) to check that everything works; its figures are not the benchmark.
export async function runBrowser({ runs = SETTINGS.startupRuns, quick = false, log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const verifySettings = quick
    ? { ...SETTINGS.verify, tokens: 300, warm: 300, chunk: 100, memoryMarks: [1, 100, 300], breakdownRounds: 3, breakdownCalls: 10 }
    : SETTINGS.verify;
  if (quick) runs = Math.min(runs, 3);
  for (const f of ['cognito-wasm.js', 'cognito-wasm-verifier.js', 'jose.js', 'amplify-auth.js', 'oidc-client-ts.js', 'pkg/cognito_wasm_bg.wasm', 'pkg/verifier_bg.wasm']) {
    if (!existsSync(join(bench, 'out', f))) throw new Error(`bench/out/${f} is missing: run node bench/size.mjs first`);
  }
  // The start-up pages run classic-script (IIFE) builds of the same bundles from inline <script> elements.
  for (const id of ['cognito-wasm', 'cognito-wasm-verifier', 'jose', 'amplify-auth', 'oidc-client-ts']) await bundle(id, { format: 'iife', globalName: 'benchLib' });
  const pkgModule = await import(join(snapshot, 'cognito_wasm.js'));
  const variants = STARTUP_VARIANTS.filter((v) => v !== 'cognito-auth' || 'CognitoAuth' in pkgModule);
  const fixture = makeFixture();
  const fixtureJson = JSON.stringify(fixture);
  const jwksJson = JSON.stringify(fixture.jwks);
  const server = await serve(
    { '/bench/': join(bench, 'page'), '/out/': join(bench, 'out'), '/pkg/': snapshot },
    { '/fixture.json': () => fixtureJson, '/fixture/jwks.json': () => jwksJson },
  );
  const origin = `http://127.0.0.1:${server.address().port}`;
  // playwright-core gives the browser a fresh temporary profile (user data dir) and removes it on close.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const result = { browser: `Chromium ${browser.version()}`, startup: {}, verify: null, notes: [] };
  if (!variants.includes('cognito-auth')) result.startup['cognito-auth'] = { skipped: 'CognitoAuth is not exported by the package' };
  try {
    // Start-up: one fresh browser context (its own renderer process and caches) per measurement.
    const samples = Object.fromEntries(variants.map((v) => [v, []]));
    const active = new Set(variants);
    const started = Date.now();
    for (let run = 0; run < runs && active.size; run++) {
      if (run >= 5 && Date.now() - started > SETTINGS.startupBudgetMs) {
        result.notes.push(`start-up: stopped after ${run} runs per variant (time budget ${SETTINGS.startupBudgetMs / 1000} s)`);
        break;
      }
      for (const v of variants) {
        if (!active.has(v)) continue;
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          await page.goto(`${origin}/bench/startup.html?v=${v}`, { timeout: SETTINGS.pageTimeoutMs });
          const r = await withTimeout(page.evaluate(() => window.benchStartup()), SETTINGS.pageTimeoutMs, `start-up ${v}`);
          if (r.skipped) { result.startup[v] = { skipped: r.skipped }; active.delete(v); continue; }
          if (r.error) throw new Error(r.error);
          if (!r.crossOriginIsolated) result.notes.push('start-up: page not cross-origin isolated (coarse timer)');
          samples[v].push(r);
        } catch (e) {
          result.startup[v] = { error: String(e.message || e).split('\n')[0] };
          active.delete(v);
        } finally {
          await context.close();
        }
      }
      if (run === 0) log(`start-up: first round done (${Date.now() - started} ms)`);
    }
    for (const [v, rs] of Object.entries(samples)) {
      if (!rs.length || result.startup[v]) continue;
      const s = { runs: rs.length, total: summary(rs.map((r) => r.total)), load: summary(rs.map((r) => r.load)), restore: summary(rs.map((r) => r.restore)) };
      if (rs[0].phases) {
        s.phases = Object.fromEntries(Object.keys(rs[0].phases).map((k) => [k, summary(rs.map((r) => r.phases[k]))]));
        s.memory = median(rs.map((r) => r.memory));
        s.jwksFetches = rs.filter((r) => r.jwksFetched).length;
        if (rs[0].again) s.again = { construct: summary(rs.map((r) => r.again.construct)), verify: summary(rs.map((r) => r.again.verify)) };
      }
      result.startup[v] = s;
    }
    log(`start-up: done (${Date.now() - started} ms)`);

    // Verification and memory: one page.
    const t = Date.now();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/bench/verify.html`, { timeout: SETTINGS.pageTimeoutMs });
      const v = verifySettings;
      const budget = v.signLimitMs + 2 * v.coldLimitMs + 2 * v.warmLimitMs + 2 * v.breakdownLimitMs + 30_000;
      const r = await withTimeout(page.evaluate((o) => window.benchVerify(o), v), budget, 'verification');
      if (r.error) throw new Error(r.error);
      const rate = (x) => ({ ...x, perSecond: (1000 * x.count) / x.ms });
      result.verify = {
        signed: r.signed,
        cold: { cognito: rate(r.cold.cognito), jose: rate(r.cold.jose) },
        warm: { cognito: rate(r.warm.cognito), jose: rate(r.warm.jose) },
        memory: r.memory,
        breakdown: r.breakdown,
      };
    } catch (e) {
      result.verify = { error: String(e.message || e).split('\n')[0] };
    } finally {
      await context.close();
    }
    log(`verification: done (${Date.now() - t} ms)`);
  } finally {
    await browser.close();
    server.close();
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runBrowser({ runs: Number(arg('--runs', SETTINGS.startupRuns)), quick: process.argv.includes('--quick') });
  const out = arg('--json');
  if (out) writeFileSync(out, JSON.stringify(r, null, 2));
  else console.log(JSON.stringify(r, null, 2));
}
