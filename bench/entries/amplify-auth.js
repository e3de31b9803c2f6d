// aws-amplify auth, Cognito managed login (hosted UI): redirect sign-in, session (tokens), sign-out,
// and the Hub listener an app uses to learn that the redirect sign-in completed.
import { Amplify } from 'aws-amplify';
import { signInWithRedirect, fetchAuthSession, signOut } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

export function configure(c) {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: c.userPoolId,
        userPoolClientId: c.clientId,
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
  });
}
export const signIn = () => signInWithRedirect();
export const session = () => fetchAuthSession();
export const logout = () => signOut();
export const onAuth = (cb) => Hub.listen('auth', cb);
