// Size report of the shipped npm package (pkg/): each entry point's .wasm and JS glue, raw, gzip -9 and
// brotli, checked against the committed ratchet in size-budget.json (each landing sets it to its size + 2%;
// raise it only with a reason), then the price list of scripts/prices.sh (target/prices/prices.json): what
// each JS method and each part costs, so that a change shows what it adds.
//   node scripts/size.mjs           report and enforce the budget
//   node scripts/size.mjs --json F  also write the figures as JSON to F
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
const ENTRIES = [
  { entry: 'cognito-wasm', files: ['cognito_wasm_bg.wasm', 'cognito_wasm.js'], budget: budget.totalGzipBytes },
  { entry: 'cognito-wasm/verifier', files: ['verifier_bg.wasm', 'verifier.js'], budget: budget.verifierGzipBytes },
];

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const sum = (rows) => rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });
const kb = (n) => (n / 1000).toFixed(1).padStart(7);

console.log('size of the shipped package (KB = 1000 bytes)');
console.log(`${'file'.padEnd(28)}${'raw'.padStart(9)}${'gzip'.padStart(9)}${'brotli'.padStart(9)}`);
const results = [];
for (const e of ENTRIES) {
  const rows = e.files.map((f) => ({ file: f, ...measure(readFileSync(join(root, 'pkg', f))) }));
  const total = sum(rows);
  results.push({ ...e, rows, total });
  for (const r of [...rows, { file: `${e.entry} (wasm + glue)`, ...total }]) {
    console.log(`${r.file.padEnd(28)}${kb(r.raw)} K${kb(r.gzip)} K${kb(r.brotli)} K`);
  }
}
console.log(`budget (size-budget.json): ${budget.reason}`);

// The price list, when scripts/prices.sh ran on this build (same full-package size).
const pricesPath = join(root, 'target', 'prices', 'prices.json');
let prices = null;
if (existsSync(pricesPath)) {
  prices = JSON.parse(readFileSync(pricesPath, 'utf8'));
  const full = prices.find((p) => p.name === 'full package');
  const fresh = full && full.gzip === results[0].total.gzip;
  console.log(`\nprice list (scripts/prices.sh: gzip bytes the package loses without it${fresh ? '' : '; NOT this build: run scripts/prices.sh'})`);
  for (const p of prices) console.log(`${kb(p.gzip)} K  ${p.name.replace(/^(part|method):/, (_, k) => (k === 'part' ? 'part   ' : 'method '))}`);
  if (full) {
    const parts = prices.filter((p) => /^part:(sign-in|session|credentials \+)/.test(p.name)).reduce((t, p) => t + p.gzip, 0);
    console.log(`${kb(full.gzip - parts)} K  shared by all (constructor, storage, verifier, runtime): full package minus the three flow parts`);
  }
}

const i = process.argv.indexOf('--json');
if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify({ entries: results, budget, prices }, null, 2));

let failed = false;
for (const r of results) {
  if (r.total.gzip > r.budget) {
    console.log(`size: FAIL: ${r.entry} is ${r.total.gzip} bytes gzipped, over the budget of ${r.budget}`);
    failed = true;
  } else {
    console.log(`size: ok: ${r.entry} ${r.total.gzip} of ${r.budget} bytes gzipped (${(100 * r.total.gzip / r.budget).toFixed(1)}% of budget)`);
  }
}
process.exit(failed ? 1 : 0);
