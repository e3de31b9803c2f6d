// Diagnosis: which wasm functions V8 compiles lazily during one start-up measurement (a fresh page, the
// same page and fixture as browser.mjs), from V8's --trace-wasm-lazy-compilation on the renderer's stdout.
//   node bench/trace.mjs [variant]      variant: cognito-auth (default) or cognito-wasm
// Needs bench/out/ from size.mjs. Prints the number of functions compiled and their wasm bytes.
import { chromium } from 'playwright-core';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { makeFixture } from './lib/fixture.mjs';
import { bundle, snapshot } from './size.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const variant = process.argv[2] || 'cognito-auth';
for (const id of ['cognito-wasm', 'cognito-wasm-verifier']) await bundle(id, { format: 'iife', globalName: 'benchLib' });
const fixture = makeFixture();
const server = await serve(
  { '/bench/': join(bench, 'page'), '/out/': join(bench, 'out'), '/pkg/': snapshot },
  { '/fixture.json': () => JSON.stringify(fixture), '/fixture/jwks.json': () => JSON.stringify(fixture.jwks) },
);
const origin = `http://127.0.0.1:${server.address().port}`;
const bs = await chromium.launchServer({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--js-flags=--trace-wasm-lazy-compilation', '--single-process', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
let out = '';
bs.process().stdout.on('data', (d) => { out += d; }); bs.process().stderr.on('data', (d) => { out += d; });
const browser = await chromium.connect(bs.wsEndpoint());
const page = await (await browser.newContext()).newPage();
await page.goto(`${origin}/bench/startup.html?v=${variant}`);
out = '';
const r = await page.evaluate(() => window.benchStartup());
await new Promise((f) => setTimeout(f, 300));
await browser.close(); await bs.close(); server.close();
const lines = out.split('\n').filter((l) => /lazy|compil/i.test(l));
console.log(JSON.stringify(r.phases));
console.log(lines.length, 'trace lines');
console.log(lines.slice(0, 5).join('\n'));
