// Edits wasm-bindgen's JS glue (before esbuild minifies it), each edit of one exact piece of text that must
// occur once: the build fails when a wasm-bindgen upgrade changed the glue's shape.
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
  // Used before init(): an AuthError ERR_NOT_INITIALIZED, not "Cannot read properties of undefined". Until
  // init() or initSync() finishes, `wasm` is a stand-in whose every property throws it.
  ['let wasmModule, wasmInstance, wasm;',
    'let wasmModule, wasmInstance, ready, wasm = new Proxy({}, { get() { throw Object.assign('
    + 'Error("cognito-wasm: call init() or initSync() first"), { name: "AuthError", code: "ERR_NOT_INITIALIZED" }); } });'],
  ['    wasm = instance.exports;', '    wasm = instance.exports; ready = 1;'],
  ['function initSync(module) {\n    if (wasm !== undefined) return wasm;', 'function initSync(module) {\n    if (ready) return wasm;'],
  ['async function __wbg_init(module_or_path) {\n    if (wasm !== undefined) return wasm;', 'async function __wbg_init(module_or_path) {\n    if (ready) return wasm;'],
  // The same warnings, in fewer bytes.
  ['"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n"',
    '"cognito-wasm: the .wasm is not served as application/wasm, so it is compiled the slower way:"'],
  ["'using deprecated parameters for `initSync()`; pass a single object instead'", "'cognito-wasm: call initSync({ module })'"],
  ["'using deprecated parameters for the initialization function; pass a single object instead'", "'cognito-wasm: call init({ module_or_path })'"],
];
for (const [from, to] of edits) {
  if (js.split(from).length !== 2) {
    console.error(`${path}: no single ${JSON.stringify(from)} to patch`);
    process.exit(1);
  }
  js = js.replace(from, to);
}
writeFileSync(path, js);
