// Shortens the names of the wasm module's imports (wasm-bindgen's `__wbg_<name>_<16 hex digits>`) and of
// its closure-invoke exports (`wasm_bindgen_<16 hex digits>___convert__closures…`, ~200 characters each) to
// a few characters, in the .wasm and in its JS glue alike. The names are internal to the pair (the glue
// builds the import object the module asks for and calls those exports), incompressible in both files.
//   node scripts/minify-imports.mjs <pkg-dir> <out-name>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, name] = process.argv.slice(2);
const wasmPath = join(dir, `${name}_bg.wasm`);
const jsPath = join(dir, `${name}.js`);
const bytes = readFileSync(wasmPath);
let js = readFileSync(jsPath, 'utf8');

const leb = (buf, p) => { let r = 0, s = 0, b; do { b = buf[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return [r, p]; };
const enc = (n) => { const out = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n); return Buffer.from(out); };
const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([enc(b.length), b]); };

// Short names that cannot clash with anything else the glue's import object holds.
const short = (i) => `_${i.toString(36)}`;
let p = 8;
const out = [bytes.subarray(0, 8)];
const renamed = new Map();
const renamedExports = new Map();
while (p < bytes.length) {
  const id = bytes[p];
  const [len, start] = leb(bytes, p + 1);
  const end = start + len;
  if (id === 7) {
    // Exports: rename only wasm-bindgen's closure-invoke shims, which only the glue calls.
    let q = start;
    let count; [count, q] = leb(bytes, q);
    const parts = [enc(count)];
    for (let i = 0; i < count; i++) {
      let n; [n, q] = leb(bytes, q); const field = bytes.subarray(q, q + n).toString(); q += n;
      const descStart = q;
      q++; [, q] = leb(bytes, q);
      let newField = field;
      if (/^wasm_bindgen_[0-9a-f]{16}___convert__closures/.test(field) && js.split(field).length === 2) {
        newField = `$${renamedExports.size.toString(36)}`;
        renamedExports.set(field, newField);
      }
      parts.push(str(newField), bytes.subarray(descStart, q));
    }
    const body = Buffer.concat(parts);
    out.push(Buffer.from([7]), enc(body.length), body);
    p = end;
    continue;
  }
  if (id !== 2) { out.push(bytes.subarray(p, end)); p = end; continue; }
  let q = start;
  let count; [count, q] = leb(bytes, q);
  const parts = [enc(count)];
  for (let i = 0; i < count; i++) {
    let n; [n, q] = leb(bytes, q); const module = bytes.subarray(q, q + n).toString(); q += n;
    [n, q] = leb(bytes, q); const field = bytes.subarray(q, q + n).toString(); q += n;
    const descStart = q;
    const kind = bytes[q++];
    if (kind === 0) { [, q] = leb(bytes, q); }
    else if (kind === 1) { q++; let f; [f, q] = leb(bytes, q); [, q] = leb(bytes, q); if (f & 1) [, q] = leb(bytes, q); }
    else if (kind === 2) { let f; [f, q] = leb(bytes, q); [, q] = leb(bytes, q); if (f & 1) [, q] = leb(bytes, q); }
    else if (kind === 3) { q += 2; }
    else throw new Error(`import kind ${kind} not handled`);
    let newField = field;
    // Only wasm-bindgen's hashed glue functions, and only where the glue names each exactly once.
    if (/^__wbg_\w+_[0-9a-f]{16}$/.test(field) && js.split(field).length === 2) {
      newField = renamed.get(field) ?? short(renamed.size);
      renamed.set(field, newField);
    }
    parts.push(str(module), str(newField), bytes.subarray(descStart, q));
  }
  const body = Buffer.concat(parts);
  out.push(Buffer.from([2]), enc(body.length), body);
  p = end;
}
for (const [from, to] of [...renamed, ...renamedExports]) js = js.replace(from, to);
writeFileSync(wasmPath, Buffer.concat(out));
writeFileSync(jsPath, js);
console.log(`minify-imports: ${renamed.size} import and ${renamedExports.size} export names shortened in ${name}`);
