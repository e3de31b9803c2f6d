// RS256 verification rates of JwtVerifier.verifySync and jose jwtVerify (WebCrypto) in the same page, with the
// same key set and tokens (made here with WebCrypto), and cognito-wasm's linear memory as it verifies.
//   cold: distinct freshly signed tokens, each verified once (pre-signed; timed: verifying them)
//   warm: one token verified again and again (a cache of verified tokens makes this nearly free)
// Every loop is bounded by a count and a time limit; a rate is count / elapsed time over what ran.
const enc = new TextEncoder();
const b64url = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const b64json = (o) => b64url(enc.encode(JSON.stringify(o)));
const uuid = () => crypto.randomUUID();

async function run(o) {
  const fx = await (await fetch('/fixture.json')).json();
  const p = fx.pool;
  const mod = await import('/out/cognito-wasm.js');
  const jose = await import('/out/jose.js');
  const bytes = await (await fetch('/pkg/cognito_wasm_bg.wasm')).arrayBuffer();
  const wasm = await mod.default({ module_or_path: bytes });
  const mem = () => wasm.memory.buffer.byteLength;
  const r = { crossOriginIsolated: self.crossOriginIsolated, memory: { afterInit: mem() } };

  // Key and tokens, made with WebCrypto in this page.
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true, ['sign', 'verify']);
  const { n, e } = await crypto.subtle.exportKey('jwk', publicKey);
  const kid = 'page-key-1';
  const jwks = { keys: [{ kty: 'RSA', kid, alg: 'RS256', use: 'sig', n, e }] };
  const header = b64json({ kid, alg: 'RS256' });
  const now = Math.floor(Date.now() / 1000);
  const sub = uuid();
  const sign = async () => {
    const input = `${header}.${b64json({
      sub, iss: p.issuer, aud: p.clientId, token_use: 'id', 'cognito:username': 'bench-user', email: 'bench@example.com',
      email_verified: true, origin_jti: uuid(), event_id: uuid(), auth_time: now, iat: now, exp: now + 3600, jti: uuid(),
    })}`;
    const sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, enc.encode(input)));
    return `${input}.${b64url(sig)}`;
  };
  const tSign = performance.now();
  const tokens = [];
  while (tokens.length < o.tokens && performance.now() - tSign < o.signLimitMs) {
    tokens.push(...(await Promise.all(Array.from({ length: Math.min(64, o.tokens - tokens.length) }, sign))));
  }
  r.signed = { count: tokens.length, ms: performance.now() - tSign };
  const [warmupA, warmupB, warmToken] = await Promise.all([sign(), sign(), sign()]);

  const verifier = new mod.JwtVerifier({ userPoolId: p.userPoolId, tokenUse: 'id', clientId: p.clientId, jwks });
  const keySet = jose.createLocalJWKSet(jwks);
  const joseVerify = async (t) => {
    const { payload } = await jose.jwtVerify(t, keySet, { issuer: p.issuer, audience: p.clientId, algorithms: ['RS256'] });
    if (payload.token_use !== 'id') throw new Error('token_use');
    return payload;
  };
  // Warm-up on tokens outside the measured sets: key import, JIT, lazily compiled wasm functions.
  for (const t of [warmupA, warmupB]) { verifier.verifySync(t); await joseVerify(t); }
  r.memory.afterStartup = mem();

  // Both libraries run in alternating chunks of the same work, so that the load of a shared machine falls on
  // both alike. cold: every pre-signed token once per library; warm: one token again and again.
  const marks = new Set(o.memoryMarks);
  const alternate = async (count, limitMs, tokenAt, samples) => {
    const t = { cognito: { count: 0, ms: 0 }, jose: { count: 0, ms: 0 } };
    for (let start = 0; start < count && t.cognito.ms < limitMs && t.jose.ms < limitMs; start += o.chunk) {
      const end = Math.min(count, start + o.chunk);
      let t0 = performance.now();
      for (let k = start; k < end; k++) {
        if (verifier.verifySync(tokenAt(k)).sub !== sub) throw new Error('cognito-wasm: wrong claims');
        if (marks.has(k + 1)) samples.push({ verifications: k + 1, bytes: mem() });
      }
      t.cognito.ms += performance.now() - t0;
      t.cognito.count = end;
      t0 = performance.now();
      for (let k = start; k < end; k++) {
        if ((await joseVerify(tokenAt(k))).sub !== sub) throw new Error('jose: wrong claims');
      }
      t.jose.ms += performance.now() - t0;
      t.jose.count = end;
    }
    return t;
  };
  r.memory.distinct = [];
  r.cold = await alternate(tokens.length, o.coldLimitMs, (k) => tokens[k], r.memory.distinct);
  verifier.verifySync(warmToken);
  await joseVerify(warmToken);
  r.memory.same = [];
  r.warm = await alternate(o.warm, o.warmLimitMs, () => warmToken, r.memory.same);
  r.memory.final = mem();

  // Where a verifySync goes (µs per call, bounded): a token whose kid is unknown (header decoded, no RSA), one
  // with a corrupted signature (header + RSA verify, then the error), a valid one (everything); and WebCrypto's
  // bare RSA verify of the same signature for comparison.
  const [h, pl, sig] = warmToken.split('.');
  const mid = sig.length >> 1;
  const badSig = `${h}.${pl}.${sig.slice(0, mid)}${sig[mid] === 'A' ? 'B' : 'A'}${sig.slice(mid + 1)}`;
  const badKid = `${b64json({ kid: 'no-such-key', alg: 'RS256' })}.${pl}.${sig}`;
  // Interleaved rounds of each kind of call; the median of the rounds' µs per call.
  const call = (fn, expectCode) => () => {
    try { fn(); if (expectCode) throw new Error(`expected ${expectCode}`); } catch (err) { if (err.code !== expectCode) throw err; }
  };
  const sigBytes = Uint8Array.from(atob(sig.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const data = enc.encode(`${h}.${pl}`);
  let nextValid = 0;
  const kinds = {
    unknownKid: call(() => verifier.verifySync(badKid), 'ERR_JWK_NOT_FOUND'),
    badSignature: call(() => verifier.verifySync(badSig), 'ERR_JWT_SIGNATURE'),
    // Distinct tokens, more of them than the verifier remembers (32): every call verifies in full.
    valid: call(() => verifier.verifySync(tokens[(nextValid++) % tokens.length])),
    remembered: call(() => verifier.verifySync(warmToken)),
    webcryptoRsa: async () => { if (!(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, sigBytes, data))) throw new Error('webcrypto verify'); },
  };
  const perRound = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const tB = performance.now();
  for (let round = 0; round < o.breakdownRounds && performance.now() - tB < o.breakdownLimitMs; round++) {
    for (const [k, fn] of Object.entries(kinds)) {
      const t = performance.now();
      for (let c = 0; c < o.breakdownCalls; c++) await fn();
      perRound[k].push((1000 * (performance.now() - t)) / o.breakdownCalls);
    }
  }
  const med = (xs) => { const q = [...xs].sort((x, y) => x - y); const m = q.length >> 1; return q.length % 2 ? q[m] : (q[m - 1] + q[m]) / 2; };
  r.breakdown = Object.fromEntries(Object.entries(perRound).map(([k, xs]) => [k, { rounds: xs.length, callsPerRound: o.breakdownCalls, us: med(xs) }]));
  verifier.free();
  return r;
}

window.benchVerify = (o) => run(o).catch((e) => ({ error: String(e && e.stack || e) }));
