// The restore of a returning visit twice in one fresh page (bench/page/twice.js), 15 pages: the medians of the
// first and the second `new CognitoAuth` + `currentUser()`. Chromium flags in BENCH_CHROMIUM_ARGS show what V8's
// tiers do to the first one (docs/benchmarks.md), e.g.
//   BENCH_CHROMIUM_ARGS='--js-flags=--no-wasm-lazy-compilation' node bench/twice.mjs
// A diagnosis tool (after scripts/bench.sh or node bench/size.mjs made bench/out/); bench.sh gives the figures
// of record.
import { chromium } from 'playwright-core';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { makeFixture } from './lib/fixture.mjs';
import { bundle } from './size.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
await bundle('cognito-wasm', { format: 'iife', globalName: 'benchLib' });
const fixture = makeFixture();
const server = await serve(
  { '/bench/': join(bench, 'page'), '/out/': join(bench, 'out'), '/pkg0/': join(bench, '..', 'pkg') },
  { '/fixture.json': () => JSON.stringify(fixture), '/fixture/jwks.json': () => JSON.stringify(fixture.jwks) },
);
const origin = `http://127.0.0.1:${server.address().port}`;
const args = ['--no-sandbox', '--disable-gpu', ...(process.env.BENCH_CHROMIUM_ARGS || '').split(' ').filter(Boolean)];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
const runs = [];
try {
  for (let i = 0; i < 15; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/bench/twice.html`);
    const r = await page.evaluate(() => window.benchTwice());
    if (r.error) throw new Error(r.error);
    runs.push(r);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const row = (k) => ['construct', 'currentUser'].map((p) => `${p} ${median(runs.map((r) => r[k][p])).toFixed(2)}`).join(', ');
console.log(`flags: ${process.env.BENCH_CHROMIUM_ARGS || '(none)'}`);
console.log(`first restore:  ${row(0)} ms`);
console.log(`second restore: ${row(1)} ms`);
