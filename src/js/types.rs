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
  | 'ERR_NETWORK';

/** Every failure is thrown (or rejected) as an `Error` of this shape. */
export interface AuthError extends Error {
  name: 'AuthError';
  code: AuthErrorCode;
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
