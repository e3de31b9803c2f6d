// "Assemble it yourself": oidc-client-ts (as in oidc-client-ts.js) + AWS SDK v3 identity-pool
// credentials (fromCognitoIdentityPool with the ID token as login) + S3 PutObject.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';

export function configure(c) {
  return new UserManager({
    authority: c.issuer,
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    post_logout_redirect_uri: c.logoutUri,
    response_type: 'code',
    scope: c.scopes.join(' '),
    automaticSilentRenew: false,
    userStore: new WebStorageStateStore({ store: window.localStorage }),
    metadata: c.oidcMetadata,
  });
}
export const signIn = (um) => um.signinRedirect();
export const callback = (um) => um.signinCallback();
export const restore = (um) => um.getUser();
export const logout = (um) => um.signoutRedirect();
export async function upload(c, user, key, body) {
  const credentials = fromCognitoIdentityPool({
    identityPoolId: c.identityPoolId,
    clientConfig: { region: c.region },
    logins: { [`cognito-idp.${c.region}.amazonaws.com/${c.userPoolId}`]: user.id_token },
  });
  const s3 = new S3Client({ region: c.region, credentials });
  return s3.send(new PutObjectCommand({ Bucket: c.bucket, Key: key, Body: body }));
}
