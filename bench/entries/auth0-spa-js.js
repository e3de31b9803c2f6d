// @auth0/auth0-spa-js: redirect sign-in, the callback, session (tokens, user), sign-out.
import { createAuth0Client } from '@auth0/auth0-spa-js';

export const configure = (c) =>
  createAuth0Client({
    domain: c.domain,
    clientId: c.clientId,
    authorizationParams: { redirect_uri: c.redirectUri, scope: c.scopes.join(' ') },
    cacheLocation: 'localstorage',
  });
export const signIn = (a) => a.loginWithRedirect();
export const callback = (a) => a.handleRedirectCallback();
export const session = async (a) => ((await a.isAuthenticated()) ? { user: await a.getUser(), token: await a.getTokenSilently() } : null);
export const logout = (a, returnTo) => a.logout({ logoutParams: { returnTo } });
