// aws-amplify auth (as in amplify-auth.js) + storage uploadData to S3 with identity-pool credentials.
import { Amplify } from 'aws-amplify';
import { signInWithRedirect, fetchAuthSession, signOut } from 'aws-amplify/auth';
import { uploadData } from 'aws-amplify/storage';
import { Hub } from 'aws-amplify/utils';

export function configure(c) {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: c.userPoolId,
        userPoolClientId: c.clientId,
        identityPoolId: c.identityPoolId,
        loginWith: {
          oauth: {
            domain: c.domain,
            scopes: c.scopes,
            redirectSignIn: [c.redirectUri],
            redirectSignOut: [c.logoutUri],
            responseType: 'code',
          },
        },
      },
    },
    Storage: { S3: { bucket: c.bucket, region: c.region } },
  });
}
export const signIn = () => signInWithRedirect();
export const session = () => fetchAuthSession();
export const logout = () => signOut();
export const onAuth = (cb) => Hub.listen('auth', cb);
export const upload = (key, data) =>
  uploadData({ path: ({ identityId }) => `private/${identityId}/${key}`, data }).result;
