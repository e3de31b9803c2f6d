// A tiny app as an npm user writes it: import the package, initialise it, verify tokens.
// The TypeScript is type-checked against the package's .d.ts (tsc --noEmit) before Vite bundles it.
import init, {
  AuthError,
  CognitoAuth,
  JwtVerifier,
  signRequest,
  type SignedOutReason,
  type AuthTokens,
  type CognitoJwtClaims,
  type CognitoUser,
} from 'cognito-wasm';
import { configFromAmplifyOutputs } from 'cognito-wasm/amplify';
// The lean entry point for apps that only verify tokens: its own, smaller wasm module.
import initVerifier, * as lean from 'cognito-wasm/verifier';

interface Fixture {
  userPoolId: string;
  clientId: string;
  issuer: string;
  tokens: { valid: string; tampered: string; expired: string; accessToken: string };
}

/** What a call made before `init()` throws: `name:code:retryable`, if it is an instance of its entry's AuthError. */
function beforeInit(call: () => unknown, Class: typeof AuthError | typeof lean.AuthError = AuthError): string {
  try {
    call();
    return 'no error';
  } catch (e) {
    if (!(e instanceof Class)) return `not an AuthError: ${e}`;
    return `${e.name}:${e.code}:${e.retryable}`;
  }
}

/** Types only (never called): each event's detail is its own type; `prompt` is a closed list. */
export function typesOnly(auth: CognitoAuth): void {
  const fromAmplify = new CognitoAuth(configFromAmplifyOutputs({ auth: { user_pool_id: 'p', user_pool_client_id: 'c' } }, { storage: 'memory' }));
  void fromAmplify;
  auth.on('signedOut', ({ reason }) => { const r: SignedOutReason = reason; void r; });
  auth.on('tokenRefreshFailure', ({ attempt, willRetry, error }) => void [attempt + 1, !willRetry, error.code]);
  // @ts-expect-error: signedIn carries no reason
  auth.on('signedIn', ({ reason }) => void reason);
  // @ts-expect-error: not a prompt value
  void auth.signInWithRedirect({ prompt: 'bogus' });
}

async function main(): Promise<Record<string, unknown>> {
  const options = { userPoolId: 'us-east-1_Consumer1', tokenUse: 'id' as const, clientId: 'c' };
  const notInitialized = [
    beforeInit(() => new JwtVerifier(options)),
    beforeInit(() => new CognitoAuth({ userPoolId: 'us-east-1_Consumer1', clientId: 'c', domain: 'd.example', redirectUri: 'https://app.example/' })),
    beforeInit(() => signRequest({ method: 'GET', url: 'https://b.example/' }, { accessKeyId: 'a', secretAccessKey: 's' }, { service: 's3', region: 'us-east-1' })),
    beforeInit(() => new lean.JwtVerifier(options), lean.AuthError),
  ];
  await init();
  const fx: Fixture = await (await fetch('/fixture.json')).json();
  const verifier = new JwtVerifier({
    userPoolId: fx.userPoolId,
    tokenUse: 'id',
    clientId: fx.clientId,
    issuer: fx.issuer, // the JWKS is fetched from <issuer>/.well-known/jwks.json on this server
  });
  const claims: CognitoJwtClaims = await verifier.verify(fx.tokens.valid);
  const codeOf = async (token: string): Promise<string> => {
    try {
      await verifier.verify(token);
      return 'accepted';
    } catch (e) {
      if (!(e instanceof AuthError)) return `not an AuthError: ${e}`;
      return `${e.name}:${e.code}`;
    }
  };
  let configError = '';
  try {
    new JwtVerifier({ userPoolId: 'not-a-pool', tokenUse: 'id', clientId: null });
  } catch (e) {
    configError = `${(e as AuthError).name}:${(e as AuthError).code}`;
  }
  // CognitoAuth and signRequest through their declared types.
  const auth = new CognitoAuth({
    userPoolId: fx.userPoolId,
    clientId: fx.clientId,
    domain: 'https://shop.auth.us-east-1.amazoncognito.com',
    redirectUri: `${location.origin}/`,
    storage: 'memory',
  });
  const isCallback: boolean = auth.isRedirectCallback(`${location.origin}/?code=c&state=s`);
  const notCallback: boolean = auth.isRedirectCallback(`${location.origin}/other?code=c&state=s`);
  const tokens: AuthTokens | null = await auth.getTokens();
  const user: CognitoUser | null = await auth.currentUser();
  const off: () => void = auth.on('signedIn', (detail) => void detail.fromOtherTab);
  off();
  const headers: Record<string, string> = signRequest(
    { method: 'GET', url: 'https://examplebucket.s3.amazonaws.com/test.txt', headers: { range: 'bytes=0-9' } },
    { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    { service: 's3', region: 'us-east-1', signingTime: Date.UTC(2013, 4, 24) },
  );
  // cognito-wasm/verifier: the same verifier, and nothing of sign-in or SigV4.
  await initVerifier();
  const leanVerifier = new lean.JwtVerifier({ userPoolId: fx.userPoolId, tokenUse: 'id', clientId: fx.clientId, issuer: fx.issuer });
  const leanClaims: lean.CognitoJwtClaims = await leanVerifier.verify(fx.tokens.valid);
  let leanTampered = 'accepted';
  try {
    leanVerifier.verifySync(fx.tokens.tampered);
  } catch (e) {
    leanTampered = `${(e as lean.AuthError).name}:${(e as lean.AuthError).code}`;
  }
  // The same package in a module Web Worker, fetching the JWKS itself.
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const inWorker = await new Promise<Record<string, unknown>>((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: e.message });
    worker.postMessage(fx);
  });
  worker.terminate();
  return {
    notInitialized,
    worker: inWorker,
    leanUsername: leanClaims['cognito:username'],
    leanTampered,
    leanExports: Object.keys(lean).sort().join(','),
    isCallback,
    notCallback,
    signedOut: tokens === null && user === null,
    authorization: headers['authorization'],
    username: claims['cognito:username'],
    groups: claims['cognito:groups'],
    syncUsername: verifier.verifySync(fx.tokens.valid)['cognito:username'],
    tampered: await codeOf(fx.tokens.tampered),
    expired: await codeOf(fx.tokens.expired),
    accessToken: await codeOf(fx.tokens.accessToken),
    configError,
  };
}

main().then(
  (result) => {
    document.getElementById('out')!.textContent = JSON.stringify(result, null, 2);
    (window as unknown as { __result: unknown }).__result = result;
  },
  (error) => {
    (window as unknown as { __result: unknown }).__result = { error: String(error?.code ?? error) };
  },
);
