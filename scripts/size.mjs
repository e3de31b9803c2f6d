// Size report of the shipped npm package (pkg/): the .wasm and the JS glue, raw, gzip -9 and brotli,
// checked against the committed budget in size-budget.json (a ratchet: raise it only with a reason).
//   node scripts/size.mjs           report and enforce the budget
//   node scripts/size.mjs --json F  also write the figures as JSON to F
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
const files = ['cognito_wasm_bg.wasm', 'cognito_wasm.js'];

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const rows = files.map((f) => ({ file: f, ...measure(readFileSync(join(root, 'pkg', f))) }));
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });

const kb = (n) => (n / 1000).toFixed(1).padStart(7);
console.log('size of the shipped package (KB = 1000 bytes)');
console.log(`${'file'.padEnd(24)}${'raw'.padStart(9)}${'gzip'.padStart(9)}${'brotli'.padStart(9)}`);
for (const r of [...rows, { file: 'total (wasm + glue)', ...total }]) {
  console.log(`${r.file.padEnd(24)}${kb(r.raw)} K${kb(r.gzip)} K${kb(r.brotli)} K`);
}
console.log(`budget: total gzip ≤ ${budget.totalGzipBytes} bytes (${budget.reason})`);
console.log('reference (shared/TOOLCHAIN.md, not measured in this run): ' +
  'jsonwebtoken + RS256-only provider, .wasm alone 82.6 K gz; aws-jwt-verify 5.9 K; oidc-client-ts 17.8 K; ' +
  'Amplify auth + storage 46.2 K');

const i = process.argv.indexOf('--json');
if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify({ files: rows, total, budget }, null, 2));

if (total.gzip > budget.totalGzipBytes) {
  console.log(`size: FAIL: ${total.gzip} bytes gzipped is over the budget of ${budget.totalGzipBytes}`);
  process.exit(1);
}
console.log(`size: ok: ${total.gzip} of ${budget.totalGzipBytes} bytes gzipped (${(100 * total.gzip / budget.totalGzipBytes).toFixed(1)}% of budget)`);
