// cognito-wasm/react: React bindings over CognitoAuth. Plain JS, nothing added to the wasm; React >= 18 is a
// peer dependency. Types: react.d.ts.
import { createContext, createElement, useContext, useEffect, useRef, useState } from 'react';
import init, { CognitoAuth } from './cognito_wasm.js';

const Context = createContext(null);

// One CognitoAuth per configuration for the life of the page, made once: StrictMode mounts every effect
// twice, and a hot reload of the app re-runs it, but the module is initialised once, the redirect callback
// is handled once (one code exchange) and no second BroadcastChannel is opened.
const instances = new Map();
function instance(config) {
  const key = JSON.stringify(config);
  let made = instances.get(key);
  if (!made) {
    made = (async () => {
      await init();
      const auth = new CognitoAuth(config);
      let callback = null;
      let callbackError = null;
      if (auth.isRedirectCallback()) {
        try {
          callback = await auth.handleRedirectCallback();
        } catch (e) {
          callbackError = e;
        }
      }
      return { auth, callback, callbackError };
    })();
    // A failed start (bad config, no wasm) may be tried again by the next mount.
    made.catch(() => instances.delete(key));
    instances.set(key, made);
  }
  return made;
}

const LOADING = { auth: null, user: null, isLoading: true, error: null, callback: null };

/** Initialises the module, handles the redirect callback once, and keeps `useAuth()` up to date. */
export function CognitoProvider({ config, children }) {
  const [state, setState] = useState(LOADING);
  const key = JSON.stringify(config);
  useEffect(() => {
    let live = true;
    const offs = [];
    instance(config).then(
      ({ auth, callback, callbackError }) => {
        if (!live) return;
        const update = () =>
          auth.currentUser().then(
            (user) => live && setState({ auth, user, isLoading: false, error: user ? null : callbackError, callback }),
            (error) => live && setState((s) => ({ ...s, auth, isLoading: false, error })),
          );
        for (const name of ['signedIn', 'signedOut', 'tokenRefresh']) offs.push(auth.on(name, update));
        update();
      },
      (error) => live && setState({ ...LOADING, isLoading: false, error }),
    );
    return () => {
      live = false;
      for (const off of offs) off();
    };
    // The configuration's value, not its identity, decides the instance.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return createElement(Context.Provider, { value: state }, children);
}

/** The signed-in user and the calls of `CognitoAuth`, inside a `<CognitoProvider>`. */
export function useAuth() {
  const state = useContext(Context);
  if (!state) throw new Error('useAuth() must be used inside a <CognitoProvider>');
  const { auth } = state;
  const ready = (name) => (...args) => {
    if (!auth) return Promise.reject(new Error(`cognito-wasm/react: ${name}() before the provider is ready`));
    return auth[name](...args);
  };
  return {
    user: state.user,
    isLoading: state.isLoading,
    isSignedIn: !!state.user,
    error: state.error,
    callback: state.callback,
    auth,
    signInWithRedirect: ready('signInWithRedirect'),
    signOut: ready('signOut'),
    getTokens: ready('getTokens'),
    getCredentials: ready('getCredentials'),
    signedFetch: ready('signedFetch'),
  };
}

/**
 * Renders `children` for a signed-in user; otherwise `fallback` (default nothing) and, once loaded, a sign-in
 * redirect that comes back to this page (`signInWithRedirect({ customState: <path> })` unless `signIn` is given).
 */
export function RequireAuth({ children, fallback = null, signIn }) {
  const { isLoading, isSignedIn, error, signInWithRedirect } = useAuth();
  const asked = useRef(false);
  useEffect(() => {
    if (isLoading || isSignedIn || error || asked.current) return;
    asked.current = true;
    const options = signIn ?? { customState: location.pathname + location.search + location.hash };
    signInWithRedirect(options).catch(() => {
      asked.current = false;
    });
  }, [isLoading, isSignedIn, error]);
  return isSignedIn ? children : fallback;
}
