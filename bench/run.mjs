// The whole benchmark (scripts/bench.sh runs this): sizes, then the browser measurements, then one table.
// Writes bench/results.json.   node bench/run.mjs [--quick]
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureSizes, snapshot } from './size.mjs';
import { runBrowser } from './browser.mjs';
import { breakdown } from './lib/wasm-breakdown.mjs';
import { report, GOALS } from './report.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const log = (s) => process.stderr.write(`${s}\n`);
const started = Date.now();

log('size: bundling the anchors and measuring');
const size = await measureSizes();
const bd = breakdown(join(snapshot, 'cognito_wasm_bg.wasm'), join(bench, '..'), join(bench, 'out'), log);
log(`browser: start-up and verification${quick ? ' (quick smoke run: not the benchmark figures)' : ''}`);
const browser = await runBrowser({ quick, log });
const { text, rows } = report(size, browser, bd);
console.log(text);
const results = {
  date: new Date().toISOString(), quick, seconds: Math.round((Date.now() - started) / 1000),
  goals: GOALS, rows, size, browser, wasmBreakdown: bd,
};
writeFileSync(join(bench, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
log(`wrote bench/results.json (${results.seconds} s)`);
