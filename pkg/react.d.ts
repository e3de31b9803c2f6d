// cognito-wasm/react: React bindings over CognitoAuth (react.js). React >= 18 is a peer dependency.
import type { ReactNode } from 'react';
import type {
  AuthTokens, AwsCredentials, AwsServiceOptions, CognitoAuth, CognitoAuthOptions, CognitoUser, RedirectResult,
  SignedFetchInit, SignInWithRedirectOptions,
} from './cognito_wasm.js';

export interface CognitoProviderProps {
  /** The options of `new CognitoAuth(config)`; one instance per distinct value for the life of the page. */
  config: CognitoAuthOptions;
  children?: ReactNode;
}

/**
 * Initialises the module, handles the redirect callback once (StrictMode's double effects and a hot reload
 * exchange the code once and open one channel), and keeps `useAuth()` up to date on `signedIn`,
 * `signedOut` (also from other tabs) and `tokenRefresh`.
 */
export function CognitoProvider(props: CognitoProviderProps): ReactNode;

export interface UseAuth {
  /** The verified user, or `null` (signed out, or still loading). */
  user: CognitoUser | null;
  /** `true` until the module is initialised, the callback handled and the stored session read. */
  isLoading: boolean;
  isSignedIn: boolean;
  /** The redirect callback's failure (until a user signs in), or the start-up's (bad config). */
  error: Error | null;
  /** What the redirect callback returned (`customState`, `returnTo`), when this page load was one. */
  callback: RedirectResult | null;
  /** The instance itself, for every other method; `null` while loading. */
  auth: CognitoAuth | null;
  signInWithRedirect(options?: SignInWithRedirectOptions): Promise<void>;
  signOut(options?: { global?: boolean; redirect?: boolean }): Promise<void>;
  getTokens(options?: { forceRefresh?: boolean }): Promise<AuthTokens | null>;
  getCredentials(options?: { forceRefresh?: boolean }): Promise<AwsCredentials>;
  signedFetch(url: string, init: SignedFetchInit | undefined, options: AwsServiceOptions): Promise<Response>;
}

/** The signed-in user and the calls of `CognitoAuth`, inside a `<CognitoProvider>` (throws outside one). */
export function useAuth(): UseAuth;

export interface RequireAuthProps {
  children?: ReactNode;
  /** Rendered while loading and while the sign-in redirect starts. Default: nothing. */
  fallback?: ReactNode;
  /** The sign-in's options. Default: `{ customState: <this page's path, query and hash> }`. */
  signIn?: SignInWithRedirectOptions;
}

/** Renders `children` for a signed-in user; otherwise `fallback`, and once loaded redirects to sign in. */
export function RequireAuth(props: RequireAuthProps): ReactNode;
