// A React app on cognito-wasm/react, as an app writes one (StrictMode, the provider at the root, a guarded
// view): plain JS with createElement, so that the test needs no JSX plugin. run.mjs drives it.
import { StrictMode, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { CognitoProvider, RequireAuth, useAuth } from 'cognito-wasm/react';

// Counted for the test: one provider, however often StrictMode mounts it, opens one channel.
window.channels = 0;
globalThis.BroadcastChannel = class extends globalThis.BroadcastChannel {
  constructor(name) { super(name); window.channels++; }
};

const config = await (await fetch('/config.json')).json();
const options = { ...config.auth, clientId: config.clients.demo };

function Status() {
  const { user, isLoading, isSignedIn, error, callback, signInWithRedirect, signOut } = useAuth();
  window.reactAuth = { signIn: () => signInWithRedirect(), signOut: () => signOut({ redirect: false }), callback };
  const text = isLoading ? 'loading' : isSignedIn ? `signed in as ${user.username}` : error ? `error ${error.code}` : 'signed out';
  return h('pre', { id: 'status' }, text);
}

const guarded = new URLSearchParams(location.search).has('guard');
createRoot(document.getElementById('root')).render(
  h(StrictMode, null,
    h(CognitoProvider, { config: options },
      h(Status),
      guarded ? h(RequireAuth, { fallback: h('p', { id: 'guard' }, 'checking') }, h('p', { id: 'guard' }, 'private')) : null)),
);
