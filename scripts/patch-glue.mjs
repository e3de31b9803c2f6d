// Edits wasm-bindgen's JS glue (before esbuild minifies it) and its .d.ts, each edit of one exact piece of
// text that must occur once: the build fails when a wasm-bindgen upgrade changed their shape.
//   node scripts/patch-glue.mjs <glue.js>
import { readFileSync, writeFileSync } from 'node:fs';

const [path] = process.argv.slice(2);
let js = readFileSync(path, 'utf8');
const edits = [
  // Node's fetch reads no file: URL, so there `await init()` with no argument fails with "fetch failed":
  // that error names the way that works (initSync).
  ['module_or_path = fetch(module_or_path);',
    'const url = module_or_path; module_or_path = fetch(url).catch((e) => { '
    + 'throw /^file:/.test(url) ? Error(`cognito-wasm: cannot fetch ${url}: in Node, use initSync`, { cause: e }) : e; });'],
  // The AuthError class (src/js/auth-error.js, which src/js/mod.rs imports) inlined and exported, for
  // `instanceof`. Used before init(): an AuthError ERR_NOT_INITIALIZED, not "Cannot read properties of
  // undefined". Until init() or initSync() finishes, `wasm` is a stand-in whose every property throws it.
  [/import \{ AuthError \} from '\.\/snippets\/[^']+\/src\/js\/auth-error\.js';/,
    readFileSync(new URL('../src/js/auth-error.js', import.meta.url), 'utf8').replace(/^\/\/.*\n/gm, '')],
  ['let wasmModule, wasmInstance, wasm;',
    'let wasmModule, wasmInstance, ready, wasm = new Proxy({}, { get() { '
    + 'throw new AuthError("cognito-wasm: call init() or initSync() first", "ERR_NOT_INITIALIZED"); } });'],
  ['    wasm = instance.exports;', '    wasm = instance.exports; ready = 1;'],
  ['function initSync(module) {\n    if (wasm !== undefined) return wasm;', 'function initSync(module) {\n    if (ready) return wasm;'],
  ['async function __wbg_init(module_or_path) {\n    if (wasm !== undefined) return wasm;', 'async function __wbg_init(module_or_path) {\n    if (ready) return wasm;'],
  // The same warnings, in fewer bytes.
  ['"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n"',
    '"cognito-wasm: the .wasm is not served as application/wasm, so it is compiled the slower way:"'],
  ["'using deprecated parameters for `initSync()`; pass a single object instead'", "'cognito-wasm: call initSync({ module })'"],
  ["'using deprecated parameters for the initialization function; pass a single object instead'", "'cognito-wasm: call init({ module_or_path })'"],
];
const patch = (file, text, list) => {
  for (const [from, to] of list) {
    if (text.split(from).length !== 2 || (from instanceof RegExp && text.match(new RegExp(from, 'g')).length !== 1)) {
      console.error(`${file}: no single ${from instanceof RegExp ? from : JSON.stringify(from)} to patch`);
      process.exit(1);
    }
    text = text.replace(from, to);
  }
  return text;
};
writeFileSync(path, patch(path, js, edits));

// The declarations: `on` typed per event (wasm-bindgen writes no generic signature). Only where the build
// has `on` (scripts/prices.sh builds variants without it).
const dts = path.replace(/\.js$/, '.d.ts');
if (/\n {4}on\(name, listener\) \{/.test(js)) {
  writeFileSync(dts, patch(dts, readFileSync(dts, 'utf8'), [
    ['on(name: AuthEventName, listener: (detail: AuthEventDetail) => void): () => void;',
      'on<E extends AuthEventName>(name: E, listener: (detail: AuthEventMap[E]) => void): () => void;'],
  ]));
}
