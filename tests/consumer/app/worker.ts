// The package in a module Web Worker (no window, no localStorage): both entry points fetch and cache the
// pool's JWKS through the worker's own fetch; CognitoAuth with memory storage starts signed out, and what
// needs a page says so with ERR_CONFIG.
import init, { CognitoAuth, JwtVerifier, type AuthError } from 'cognito-wasm';
import initVerifier, * as lean from 'cognito-wasm/verifier';

interface Fixture {
  userPoolId: string;
  clientId: string;
  issuer: string;
  tokens: { valid: string; tampered: string };
}

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Fixture>) => void) | null;
  postMessage(message: unknown): void;
};
const codeOf = (e: unknown): string => `${(e as AuthError).name}:${(e as AuthError).code}`;

async function run(fx: Fixture): Promise<Record<string, unknown>> {
  await init();
  await initVerifier();
  const options = { userPoolId: fx.userPoolId, tokenUse: 'id' as const, clientId: fx.clientId, issuer: fx.issuer };
  const verifier = new JwtVerifier(options);
  const claims = await verifier.verify(fx.tokens.valid);
  let tampered = 'accepted';
  try {
    verifier.verifySync(fx.tokens.tampered); // the cached key set: no second fetch
  } catch (e) {
    tampered = codeOf(e);
  }
  const leanClaims = await new lean.JwtVerifier(options).verify(fx.tokens.valid);
  const auth = new CognitoAuth({
    userPoolId: fx.userPoolId,
    clientId: fx.clientId,
    domain: 'https://shop.auth.us-east-1.amazoncognito.com',
    redirectUri: 'https://app.example/',
    storage: 'memory',
  });
  let signIn = 'navigated';
  try {
    await auth.signInWithRedirect();
  } catch (e) {
    signIn = codeOf(e);
  }
  return {
    hasWindow: typeof (globalThis as { window?: unknown }).window !== 'undefined',
    username: claims['cognito:username'],
    tampered,
    leanUsername: leanClaims['cognito:username'],
    signedOut: (await auth.getTokens()) === null && (await auth.currentUser()) === null,
    signIn,
  };
}

scope.onmessage = (e) => {
  run(e.data).then(scope.postMessage, (error) => scope.postMessage({ error: String(error?.message ?? error) }));
};
