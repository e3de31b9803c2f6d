// The same small verifier app for esbuild and webpack 5 (run.mjs bundles it with each): both entry points
// initialised as the README says for that bundler, each verifier fetching the JWKS and verifying.
import init, { JwtVerifier } from 'cognito-wasm';
import initVerifier, { JwtVerifier as LeanVerifier } from 'cognito-wasm/verifier';

const out = {};
try {
  await init();
  await initVerifier();
  const fx = await (await fetch('/fixture.json')).json();
  for (const [name, Verifier] of [['full', JwtVerifier], ['lean', LeanVerifier]]) {
    const verifier = new Verifier({ userPoolId: fx.userPoolId, tokenUse: 'id', clientId: fx.clientId, issuer: fx.issuer });
    out[name] = (await verifier.verify(fx.tokens.valid))['cognito:username'];
    try {
      verifier.verifySync(fx.tokens.tampered);
      out[`${name}Tampered`] = 'accepted';
    } catch (e) {
      out[`${name}Tampered`] = e.code;
    }
  }
} catch (e) {
  out.error = String(e);
}
window.__result = out;
