// bench/twice.mjs's page: the returning visit of startup.js (new CognitoAuth + currentUser()) twice in one
// page, first over localStorage, then over sessionStorage holding the same session, so that the second one
// runs the same code again: what the first one costs beyond the work is V8's first-use cost (lazy compilation
// of each wasm function it reaches, Liftoff code, set-up done once).
import { storeCognitoAuthSession, cognitoAuthOptions } from './startup.js';

async function run() {
  localStorage.clear();
  sessionStorage.clear();
  const fx = await (await fetch('/fixture.json')).json();
  fx.jwksUri = `${location.origin}/fixture/jwks.json`;
  const glue = await (await fetch('/out/iife/cognito-wasm.js')).text();
  const bytes = await (await fetch('/pkg0/cognito_wasm_bg.wasm')).arrayBuffer();
  storeCognitoAuthSession(localStorage, fx);
  storeCognitoAuthSession(sessionStorage, fx);
  const s = document.createElement('script');
  s.textContent = glue;
  document.head.appendChild(s);
  const mod = window.benchLib;
  await mod.default({ module_or_path: await WebAssembly.compile(bytes) });
  const rounds = [];
  for (const storage of ['local', 'session']) {
    const a = performance.now();
    const auth = new mod.CognitoAuth({ ...cognitoAuthOptions(fx), storage });
    const b = performance.now();
    const user = await auth.currentUser();
    const c = performance.now();
    if (user?.sub !== fx.sub) throw new Error(`not signed in after restore (sub ${user?.sub})`);
    rounds.push({ construct: b - a, currentUser: c - b });
  }
  return rounds;
}
window.benchTwice = () => run().catch((e) => ({ error: String(e.stack || e) }));
