// Where the bytes of cognito_wasm_bg.wasm go: per section, and its code per Rust crate (cognito_wasm per
// module). The shipped module has no names, so the same build is rebuilt with names kept
// (target/pkg/…/cognito_wasm.wasm → wasm-bindgen → wasm-opt with the package's flags and -g, cached in
// bench/out/names/); the attribution is
// used only when that module's code section is byte-for-byte the size of the shipped one (same build).
import { readFileSync, existsSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

// Same wasm-opt features as scripts/build-pkg.sh.
export const OPT_FEATURES = ['--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext', '--enable-mutable-globals',
  '--enable-nontrapping-float-to-int', '--enable-reference-types', '--enable-multivalue'];
const SECTION = { 0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory', 6: 'global', 7: 'export',
  8: 'start', 9: 'element', 10: 'code', 11: 'data', 12: 'datacount' };

export function parse(bytes) {
  let p = 8;
  const leb = () => { let r = 0, s = 0, x; do { x = bytes[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
  const str = () => { const n = leb(); const v = bytes.subarray(p, p + n).toString(); p += n; return v; };
  const sections = [];
  let importedFuncs = 0;
  const bodies = [];
  const names = new Map();
  while (p < bytes.length) {
    const id = bytes[p++];
    const len = leb();
    const start = p;
    const end = start + len;
    const s = { id, name: SECTION[id] || `#${id}`, len, start, end };
    if (id === 0) s.name = `custom:${str()}`;
    if (id === 2) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        str(); str();
        const kind = bytes[p++];
        if (kind === 0) { leb(); importedFuncs++; }
        else if (kind === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); }
        else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); }
        else if (kind === 3) { p += 2; }
        else if (kind === 4) { p++; leb(); }
      }
    }
    if (id === 10) {
      const n = leb();
      for (let i = 0; i < n; i++) { const size = leb(); bodies.push({ index: importedFuncs + i, start: p, size }); p += size; }
    }
    if (s.name === 'custom:name') {
      while (p < end) {
        const sub = bytes[p++];
        const sl = leb();
        const ss = p;
        if (sub === 1) { const n = leb(); for (let i = 0; i < n; i++) { const idx = leb(); names.set(idx, str()); } }
        p = ss + sl;
      }
    }
    sections.push(s);
    p = end;
  }
  return { sections, bodies, names };
}

// The crate a (demangled) function name belongs to; cognito_wasm split by module.
export function owner(name) {
  if (!name) return '(unnamed)';
  let n = name.replace(/\[[0-9a-f]{8,}\]/g, '');   // crate disambiguators: core[c5930c85a12de822]
  if (/^(__wbindgen|__wbg|__externref|__wasm_bindgen)/.test(n)) return 'wasm_bindgen (runtime)';
  if (!n.includes('::') && (/ shim/.test(n) || /^[a-z0-9]+_[A-Za-z0-9]+$/.test(n))) return 'wasm_bindgen (export shims)';
  n = n.replace(/^<+/, '').replace(/^(&(mut )?|\*(const|mut) )/, '');
  // A primitive or generic receiver (<f64 as core::fmt::Display>, <T as alloc::…>, <[T]>::…): the trait's crate.
  const recv = /^[\[(]?(?:[A-Z]\w*|[iu](?:8|16|32|64|128|size)|f32|f64|bool|char|str)[\])]?(?:; \w+\])?( as |>)/.exec(n);
  if (recv) {
    if (recv[1] === '>') return 'core';
    n = n.slice(recv.index + recv[0].length);
  }
  const m = /^([a-z_][a-z0-9_]*)::([a-z_][a-z0-9_]*)?(?:::([a-z_][a-z0-9_]*)::)?/.exec(n);
  if (!m) return /^(mem|str|bcmp|dl|malloc|free|realloc|calloc)/.test(n) ? 'libc/compiler_builtins' : 'other';
  if (m[1] === 'cognito_wasm') {
    return ['platform', 'js', 'jwt'].includes(m[2]) && m[3] ? `cognito_wasm::${m[2]}::${m[3]}` : `cognito_wasm::${m[2] || ''}`;
  }
  if (m[1] === '__rustc' || m[1] === 'std') return 'std/alloc runtime';
  if (m[1] === 'core' && ['fmt', 'num', 'str'].includes(m[2])) return `core::${m[2]}`;
  return m[1];
}

export function namedBuild(root, out, log) {
  // scripts/build-pkg.sh builds in target/pkg (PKG_TARGET_DIR), the full package last.
  const target = join(root, 'target', 'pkg', 'wasm32-unknown-unknown', 'release', 'cognito_wasm.wasm');
  if (!existsSync(target)) return { skipped: 'no target/pkg/wasm32-unknown-unknown/release/cognito_wasm.wasm' };
  const st = statSync(target);
  const dir = join(out, 'names');
  const named = join(dir, 'named.wasm');
  const stamp = join(dir, 'stamp');
  const key = `${st.size}:${st.mtimeMs}`;
  if (existsSync(named) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return { path: named };
  mkdirSync(dir, { recursive: true });
  try {
    log('size: building a named copy of the wasm for the byte breakdown (wasm-bindgen + wasm-opt -Oz -g, once per build)');
    execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', dir, '--out-name', 'named', target], { stdio: 'ignore', timeout: 60_000 });
    execFileSync(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--converge', '--low-memory-unused', '-aimfs=4', '-g', ...OPT_FEATURES, join(dir, 'named_bg.wasm'), '-o', named],
      { stdio: 'ignore', timeout: 120_000 });
    writeFileSync(stamp, key);
    return { path: named };
  } catch (e) {
    return { skipped: `named build failed: ${String(e.message).split('\n')[0]}` };
  }
}

export function breakdown(shippedPath, root, out, log = () => {}) {
  const bytes = readFileSync(shippedPath);
  const shipped = parse(bytes);
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  const totalGz = gz(bytes);
  const sections = shipped.sections.map((s) => ({ section: s.name, raw: s.len, gzAlone: gz(bytes.subarray(s.start, s.end)) }));
  const result = { totalRaw: bytes.length, totalGz, sections };
  const nb = namedBuild(root, out, log);
  if (nb.skipped) return { ...result, crates: null, note: nb.skipped };
  const nbytes = readFileSync(nb.path);
  const named = parse(nbytes);
  const codeLen = (x) => x.sections.find((s) => s.id === 10)?.len;
  if (codeLen(named) !== codeLen(shipped) || named.bodies.length !== shipped.bodies.length) {
    return { ...result, crates: null, note: 'the named rebuild differs from the shipped module (target/ is from another build): no per-crate split' };
  }
  const groups = new Map();
  for (const b of named.bodies) {
    const k = owner(named.names.get(b.index));
    const g = groups.get(k) || { owner: k, functions: 0, raw: 0, parts: [] };
    g.functions++; g.raw += b.size; g.parts.push(nbytes.subarray(b.start, b.start + b.size));
    groups.set(k, g);
  }
  // gz per owner: its function bodies compressed together, scaled so that the owners add up to the code
  // section's share of the module's gzip size (approximate: gzip does not split by function).
  const code = shipped.sections.find((s) => s.id === 10);
  const codeShareGz = totalGz * (code.len / bytes.length);
  const list = [...groups.values()].map((g) => ({ owner: g.owner, functions: g.functions, raw: g.raw, gzAlone: gz(Buffer.concat(g.parts)) }));
  const sumAlone = list.reduce((t, g) => t + g.gzAlone, 0);
  for (const g of list) g.gzApprox = Math.round((g.gzAlone * codeShareGz) / sumAlone);
  list.sort((a, b) => b.raw - a.raw);
  return { ...result, crates: list };
}
