// The benchmark's pool, app client and signing key (RS256, made fresh each run), and the stored session the
// start-up benchmark restores: a Cognito-shaped ID and access token signed with that key.
import { generateKeyPairSync, sign, randomUUID } from 'node:crypto';

export const POOL = {
  region: 'us-east-1',
  userPoolId: 'us-east-1_Bench0001',
  clientId: 'bench1client2id3abcdefghij',
  identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000001',
  bucket: 'bench-bucket',
  domain: 'bench.auth.us-east-1.amazoncognito.com',
  redirectUri: 'http://127.0.0.1/callback',
  logoutUri: 'http://127.0.0.1/',
  scopes: ['openid', 'email', 'profile'],
};
POOL.issuer = `https://cognito-idp.${POOL.region}.amazonaws.com/${POOL.userPoolId}`;
// Discovery document given inline to oidc-client-ts (nothing is fetched).
POOL.oidcMetadata = {
  issuer: POOL.issuer,
  authorization_endpoint: `https://${POOL.domain}/oauth2/authorize`,
  token_endpoint: `https://${POOL.domain}/oauth2/token`,
  userinfo_endpoint: `https://${POOL.domain}/oauth2/userInfo`,
  end_session_endpoint: `https://${POOL.domain}/logout`,
  jwks_uri: `${POOL.issuer}/.well-known/jwks.json`,
};

const b64url = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

export function makeFixture() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'bench-key-1';
  const { n, e } = publicKey.export({ format: 'jwk' });
  const jwks = { keys: [{ kty: 'RSA', kid, alg: 'RS256', use: 'sig', n, e }] };
  const jwt = (claims) => {
    const input = `${b64url({ kid, alg: 'RS256' })}.${b64url(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const sub = randomUUID();
  const username = 'bench-user';
  const common = { sub, iss: POOL.issuer, origin_jti: randomUUID(), event_id: randomUUID(), auth_time: now, iat: now, exp: now + 24 * 3600 };
  const idToken = jwt({
    ...common, aud: POOL.clientId, token_use: 'id', 'cognito:username': username, email: 'bench@example.com',
    email_verified: true, jti: randomUUID(),
  });
  const accessToken = jwt({
    ...common, client_id: POOL.clientId, token_use: 'access', scope: POOL.scopes.join(' '), username, jti: randomUUID(),
  });
  return { pool: POOL, jwks, sub, username, idToken, accessToken, refreshToken: `bench-refresh-${randomUUID()}`, exp: common.exp };
}
