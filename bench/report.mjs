// The benchmark's table and closing note, from the results of size.mjs and browser.mjs.
export const GOALS = {
  requiredGzipBytes: 100_000, // wasm + glue, gzip -9: the bound of the "Lean" issue
  verifierGzipBytes: 40_000,  // cognito-wasm/verifier, wasm + glue, gzip -9
  startupVsOidc: 1,           // CognitoAuth restore ÷ oidc-client-ts restore, same run
  gzipBytes: 80_000,          // wasm + glue, gzip -9 (0.63× oidc-client-ts + AWS SDK v3 as the anchors measured when it was set)
  moonshotGzipBytes: 46_000,  // Amplify auth + storage as the anchors measured when it was set
  startupMs: 5,               // to signed-in, after the wasm is fetched (median)
  coldVsJose: 0.25,           // cold RS256 verifications/s ÷ jose's
  warmVsJose: 1,              // warm verifications/s ÷ jose's
  memoryGrowthBytes: 65_536,  // growth allowed from 5,000 to 10,000 verifications (one wasm page)
};

const SHORT = {
  'amplify-auth': 'amplify auth', 'amplify-auth-storage': 'amplify auth+storage', 'oidc-client-ts': 'oidc-client-ts',
  'auth0-spa-js': 'auth0-spa-js', 'oidc-aws-sdk': 'oidc+aws-sdk', jose: 'jose', 'aws-jwt-verify': 'aws-jwt-verify',
};
const kb = (b) => (b / 1000).toFixed(1);
const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const rate = (x) => Math.round(x).toLocaleString('en-US');
const ratio = (a, b) => (a / b >= 10 ? (a / b).toFixed(1) : (a / b).toFixed(2));
const pctOver = (v, g) => `${(100 * (v / g - 1)).toFixed(0)}%`;

function rowsFrom(size, br) {
  const rows = [];
  const anchors = size.anchors.filter((a) => !a.reference);
  const ours = size.cognitoWasm.total;
  const bestSize = (k) => anchors.reduce((m, a) => (a[k] < m[k] ? a : m));
  for (const [k, label] of [['raw', 'raw'], ['gzip', 'gzip -9'], ['brotli', 'brotli']]) {
    const b = bestSize(k);
    const row = { id: `size.${k}`, measurement: `shipped size, ${label} (KB): wasm + glue`, unit: 'KB', value: ours[k], display: kb(ours[k]),
      anchor: { id: b.id, value: b[k], display: `${SHORT[b.id]} ${kb(b[k])}` }, ratio: ours[k] / b[k], goal: '-', met: null };
    if (k === 'gzip') {
      const sdk = size.anchors.find((a) => a.id === 'oidc-aws-sdk');
      row.goal = `≤ ${kb(GOALS.gzipBytes)}`;
      row.met = ours.gzip <= GOALS.gzipBytes;
      row.vsOidcSdk = ours.gzip / sdk.gzip;
      rows.push(row);
      rows.push({ ...row, id: 'size.gzip.required', measurement: 'shipped size, gzip -9 (KB): required bound', goal: `≤ ${kb(GOALS.requiredGzipBytes)}`,
        met: ours.gzip <= GOALS.requiredGzipBytes });
      const ve = size.cognitoWasm.verifierEntry;
      if (ve) {
        const refs = size.anchors.filter((a) => a.reference);
        const b = refs.reduce((m, a) => (a.gzip < m.gzip ? a : m));
        rows.push({ id: 'size.verifier', measurement: 'shipped size, gzip -9 (KB): cognito-wasm/verifier', unit: 'KB', value: ve.total.gzip,
          display: kb(ve.total.gzip), anchor: { id: b.id, value: b.gzip, display: `${SHORT[b.id]} ${kb(b.gzip)}` }, ratio: ve.total.gzip / b.gzip,
          goal: `≤ ${kb(GOALS.verifierGzipBytes)}`, met: ve.total.gzip <= GOALS.verifierGzipBytes });
      }
      const amp = size.anchors.find((a) => a.id === 'amplify-auth-storage');
      rows.push({ ...row, id: 'size.gzip.moonshot', measurement: 'shipped size, gzip -9 (KB): moonshot', goal: `≤ ${kb(GOALS.moonshotGzipBytes)}`,
        met: ours.gzip <= GOALS.moonshotGzipBytes, vsAmplifyStorage: ours.gzip / amp.gzip });
      continue;
    }
    rows.push(row);
  }

  const su = br.startup || {};
  const bestOf = (ids, pick) => {
    const c = ids.filter((id) => su[id] && su[id].total).map((id) => ({ id, value: pick(su[id]) }));
    return c.length ? c.reduce((m, x) => (x.value < m.value ? x : m)) : null;
  };
  const stRow = (id, measurement, key, anchorIds, pick, goal) => {
    const s = su[key];
    const a = bestOf(anchorIds, pick);
    const row = { id, measurement, unit: 'ms', anchor: a && { ...a, display: `${SHORT[a.id]} ${ms(a.value)}` }, goal: goal ? `≤ ${ms(goal)}` : '-', met: null };
    if (!s || !s.total) {
      return { ...row, value: null, display: s?.skipped ? 'skipped' : s?.error ? 'error' : 'n/a', note: s?.skipped || s?.error, ratio: null };
    }
    const v = pick(s);
    return { ...row, value: v, display: ms(v), ratio: a ? v / a.value : null, met: goal ? v <= goal : null, runs: s.runs };
  };
  rows.push(stRow('startup.load', 'start-up, load: JS + wasm compile + instantiate (ms)', 'cognito-wasm',
    ['jose', 'amplify-auth', 'oidc-client-ts'], (s) => s.load.median));
  rows.push(stRow('startup.verifier', 'start-up: instantiate + verify stored ID token (JwtVerifier) (ms)', 'cognito-wasm',
    ['jose'], (s) => s.total.median, GOALS.startupMs));
  rows.push(stRow('startup.cognitoAuth', 'start-up: construct CognitoAuth + restore stored session (ms)', 'cognito-auth',
    ['amplify-auth', 'oidc-client-ts'], (s) => s.total.median, GOALS.startupMs));
  {
    const vsOidc = stRow('startup.cognitoAuth.vsOidc', 'start-up: CognitoAuth restore vs oidc-client-ts (ms)', 'cognito-auth',
      ['oidc-client-ts'], (s) => s.total.median);
    if (vsOidc.ratio != null) Object.assign(vsOidc, { goal: `≤ ${GOALS.startupVsOidc}× oidc`, met: vsOidc.ratio <= GOALS.startupVsOidc });
    rows.push(vsOidc);
  }

  const v = br.verify || {};
  for (const [k, label, goal] of [['cold', 'RS256 verify, cold: distinct tokens (verif./s)', GOALS.coldVsJose],
    ['warm', 'RS256 verify, warm: same token (verif./s)', GOALS.warmVsJose]]) {
    if (!v[k]) { rows.push({ id: `verify.${k}`, measurement: label, display: 'error', note: v.error, anchor: null, goal: `≥ ${goal}× jose`, met: null }); continue; }
    const ours = v[k].cognito.perSecond;
    const jose = v[k].jose.perSecond;
    rows.push({ id: `verify.${k}`, measurement: label, unit: '1/s', value: ours, display: rate(ours),
      anchor: { id: 'jose', value: jose, display: `jose ${rate(jose)}` }, ratio: ours / jose, goal: `≥ ${goal}× jose`, met: ours / jose >= goal });
  }

  const m = v.memory;
  if (m) {
    rows.push({ id: 'memory.startup', measurement: 'wasm memory after start-up (KB)', unit: 'KB', value: m.afterStartup, display: kb(m.afterStartup),
      anchor: null, ratio: null, goal: '-', met: null });
    for (const [k, label] of [['distinct', 'distinct tokens'], ['same', 'same token']]) {
      const s = m[k];
      const last = s[s.length - 1];
      const mid = s.find((x) => x.verifications >= last.verifications / 2) || s[0];
      const growth = last.bytes - mid.bytes;
      rows.push({ id: `memory.${k}`, measurement: `wasm memory after ${last.verifications.toLocaleString('en-US')} verif., ${label} (KB)`, unit: 'KB',
        value: last.bytes, display: kb(last.bytes), anchor: null, ratio: null, samples: s,
        goal: `+0 from ${mid.verifications.toLocaleString('en-US')}`, met: growth <= GOALS.memoryGrowthBytes, growth });
    }
  }
  return rows;
}

function table(rows) {
  const head = ['measurement', 'cognito-wasm', 'best anchor', 'ratio', 'goal', 'met?'];
  const body = rows.map((r) => [r.measurement, r.display, r.anchor ? r.anchor.display : 'n/a',
    r.ratio == null ? '-' : `${ratio(r.ratio, 1)}×`, r.goal, r.met == null ? '-' : r.met ? 'yes' : 'NO']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n');
}

function closing(rows, size, br, bd) {
  const out = [];
  const get = (id) => rows.find((r) => r.id === id);
  const gz = get('size.gzip');
  const ours = size.cognitoWasm;
  if (gz && !gz.met) {
    out.push(`- size: ${kb(gz.value)} KB gzipped is over the ${kb(GOALS.gzipBytes)} KB goal by ${kb(gz.value - GOALS.gzipBytes)} KB (${pctOver(gz.value, GOALS.gzipBytes)}); ` +
      `it is ${gz.vsOidcSdk.toFixed(2)}× oidc-client-ts + AWS SDK v3 (goal 0.63×).`);
  } else if (gz) out.push(`- size: ${kb(gz.value)} KB gzipped meets the ${kb(GOALS.gzipBytes)} KB goal (${gz.vsOidcSdk.toFixed(2)}× oidc-client-ts + AWS SDK v3).`);
  const moon = get('size.gzip.moonshot');
  if (moon && !moon.met) out.push(`- moonshot: over ${kb(GOALS.moonshotGzipBytes)} KB by ${kb(moon.value - GOALS.moonshotGzipBytes)} KB (${pctOver(moon.value, GOALS.moonshotGzipBytes)}); Amplify auth + storage is ${kb(size.anchors.find((a) => a.id === 'amplify-auth-storage').gzip)} KB in this run.`);
  if ((gz && !gz.met) || (moon && !moon.met)) {
    out.push(`  where the bytes go (gzip): .wasm ${kb(ours.wasm.gzip)} KB + glue ${kb(ours.glue.gzip)} KB.` + (bd ? ` In the .wasm: code ${kb(bd.sections.find((s) => s.section === 'code').raw)} KB raw, ` +
      `data (read-only strings/tables) ${kb(bd.sections.find((s) => s.section === 'data')?.raw || 0)} KB raw (~${kb(bd.sections.find((s) => s.section === 'data')?.gzAlone || 0)} KB gz alone).` : ''));
    if (bd?.crates) {
      const top = bd.crates.slice().sort((a, b) => b.gzApprox - a.gzApprox).slice(0, 12);
      out.push(`  code by crate (≈ KB gz, approximate split): ${top.map((c) => `${c.owner} ${kb(c.gzApprox)}`).join(', ')}.`);
    } else if (bd?.note) out.push(`  (no per-crate split: ${bd.note})`);
  }
  const su = br.startup || {};
  const sv = get('startup.verifier');
  const cw = su['cognito-wasm'];
  if (sv && sv.value != null && cw) {
    const ph = cw.phases;
    const msg = `glue ${ms(ph.glue.median)}, wasm compile ${ms(ph.compile.median)}, instantiate ${ms(ph.instantiate.median)}, ` +
      `construct JwtVerifier ${ms(ph.construct.median)}, first verifySync ${ms(ph.verify.median)} ms (medians)` +
      (cw.again ? `; a second construct + verify in the same page takes ${ms(cw.again.construct.median)} + ${ms(cw.again.verify.median)} ms, so most of the first calls' time is one-off (lazy compilation of the wasm functions they run)` : '');
    out.push(sv.met ? `- start-up (JwtVerifier): ${ms(sv.value)} ms meets ≤ ${GOALS.startupMs} ms: ${msg}.`
      : `- start-up (JwtVerifier): ${ms(sv.value)} ms misses ≤ ${GOALS.startupMs} ms by ${ms(sv.value - GOALS.startupMs)} ms: ${msg}.`);
  }
  const sa = get('startup.cognitoAuth');
  const ca = su['cognito-auth'];
  if (sa && sa.value != null && ca) {
    const ph = ca.phases;
    const msg = `glue ${ms(ph.glue.median)}, compile ${ms(ph.compile.median)}, instantiate ${ms(ph.instantiate.median)}, construct ${ms(ph.construct.median)}, ` +
      `currentUser() ${ms(ph.verify.median)} ms (the ID token's RS256 signature and claims verified with the key set stored beside the session; ` +
      `${ca.jwksFetches ? `the JWKS was fetched in ${ca.jwksFetches} of ${ca.runs} runs, which a returning visit should not need` : 'no JWKS request'}; ` +
      `Amplify and oidc-client-ts only decode stored tokens, they do not verify signatures)`;
    out.push(sa.met ? `- start-up (CognitoAuth): ${ms(sa.value)} ms meets ≤ ${GOALS.startupMs} ms: ${msg}.`
      : `- start-up (CognitoAuth): ${ms(sa.value)} ms misses ≤ ${GOALS.startupMs} ms by ${ms(sa.value - GOALS.startupMs)} ms: ${msg}.`);
  } else if (sa) out.push(`- start-up (CognitoAuth): not measured: ${sa.note}.`);
  const so = get('startup.cognitoAuth.vsOidc');
  if (so && so.ratio != null) {
    out.push(so.met ? `- start-up vs oidc-client-ts: ${so.ratio.toFixed(2)}× (goal ≤ 1×), met.`
      : `- start-up vs oidc-client-ts: ${so.ratio.toFixed(2)}× misses ≤ 1× by ${ms(so.value - so.anchor.value)} ms.`);
  }
  const sz = get('size.verifier');
  if (sz && !sz.met) out.push(`- cognito-wasm/verifier: ${kb(sz.value)} KB gzipped is over the ${kb(GOALS.verifierGzipBytes)} KB goal by ${kb(sz.value - GOALS.verifierGzipBytes)} KB.`);
  const req = get('size.gzip.required');
  if (req) out.push(`- required bound: ${kb(req.value)} KB gzipped ${req.met ? 'is within' : 'is over'} ${kb(GOALS.requiredGzipBytes)} KB.`);
  const v = br.verify || {};
  const b = v.breakdown;
  let usMsg = '';
  if (b) {
    const rsa = b.badSignature.us - b.unknownKid.us;
    const rest = b.valid.us - b.badSignature.us;
    usMsg = ` Per verifySync (medians of interleaved rounds): a valid token not seen before ~${Math.round(b.valid.us)} µs` +
      (b.remembered ? ` (one verified before and remembered: ~${Math.round(b.remembered.us)} µs)` : '') +
      `; a token with an unknown kid (header decoded, ` +
      `no RSA, then the error) ~${Math.round(b.unknownKid.us)} µs; a corrupted signature (header + RSA-2048 check, then the error) ~${Math.round(b.badSignature.us)} µs: ` +
      `the RSA check is ~${Math.round(rsa)} µs (${Math.round((100 * rsa) / b.valid.us)}% of a valid verification)` +
      (rest > 0.05 * b.valid.us ? `, claims checks + conversion to JS ~${Math.round(rest)} µs` : ', the claims checks and conversion to JS are within the noise') +
      `. WebCrypto's native RSA verify of the same signature takes ~${Math.round(b.webcryptoRsa.us)} µs.`;
  }
  const cold = get('verify.cold');
  if (cold && cold.value != null) {
    out.push(cold.met ? `- cold verification: ${ratio(cold.ratio, 1)}× jose meets ≥ ${GOALS.coldVsJose}×.` :
      `- cold verification: ${ratio(cold.ratio, 1)}× jose misses ≥ ${GOALS.coldVsJose}× (needs ${rate(GOALS.coldVsJose * cold.anchor.value)}/s, ${(GOALS.coldVsJose / cold.ratio).toFixed(1)}× faster than now).${usMsg}`);
  }
  const warm = get('verify.warm');
  if (warm && warm.value != null) {
    const same = cold && cold.value ? warm.value / cold.value : null;
    out.push(warm.met ? `- warm verification: ${ratio(warm.ratio, 1)}× jose meets ≥ ${GOALS.warmVsJose}×.` :
      `- warm verification: ${ratio(warm.ratio, 1)}× jose misses ≥ ${GOALS.warmVsJose}× (needs ${rate(warm.anchor.value)}/s, ${(1 / warm.ratio).toFixed(1)}× faster than now)` +
      (same != null && same < 1.5 ? `; warm is ${same.toFixed(2)}× cold, so a repeated token is verified in full again (no cache of verified tokens).` : '.'));
  }
  for (const k of ['memory.distinct', 'memory.same']) {
    const r = get(k);
    if (r && !r.met) out.push(`- ${r.measurement}: grew by ${kb(r.growth)} KB over the second half: not bounded.`);
  }
  if (!out.length) out.push('- every goal is met.');
  return out.join('\n');
}

export function report(size, br, bd) {
  const rows = rowsFrom(size, br);
  const lines = [];
  lines.push(`cognito-wasm ${size.cognitoWasm.version} benchmark: ${br.browser}, esbuild ${size.esbuild}, node ${process.version}; KB = 1000 bytes`);
  lines.push('ratio = cognito-wasm ÷ best anchor (sizes and times: lower is better; rates: higher is better)');
  lines.push('');
  lines.push(table(rows));
  lines.push('');
  lines.push('anchors (esbuild: ESM, browser, minified; raw / gzip -9 / brotli KB):');
  const w = Math.max(...size.anchors.map((a) => a.label.length));
  for (const a of size.anchors) {
    lines.push(`  ${a.label.padEnd(w)}  ${kb(a.raw).padStart(6)} ${kb(a.gzip).padStart(6)} ${kb(a.brotli).padStart(6)}  ` +
      `${Object.entries(a.versions).map(([p, v]) => `${p}@${v}`).join(' ')}${a.reference ? '  (verifier only: not an anchor)' : ''}`);
  }
  const c = size.cognitoWasm;
  lines.push(`  ${'cognito-wasm: .wasm + minified glue'.padEnd(w)}  ${kb(c.total.raw).padStart(6)} ${kb(c.total.gzip).padStart(6)} ${kb(c.total.brotli).padStart(6)}  ` +
    `(.wasm ${kb(c.wasm.gzip)} + glue ${kb(c.glue.gzip)} gz; glue as published, unminified: ${kb(c.glueUnminified.gzip)} gz)`);
  lines.push('');
  lines.push('start-up, median [p10–p90] ms of fresh page loads (everything fetched before the clock starts):');
  const names = { 'cognito-wasm': 'cognito-wasm: glue + compile + instantiate + new JwtVerifier + verifySync(stored ID token)',
    'cognito-auth': 'cognito-wasm: glue + compile + instantiate + new CognitoAuth + currentUser() (stored session)',
    jose: 'jose: bundle + createLocalJWKSet + jwtVerify(stored ID token)',
    'amplify-auth': 'amplify auth: bundle + configure + fetchAuthSession() (stored tokens, decoded, not verified)',
    'oidc-client-ts': 'oidc-client-ts: bundle + new UserManager + getUser() (stored user, not verified)' };
  for (const [id, label] of Object.entries(names)) {
    const s = br.startup?.[id];
    if (!s) continue;
    if (!s.total) { lines.push(`  ${label}: ${s.skipped ? `skipped: ${s.skipped}` : `error: ${s.error}`}`); continue; }
    lines.push(`  ${label}: ${ms(s.total.median)} [${ms(s.total.p10)}–${ms(s.total.p90)}] (load ${ms(s.load.median)}, restore ${ms(s.restore.median)}; n=${s.runs})`);
  }
  const v = br.verify;
  if (v && !v.error) {
    lines.push('');
    lines.push(`verification: ${v.signed.count.toLocaleString('en-US')} distinct tokens signed in the page (RS256, 2048-bit, WebCrypto) in ${(v.signed.ms / 1000).toFixed(1)} s; ` +
      `cold: cognito-wasm ${v.cold.cognito.count} in ${ms(v.cold.cognito.ms)} ms, jose ${v.cold.jose.count} in ${ms(v.cold.jose.ms)} ms; ` +
      `warm: cognito-wasm ${v.warm.cognito.count} in ${ms(v.warm.cognito.ms)} ms, jose ${v.warm.jose.count} in ${ms(v.warm.jose.ms)} ms`);
    lines.push(`memory (wasm linear memory, KB): after init ${kb(v.memory.afterInit)}, after start-up ${kb(v.memory.afterStartup)}; ` +
      `distinct tokens ${v.memory.distinct.map((x) => `${x.verifications}: ${kb(x.bytes)}`).join(', ')}; ` +
      `same token ${v.memory.same.map((x) => `${x.verifications}: ${kb(x.bytes)}`).join(', ')}`);
  } else if (v?.error) lines.push(`verification: error: ${v.error}`);
  for (const n of new Set(br.notes || [])) lines.push(`note: ${n}`);
  lines.push('');
  lines.push('closing note:');
  lines.push(closing(rows, size, br, bd));
  return { text: lines.join('\n'), rows };
}
