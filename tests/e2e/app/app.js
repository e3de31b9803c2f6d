// The e2e test page: the package's public JS API, as an app uses it. The tests drive it through
// window.* from Playwright; every event is recorded in window.events.
import init, { AuthError, CognitoAuth, signRequest } from '/pkg/cognito_wasm.js';

const config = await (await fetch('/config.json')).json();
await init();

const EVENTS = ['signedIn', 'signedOut', 'tokenRefresh', 'tokenRefreshFailure', 'signInWithRedirectFailure',
  'credentialsRefresh', 'storageWarning', 'log'];
window.events = [];
window.makeAuth = (overrides = {}) => {
  const client = localStorage.getItem('e2e.client') ?? 'demo';
  const storage = localStorage.getItem('e2e.storage') ?? undefined;
  const auth = new CognitoAuth({ ...config.auth, clientId: config.clients[client], storage, ...overrides });
  for (const name of EVENTS) auth.on(name, (detail) => window.events.push({ name, ...detail }));
  return auth;
};
window.auth = window.makeAuth();
window.settle = (promise) => promise.then(
  (ok) => ({ ok }),
  (e) => ({ err: { name: e.name, code: e.code, type: e.type, message: e.message, isAuthError: e instanceof AuthError,
    status: e.status, requestId: e.requestId, cause: e.cause, retryable: e.retryable } }),
);
// A test that drives the callback itself sets window.__manualCallback (an init script).
if (!window.__manualCallback && window.auth.isRedirectCallback()) {
  window.callbackUrl = location.href;
  window.callback = window.settle(window.auth.handleRedirectCallback());
}
window.signRequest = signRequest;
window.ready = true;
