// cognito-wasm/amplify: CognitoAuth options from Amplify Gen 2's amplify_outputs.json. Plain JS, no wasm: an app
// that does not import it pays nothing for it.
import { AuthError } from './cognito_wasm.js';

const fail = (message) => { throw new AuthError(`amplify_outputs: ${message}`, 'ERR_CONFIG'); };

/** The URI of `list` on `origin` (as Amplify picks it), else the only one. */
function pick(list, origin, name) {
  if (!Array.isArray(list) || !list.length) return undefined;
  const here = list.filter((u) => { try { return new URL(u).origin === origin; } catch { return false; } });
  if (here.length) return here[0];
  if (list.length === 1) return list[0];
  return fail(`${name} has several URIs and none on ${origin}: pass { ${name === 'redirect_sign_in_uri' ? 'redirectUri' : 'logoutUri'} }`);
}

/**
 * `new CognitoAuth(configFromAmplifyOutputs(outputs))`: the user pool, app client, identity pool, managed-login
 * domain, scopes and the sign-in / sign-out URIs on this page's origin. `overrides` wins over what is read
 * (`redirectUri`, `logoutUri`, `storage`, …).
 */
export function configFromAmplifyOutputs(outputs, overrides = {}) {
  if (typeof outputs === 'string') {
    try { outputs = JSON.parse(outputs); } catch { fail('not JSON'); }
  }
  const auth = outputs?.auth;
  if (!auth || typeof auth !== 'object') fail('no "auth" section (is Amplify Auth defined in the backend?)');
  if (typeof auth.user_pool_id !== 'string') fail('auth.user_pool_id: required');
  if (typeof auth.user_pool_client_id !== 'string') fail('auth.user_pool_client_id: required');
  const oauth = auth.oauth;
  if (!oauth || typeof oauth.domain !== 'string') fail('auth.oauth: required (the managed login: defineAuth loginWith.externalProviders)');
  const origin = globalThis.location?.origin;
  const options = {
    userPoolId: auth.user_pool_id,
    clientId: auth.user_pool_client_id,
    domain: oauth.domain,
    redirectUri: overrides.redirectUri ?? pick(oauth.redirect_sign_in_uri, origin, 'redirect_sign_in_uri'),
    logoutUri: overrides.logoutUri ?? pick(oauth.redirect_sign_out_uri, origin, 'redirect_sign_out_uri'),
  };
  if (Array.isArray(oauth.scopes) && oauth.scopes.length) options.scopes = oauth.scopes;
  if (typeof auth.identity_pool_id === 'string') options.identityPoolId = auth.identity_pool_id;
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return { ...options, ...overrides };
}
