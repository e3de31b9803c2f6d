// Which wasm functions a returning visit runs, and so compiles: V8 compiles each wasm function when it is
// first called (lazily, with Liftoff), so the start-up of `new CognitoAuth` + `currentUser()` follows the
// number and size of the functions they reach. Deterministic, unlike the timings of bench.sh.
//   node bench/lazy.mjs [--list N]     (right after scripts/build-pkg.sh: target/pkg's last build is then the
//                                       full package; the script checks that it is the one in pkg/)
// It takes the size report's named copy of that wasm (wasm-bindgen, wasm-opt with the package's flags and -g), adds
// binaryen's --log-execution (a call at each function entry and loop), runs the returning visit of
// bench/page/startup.js in headless Chromium, and prints per phase: functions first run, their bytes;
// then the whole visit's functions by crate.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './lib/server.mjs';
import { makeFixture } from './lib/fixture.mjs';
import { parse, owner, namedBuild, OPT_FEATURES } from './lib/wasm-breakdown.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = join(bench, '..');
const list = Number(process.argv[process.argv.indexOf('--list') + 1] || 0) || 0;
// The named copy the size report's byte split uses (bench/out/names/: named.js, named.wasm).
const nb = namedBuild(root, join(bench, 'out'), (m) => process.stderr.write(`${m}\n`));
if (nb.skipped) throw new Error(nb.skipped);
const dir = dirname(nb.path);
const wasmOpt = (...a) => execFileSync(join(root, 'node_modules', '.bin', 'wasm-opt'), [...a, ...OPT_FEATURES], { maxBuffer: 1 << 30 });
wasmOpt('--log-execution', '-g', nb.path, '-o', join(dir, 'instrumented.wasm'));
const wat = wasmOpt('--print', join(dir, 'instrumented.wasm')).toString().split('\n');

// Logging site id → the ordinal of the defined function it is in (the same order as in named.wasm).
const logImport = /\(import "[^"]*" "log_execution" \(func \$(\S+)/.exec(wat.find((l) => l.includes('"log_execution"')))[1];
const siteFn = new Map();
let ordinal = -1;
const names = [];
for (let i = 0; i < wat.length; i++) {
  const m = /^ \(func \$("(?:[^"\\]|\\.)*"|\S+)/.exec(wat[i]);
  if (m) { ordinal++; names.push(m[1].replace(/^"|"$/g, '').replace(/\[[0-9a-f]{16}\]/g, '')); }
  if (wat[i].includes(`call $${logImport}`)) siteFn.set(Number(/i32\.const (\d+)/.exec(wat[i + 1])[1]), ordinal);
}
const named = parse(readFileSync(join(dir, 'named.wasm')));
const shipped = parse(readFileSync(join(root, 'pkg', 'cognito_wasm_bg.wasm')));
const codeLen = (m) => m.sections.find((s) => s.id === 10).len;
if (codeLen(named) !== codeLen(shipped)) {
  throw new Error('target/pkg holds another build than pkg/cognito_wasm_bg.wasm (scripts/prices.sh builds variants there): run scripts/build-pkg.sh');
}
const bodies = named.bodies;

const fixture = makeFixture();
const server = await serve({ '/bench/': join(bench, 'page'), '/lazy/': dir }, { '/fixture/jwks.json': () => JSON.stringify(fixture.jwks) });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
let r;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/lazy.html`);
  r = await page.evaluate((fx) => window.benchLazy(fx), fixture);
} finally {
  await browser.close();
  server.close();
}
if (r.sub !== fixture.sub) throw new Error(`not signed in after restore (sub ${r.sub})`);
const seen = new Set();
console.log(`${bodies.length} functions in the module (${bodies.reduce((t, b) => t + b.size, 0)} bytes of code)`);
for (const phase of ['construct', 'currentUser']) {
  const fns = [...new Set(r[phase].map((id) => siteFn.get(id)))].filter((f) => !seen.has(f));
  fns.forEach((f) => seen.add(f));
  const bytes = fns.reduce((t, f) => t + bodies[f].size, 0);
  console.log(`${phase}: ${fns.length} functions first run, ${bytes} bytes of code`);
  for (const f of fns.sort((a, b) => bodies[b].size - bodies[a].size).slice(0, list)) console.log(`  ${String(bodies[f].size).padStart(6)} ${names[f].slice(0, 140)}`);
}
console.log(`returning visit: ${seen.size} functions, ${[...seen].reduce((t, f) => t + bodies[f].size, 0)} bytes of code`);
// By crate (cognito_wasm by module), as the size report splits the bytes.
const by = new Map();
for (const f of seen) {
  const k = owner(names[f]);
  const g = by.get(k) || { functions: 0, bytes: 0 };
  g.functions++; g.bytes += bodies[f].size; by.set(k, g);
}
for (const [k, g] of [...by].sort((a, b) => b[1].functions - a[1].functions)) {
  console.log(`  ${String(g.functions).padStart(4)} functions ${String(g.bytes).padStart(6)} bytes  ${k}`);
}
