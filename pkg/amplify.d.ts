import type { CognitoAuthOptions } from './cognito_wasm.js';

/** The parts of Amplify Gen 2's `amplify_outputs.json` this reads (its `auth` section). */
export interface AmplifyOutputs {
  auth?: {
    user_pool_id: string;
    user_pool_client_id: string;
    identity_pool_id?: string;
    aws_region?: string;
    oauth?: {
      domain: string;
      scopes?: string[];
      redirect_sign_in_uri?: string[];
      redirect_sign_out_uri?: string[];
      response_type?: string;
      identity_providers?: string[];
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * `CognitoAuth` options from `amplify_outputs.json` (an object or its text): user pool, app client, identity pool,
 * managed-login domain, scopes, and the sign-in / sign-out URIs on this page's origin (or the only one).
 * `overrides` wins. Throws `AuthError` `ERR_CONFIG` naming what is missing or ambiguous.
 */
export function configFromAmplifyOutputs(
  outputs: AmplifyOutputs | string,
  overrides?: Partial<CognitoAuthOptions>,
): CognitoAuthOptions;
