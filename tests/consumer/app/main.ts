// A tiny app as an npm user writes it: import the package, initialise it, verify tokens.
// The TypeScript is type-checked against the package's .d.ts (tsc --noEmit) before Vite bundles it.
import init, { JwtVerifier, type AuthError, type CognitoJwtClaims } from 'cognito-wasm';

interface Fixture {
  userPoolId: string;
  clientId: string;
  issuer: string;
  tokens: { valid: string; tampered: string; expired: string; accessToken: string };
}

async function main(): Promise<Record<string, unknown>> {
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
      const err = e as AuthError;
      return `${err.name}:${err.code}`;
    }
  };
  let configError = '';
  try {
    new JwtVerifier({ userPoolId: 'not-a-pool', tokenUse: 'id', clientId: null });
  } catch (e) {
    configError = `${(e as AuthError).name}:${(e as AuthError).code}`;
  }
  return {
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
