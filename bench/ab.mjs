// A/B start-up of builds that share one JS glue: the CognitoAuth returning-visit measurement of
// browser.mjs (bench/page/startup.js), alternating fresh browser contexts between the builds' .wasm files.
//   node bench/ab.mjs <dirA> <dirB> [...] [--runs N] [--variant cognito-auth|cognito-wasm]
// Each dir holds cognito_wasm_bg.wasm (and verifier_bg.wasm); the glue is bench/out's (node bench/size.mjs).
// Prints the medians per phase for each build. A diagnosis tool: bench.sh gives the figures of record.
import { chromium } from 'playwright-core';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { makeFixture } from './lib/fixture.mjs';
import { bundle } from './size.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); if (i < 0) return dflt; const v = args[i + 1]; args.splice(i, 2); return v; };
const runs = Number(opt('--runs', 20));
const variant = opt('--variant', 'cognito-auth');
const dirs = args.map((d) => resolve(d));
for (const id of ['cognito-wasm', 'cognito-wasm-verifier']) await bundle(id, { format: 'iife', globalName: 'benchLib' });
const fixture = makeFixture();
const routes = { '/bench/': join(bench, 'page'), '/out/': join(bench, 'out') };
dirs.forEach((d, i) => { routes[`/pkg${i}/`] = d; });
const server = await serve(routes, { '/fixture.json': () => JSON.stringify(fixture), '/fixture/jwks.json': () => JSON.stringify(fixture.jwks) });
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', ...(process.env.BENCH_CHROMIUM_ARGS || '').split(' ').filter(Boolean)] });
const samples = dirs.map(() => []);
for (let r = 0; r < runs; r++) {
  for (let i = 0; i < dirs.length; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/bench/startup.html?v=${variant}&pkg=/pkg${i}/`);
    const x = await page.evaluate(() => window.benchStartup());
    if (x.error) throw new Error(x.error);
    samples[i].push(x);
    await context.close();
  }
}
await browser.close(); server.close();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
dirs.forEach((d, i) => {
  const s = samples[i];
  const ph = Object.keys(s[0].phases).map((k) => `${k} ${median(s.map((x) => x.phases[k])).toFixed(2)}`).join('  ');
  console.log(`${d}: total ${median(s.map((x) => x.total)).toFixed(2)}  restore ${median(s.map((x) => x.restore)).toFixed(2)}  | ${ph}`);
});
