// oidc-client-ts against Cognito managed login: redirect sign-in (authorization code + PKCE), the
// callback, the stored user (session restore), sign-out.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

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
