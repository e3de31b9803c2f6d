// What V8 charges for a wasm function's first call (it compiles each function lazily, when first called):
// a module of N three-instruction functions calling each other in a chain against one function doing the
// same N additions, first and second call, in fresh headless-Chromium pages. docs/benchmarks.md's start-up section
// cites its figures.   node bench/first-call.mjs [N=300] [--runs 15]
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv[2]) || 300;
const ri = process.argv.indexOf('--runs');
const runs = ri > 0 ? Number(process.argv[ri + 1]) : 15;
const dir = mkdtempSync(join(tmpdir(), 'first-call-'));
const chain = ['(module'];
for (let i = 0; i < n; i++) {
  const next = i < n - 1 ? `(call $f${i + 1} (i32.add (local.get 0) (i32.const ${i})))` : '(local.get 0)';
  chain.push(` (func $f${i} (param i32) (result i32) ${next})`);
}
chain.push(' (export "f" (func $f0)))');
let body = '(local.get 0)';
for (let i = 0; i < n; i++) body = `(i32.add ${body} (i32.const ${i}))`;
writeFileSync(join(dir, 'many.wat'), chain.join('\n'));
writeFileSync(join(dir, 'one.wat'), `(module (func $f (param i32) (result i32) ${body}) (export "f" (func $f)))`);
for (const m of ['many', 'one']) {
  execFileSync(join(root, 'node_modules', '.bin', 'wasm-opt'), [join(dir, `${m}.wat`), '-o', join(dir, `${m}.wasm`)], { stdio: 'ignore' });
}
writeFileSync(join(dir, 'index.html'), `<script>
window.t = async (name) => {
  const m = await WebAssembly.compile(await (await fetch(name)).arrayBuffer());
  const i = await WebAssembly.instantiate(m);
  const t0 = performance.now(); i.exports.f(1); const t1 = performance.now(); i.exports.f(1);
  return [t1 - t0, performance.now() - t1];
};
</script>`);
const server = await serve({ '/': dir }, {});
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const res = { 'many.wasm': [], 'one.wasm': [] };
try {
  for (let k = 0; k < runs; k++) {
    for (const name of Object.keys(res)) {
      const c = await browser.newContext();
      const p = await c.newPage();
      await p.goto(`${origin}/index.html`);
      res[name].push(await p.evaluate((x) => window.t(x), name));
      await c.close();
    }
  }
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const [many, one] = [res['many.wasm'], res['one.wasm']].map((r) => [med(r.map((x) => x[0])), med(r.map((x) => x[1]))]);
console.log(`${n} functions in a chain: first call ${many[0].toFixed(3)} ms, second ${many[1].toFixed(3)} ms`);
console.log(`one function, same additions: first call ${one[0].toFixed(3)} ms, second ${one[1].toFixed(3)} ms`);
console.log(`≈ ${((1000 * (many[0] - one[0])) / n).toFixed(1)} µs per function first called (median of ${runs} fresh pages each)`);
