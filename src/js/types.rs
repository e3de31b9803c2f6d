//! TypeScript declarations for the option and result objects (wasm-bindgen emits them into the .d.ts).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Stable codes of the errors this package throws (`error.code`). */
export type AuthErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_ALG'
  | 'ERR_JWT_SIGNATURE'
  | 'ERR_JWK_NOT_FOUND'
  | 'ERR_JWKS'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_ISSUER'
  | 'ERR_JWT_AUDIENCE'
  | 'ERR_JWT_TOKEN_USE'
  | 'ERR_JWT_GROUP'
  | 'ERR_JWT_SCOPE'
  | 'ERR_NETWORK'
  | 'ERR_STATE_MISMATCH'
  | 'ERR_NONCE_MISMATCH'
  | 'ERR_OAUTH'
  | 'ERR_SESSION_ENDED'
  | 'ERR_AWS'
  | 'ERR_CALLBACK_HANDLED'
  | 'ERR_NOT_A_CALLBACK'
  | 'ERR_NOT_SIGNED_IN'
  | 'ERR_STORAGE'
  | 'ERR_POPUP_BLOCKED'
  | 'ERR_POPUP_CLOSED'
  | 'ERR_POPUP_TIMEOUT'
  | 'ERR_SIGN_IN_EXPIRED'
  | 'ERR_CHALLENGE'
  | 'ERR_PASSKEY_UNSUPPORTED'
  | 'ERR_PASSKEY_CANCELLED'
  | 'ERR_PASSKEY_RELYING_PARTY'
  | 'ERR_PASSKEY_EXISTS'
  | 'ERR_NOT_INITIALIZED';

/**
 * Every failure is thrown (or rejected) as an `AuthError`: test `error instanceof AuthError`, then branch
 * on `code`. `name` is always `'AuthError'`; Cognito's own exception name (what Amplify puts in `name`)
 * is in `type`.
 */
export class AuthError extends Error {
  /** The package constructs these; apps may too (in tests). `''` and `0` mean none. */
  constructor(message: string, code: AuthErrorCode, type?: string, status?: number, requestId?: string, cause?: string);
  name: 'AuthError';
  /** The stable code: what went wrong, as a closed list. */
  code: AuthErrorCode;
  /** The OAuth `error` or AWS exception the server answered with (`invalid_grant`, `NotAuthorizedException`), when there is one. */
  type?: string;
  /** The HTTP status of the response that was refused or failed, when one arrived. */
  status?: number;
  /** AWS's id of the request (`x-amzn-requestid`), when AWS sent one: what AWS Support asks for. */
  requestId?: string;
  /** What the runtime reported beneath, as text (fetch's `TypeError: Failed to fetch`), when there is something. */
  cause?: string;
  /** True for `ERR_NETWORK` (no response, a 5xx, throttling): the same call may succeed later. Tokens are kept. */
  retryable: boolean;
}

/** A JSON Web Key Set, as served at `<issuer>/.well-known/jwks.json`. */
export interface JsonWebKeySet {
  keys: Array<{ kid?: string; kty: string; alg?: string; use?: string; n?: string; e?: string; [param: string]: unknown }>;
}

export interface JwtVerifierOptions {
  /** The user pool, e.g. `us-east-1_AbC123`; region, issuer and JWKS URL are derived from it. */
  userPoolId: string;
  /** Which token to accept; `null` accepts both. Required. */
  tokenUse: 'id' | 'access' | null;
  /** Accepted app client id(s), checked against `aud` (ID) or `client_id` (access); `null` skips the check. Required. */
  clientId: string | string[] | null;
  /** If set, the token must be in at least one of these groups (`cognito:groups`). */
  groups?: string | string[] | null;
  /** If set, the access token must carry at least one of these scopes. */
  scope?: string | string[] | null;
  /** Leeway on `exp` and `nbf`, 0 to 300 seconds. Default 0. */
  graceSeconds?: number;
  /** Overrides the issuer (custom domains, a local Cognito). The JWKS URL follows it unless `jwksUri` is set. */
  issuer?: string;
  /** Overrides where the JWKS is fetched from. */
  jwksUri?: string;
  /** An inline key set (object or JSON text): nothing is fetched. */
  jwks?: JsonWebKeySet | string;
}

/** Claims of a verified Cognito token. */
export interface CognitoJwtClaims {
  sub: string;
  iss: string;
  exp: number;
  iat: number;
  token_use: 'id' | 'access';
  auth_time?: number;
  aud?: string;
  client_id?: string;
  scope?: string;
  username?: string;
  'cognito:username'?: string;
  'cognito:groups'?: string[];
  email?: string;
  email_verified?: boolean;
  nonce?: string;
  jti?: string;
  origin_jti?: string;
  [claim: string]: unknown;
}
"#;

#[cfg(feature = "auth-exports")]
#[wasm_bindgen(typescript_custom_section)]
const TS_AUTH_TYPES: &'static str = r#"
/**
 * A store the app supplies as `storage`: synchronous, as `localStorage` (strings in, strings or `null`
 * out). A method that throws or returns anything else (a Promise among them) makes the value unreadable:
 * a `storageWarning` and a signed-out state, never a trap. `key` and `length` let sign-out find and
 * clear the user's cached AWS credentials and stale sign-in transactions (a store without them is
 * accepted at run time, but those entries then stay). Other tabs or instances see the session only if
 * they share the store; the one-refresh-at-a-time lock needs Web Locks (else it holds within this
 * process), and no events cross instances of such a store (BroadcastChannel carries them between tabs).
 */
export interface AuthStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}

export interface CognitoAuthOptions {
  /** The user pool, e.g. `us-east-1_AbC123`. */
  userPoolId: string;
  /** The app client id (a public client, no secret). */
  clientId: string;
  /** The managed-login domain, e.g. `https://shop.auth.us-east-1.amazoncognito.com` (no path), or its host alone (`shop.auth.us-east-1.amazoncognito.com`, as Amplify writes it: https is meant). Needed by the managed login: without it `signInWithRedirect` / `signInWithPopup` reject `ERR_CONFIG`. */
  domain?: string;
  /** The callback URL registered on the app client (matched exactly); needed by the managed login as `domain` is. */
  redirectUri?: string;
  /** The sign-out URL registered on the app client (needed by `signOut({ redirect: true })`). */
  logoutUri?: string;
  /** Scopes to request; must include `openid`. Default `['openid', 'email', 'profile']`. */
  scopes?: string[];
  /** The identity pool, `<region>:<guid>`, for AWS credentials. */
  identityPoolId?: string;
  /**
   * Where tokens are kept. Default `'local'` (survives reloads, shared by tabs; memory where the runtime
   * has no localStorage). Or a store of the app's own: see `AuthStorage`.
   */
  storage?: 'local' | 'session' | 'memory' | AuthStorage;
  /** Refresh when tokens expire within this many seconds. Default 120. */
  refreshMarginSeconds?: number;
  /** Refresh ahead of expiry on a timer (in the visible tab, under the cross-tab lock, `tokenRefresh` emitted). Default `false`. */
  autoRefresh?: boolean;
  /** How long a started sign-in stays valid, 60–3600 s. Default 600. */
  transactionTtlSeconds?: number;
  /** `'tokenEndpoint'` (refresh_token grant, default) or `'api'` (GetTokensFromRefreshToken). */
  refreshWith?: 'tokenEndpoint' | 'api';
  /** Endpoint overrides (a local Cognito, custom domains, the newer issuer host). */
  endpoints?: {
    issuer?: string;
    jwksUri?: string;
    cognitoIdp?: string;
    cognitoIdentity?: string;
    authorize?: string;
    token?: string;
    revoke?: string;
    logout?: string;
  };
}

export interface SignInWithRedirectOptions {
  /** `'COGNITO'`, `'Google'`, `'Facebook'`, `'LoginWithAmazon'` or `'Amazon'`, `'SignInWithApple'` or `'Apple'`, or a SAML/OIDC provider's name. */
  identityProvider?: string;
  idpIdentifier?: string;
  loginHint?: string;
  lang?: string;
  /** `'login'` forces the sign-in form even with a managed-login session; `'none'` fails instead of showing it; `'select_account'`, `'consent'` as the provider defines them. */
  prompt?: 'none' | 'login' | 'consent' | 'select_account';
  scopes?: string[];
  /** Application state handed back by `handleRedirectCallback`. */
  customState?: string;
  /** `'signup'` opens the managed login's sign-up page (same PKCE, state, nonce and callback). Default `'signin'`. */
  screen?: 'signin' | 'signup';
}

export interface SignInWithPopupOptions extends SignInWithRedirectOptions {
  /** How long to wait for the sign-in in the popup before closing it with `ERR_POPUP_TIMEOUT`. Default 300. */
  timeoutSeconds?: number;
}

export interface AuthTokens {
  idToken: string;
  accessToken: string;
  /** Expiry in milliseconds since the epoch, on the local clock. */
  expiresAt: number;
}

export interface CognitoUser {
  sub: string;
  username: string;
  email?: string;
  emailVerified?: boolean;
  /** A federated user's provider (`'Google'`, the `identities` claim's primary entry); absent for a user of the pool, linked providers or not (they are in `identities`). */
  identityProvider?: string;
  /** The providers of the `identities` claim (`['Facebook']`): a federated user's own, and those linked to a user of the pool; empty for a user of the pool with none. */
  identities: string[];
  groups: string[];
  /** The IAM roles of the user's groups (`cognito:roles`): each one `getCredentials({ customRoleArn })` may ask for. */
  roles: string[];
  /** The role of the user's group with the best precedence (`cognito:preferred_role`). */
  preferredRole?: string;
  /** The ID token's `custom:*` attributes under their Cognito names (`'custom:tier'`), as `fetchUserAttributes()` names them. */
  attributes: Record<string, string>;
  /** Every claim of the verified ID token. */
  claims: CognitoJwtClaims;
}

type MfaSetting = 'preferred' | 'enabled' | 'disabled';
/** `updateMfaPreference`: the factors to change (at least one); the others stay as they are. */
export interface MfaPreference {
  /** The authenticator app (TOTP, after `setUpTotp` / `verifyTotpSetup`). */
  totp?: MfaSetting;
  /** A code by SMS to the user's `phone_number`. */
  sms?: MfaSetting;
  /** A code by e-mail to the user's `email`. */
  email?: MfaSetting;
}

/** Options of `getCredentials` and `credentialProvider`. */
export interface CredentialsOptions {
  /** Fetch new credentials even if the cached ones are still valid. */
  forceRefresh?: boolean;
  /** The IAM role to ask the identity pool for (one of `currentUser().roles`); credentials are cached per role. */
  customRoleArn?: string;
}

export interface RedirectResult {
  user: CognitoUser;
  customState: string | null;
  /** Where the app was (path, query, fragment) when `signInWithRedirect` was called. */
  returnTo: string | null;
}

export type AuthEventName =
  | 'signedIn'
  | 'signedOut'
  | 'tokenRefresh'
  | 'tokenRefreshFailure'
  | 'signInWithRedirectFailure'
  | 'credentialsRefresh'
  | 'storageWarning'
  | 'log';

/** A failure as event data. */
export interface AuthEventError {
  code: AuthErrorCode;
  message: string;
  /** The OAuth `error` or AWS exception, when the server sent one. */
  type?: string;
}

/** Why the session ended (`signedOut`). */
export type SignedOutReason =
  /** `signOut()` in this tab. */
  | 'signOut'
  /** The refresh token was refused for good (expired, revoked, the user disabled). */
  | 'refreshTokenRefused'
  /** The tokens expired and the session holds no refresh token. */
  | 'noRefreshToken'
  /** `deleteUser()`. */
  | 'userDeleted'
  /** The session ended in another tab. */
  | 'otherTab';

/** What each event's listener receives, by event name. */
export interface AuthEventMap {
  signedIn: { fromOtherTab: boolean };
  signedOut: { fromOtherTab: boolean; reason: SignedOutReason };
  tokenRefresh: { fromOtherTab: boolean };
  /** A refresh attempt failed; the tokens were kept. `attempt` is 1-based; `willRetry` says whether another follows. */
  tokenRefreshFailure: { fromOtherTab: false; error: AuthEventError; attempt: number; willRetry: boolean };
  signInWithRedirectFailure: { fromOtherTab: false; error: AuthEventError };
  credentialsRefresh: { fromOtherTab: boolean };
  /** A stored value was unreadable or foreign and was discarded. */
  storageWarning: { fromOtherTab: false; reason: 'corrupted' };
  /**
   * The debug log: requests (method, URL, AWS operation, status) at `debug`, events at `info` (`warn` for
   * failures), retries at `warn`, a failure given up on at `error`. Never a token, code, key, secret or password.
   * Lines are built only while a `log` listener is registered.
   */
  log: { fromOtherTab: false; level: LogLevel; message: string };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The detail of event `E` (of any event when `E` is not given). */
export type AuthEventDetail<E extends AuthEventName = AuthEventName> = AuthEventMap[E];

/** Where Cognito sent a verification code (`updateUserAttributes`, `sendUserAttributeVerificationCode`). */
export interface CodeDeliveryDetails {
  /** The attribute the code verifies: `email`, `phone_number`. */
  attributeName: string;
  /** `EMAIL` or `SMS`. */
  deliveryMedium: string;
  /** The masked destination, e.g. `d***@e***`. */
  destination: string;
}

/** What `credentialProvider()` resolves: the shape the AWS SDK for JavaScript v3 takes as `credentials`. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  identityId: string;
}

/** Identity-pool credentials. */
export interface AwsCredentials {
  identityId: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When they expire, as a `Date` (as `credentialProvider()` and the AWS SDK give it). */
  expiration: Date;
}

/** Which AWS service and region to sign for, e.g. `{ service: 's3', region: 'us-east-1' }`. */
export interface AwsServiceOptions {
  service: string;
  region: string;
}

export interface SignedFetchInit {
  method?: string;
  headers?: Headers | Array<[string, string]> | Record<string, string>;
  body?: string | ArrayBuffer | ArrayBufferView | Blob | null;
}

export interface SignableRequest {
  method?: string;
  /** The absolute URL. */
  url: string;
  headers?: Headers | Array<[string, string]> | Record<string, string>;
  body?: string | ArrayBuffer | ArrayBufferView | null;
}

"#;
