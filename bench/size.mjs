// Shipped size of cognito-wasm and of the anchors, bundled in the same run.
//   node bench/size.mjs [--json FILE]
// Each anchor entry (bench/entries/*.js) is bundled with esbuild (ESM, browser, minified, tree-shaken) from
// the pinned packages in bench/node_modules; cognito-wasm is its whole JS glue bundled the same way plus
// cognito_wasm_bg.wasm from pkg/. Sizes: raw, gzip -9, brotli (quality 11). The bundles are kept in
// bench/out/ (the browser benchmark loads them).
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const root = join(bench, '..');
const out = join(bench, 'out');
// The package is measured from a snapshot taken at the start of the run (pkg/ may be rebuilt by someone else
// meanwhile): the glue, the .wasm and package.json, copied to bench/out/pkg/. The browser benchmark uses it too.
export const snapshot = join(out, 'pkg');
const PKG_FILES = ['cognito_wasm.js', 'cognito_wasm_bg.wasm', 'verifier.js', 'verifier_bg.wasm', 'package.json'];
// The glue and the .wasm must come from the same build: every import of the module is named in the glue.
function consistent() {
  return ['cognito_wasm', 'verifier'].every((name) => {
    const glue = readFileSync(join(snapshot, `${name}.js`), 'utf8');
    try {
      const mod = new WebAssembly.Module(readFileSync(join(snapshot, `${name}_bg.wasm`)));
      return WebAssembly.Module.imports(mod).every((i) => glue.includes(i.name));
    } catch { return false; }
  });
}
export async function snapshotPkg() {
  mkdirSync(snapshot, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    for (const f of PKG_FILES) copyFileSync(join(root, 'pkg', f), join(snapshot, f));
    if (consistent()) return;
    if (attempt === 3) throw new Error('pkg/: the glue and the .wasm are from different builds (is pkg/ being rebuilt?)');
    await new Promise((r) => setTimeout(r, 5000));
  }
}

// The full-library anchors (what an app would use instead of cognito-wasm); the best (smallest) of these is
// the "best anchor" of each size row. `reference` bundles are verifier-only libraries, shown for comparison
// with what cognito-wasm does today, and not used as the best anchor.
export const BUNDLES = [
  { id: 'amplify-auth', label: 'aws-amplify auth (signInWithRedirect + fetchAuthSession + signOut + Hub)', pkgs: ['aws-amplify'] },
  { id: 'amplify-auth-storage', label: 'aws-amplify auth + storage uploadData', pkgs: ['aws-amplify'] },
  { id: 'oidc-client-ts', label: 'oidc-client-ts UserManager', pkgs: ['oidc-client-ts'] },
  { id: 'auth0-spa-js', label: '@auth0/auth0-spa-js', pkgs: ['@auth0/auth0-spa-js'] },
  { id: 'oidc-aws-sdk', label: 'oidc-client-ts + AWS SDK v3 Cognito identity credentials + S3 PutObject',
    pkgs: ['oidc-client-ts', '@aws-sdk/credential-provider-cognito-identity', '@aws-sdk/client-s3'] },
  { id: 'jose', label: 'jose jwtVerify + JWKS (verifier only)', pkgs: ['jose'], reference: true },
  { id: 'aws-jwt-verify', label: 'aws-jwt-verify CognitoJwtVerifier (verifier only)', pkgs: ['aws-jwt-verify'], reference: true },
];

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

const version = (name) => {
  // Installed version, read from the package's own package.json (some packages do not export it).
  for (const base of [join(bench, 'node_modules'), join(root, 'node_modules')]) {
    try { return JSON.parse(readFileSync(join(base, name, 'package.json'), 'utf8')).version; } catch { /* next */ }
  }
  return '?';
};

// `cognito-wasm` resolves to the snapshot of pkg/ (with its package.json, so sideEffects: false applies).
const pkgAlias = {
  name: 'cognito-wasm-from-pkg',
  setup(b) {
    b.onResolve({ filter: /^cognito-wasm$/ }, () => ({ path: join(snapshot, 'cognito_wasm.js') }));
    b.onResolve({ filter: /^cognito-wasm\/verifier$/ }, () => ({ path: join(snapshot, 'verifier.js') }));
  },
};

// format 'esm' (what is measured) or 'iife' (the same code as a classic script defining `globalName`, which the
// start-up benchmark runs from an inline <script> so that no module loading is timed).
export async function bundle(id, { format = 'esm', globalName } = {}) {
  const outfile = format === 'esm' ? join(out, `${id}.js`) : join(out, format, `${id}.js`);
  const result = await build({
    entryPoints: [join(bench, 'entries', `${id}.js`)],
    outfile,
    bundle: true,
    minify: true,
    format,
    globalName,
    platform: 'browser',
    target: 'es2022',
    treeShaking: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    nodePaths: [join(bench, 'node_modules')],
    plugins: [pkgAlias],
    logLevel: 'error',
    // import.meta.url in the glue only locates the .wasm when init() gets no bytes; the benchmark passes them.
    logOverride: { 'empty-import-meta': 'silent' },
  });
  if (result.errors.length) throw new Error(`esbuild ${id}: ${result.errors.map((e) => e.text).join('; ')}`);
  return readFileSync(outfile);
}

export async function measureSizes() {
  await snapshotPkg();
  const wasmBytes = readFileSync(join(snapshot, 'cognito_wasm_bg.wasm'));
  const glueMin = await bundle('cognito-wasm');
  const wasm = measure(wasmBytes);
  const glue = measure(glueMin);
  const gluePkg = measure(readFileSync(join(snapshot, 'cognito_wasm.js')));
  const ours = {
    id: 'cognito-wasm',
    label: 'cognito-wasm (.wasm + minified glue)',
    version: JSON.parse(readFileSync(join(snapshot, 'package.json'), 'utf8')).version,
    wasm, glue, glueUnminified: gluePkg, total: add(wasm, glue),
    exports: Object.keys(await import(join(snapshot, 'cognito_wasm.js'))).sort(),
  };
  const verifierWasm = measure(readFileSync(join(snapshot, 'verifier_bg.wasm')));
  const verifierGlue = measure(await bundle('cognito-wasm-verifier'));
  ours.verifierEntry = { label: 'cognito-wasm/verifier (.wasm + minified glue)', wasm: verifierWasm, glue: verifierGlue,
    total: add(verifierWasm, verifierGlue) };
  const anchors = [];
  for (const b of BUNDLES) {
    const bytes = await bundle(b.id);
    anchors.push({ ...b, versions: Object.fromEntries(b.pkgs.map((p) => [p, version(p)])), ...measure(bytes) });
  }
  return { cognitoWasm: ours, anchors, esbuild: version('esbuild') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureSizes();
  const kb = (n) => `${(n / 1000).toFixed(1)} K`.padStart(10);
  console.log(`${'bundle'.padEnd(76)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
  const line = (l, m) => console.log(`${l.padEnd(76)}${kb(m.raw)}${kb(m.gzip)}${kb(m.brotli)}`);
  line('cognito-wasm .wasm', r.cognitoWasm.wasm);
  line('cognito-wasm glue (minified)', r.cognitoWasm.glue);
  line('cognito-wasm total', r.cognitoWasm.total);
  line('cognito-wasm/verifier total', r.cognitoWasm.verifierEntry.total);
  for (const a of r.anchors) line(a.label, a);
  const i = process.argv.indexOf('--json');
  if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify(r, null, 2));
}
