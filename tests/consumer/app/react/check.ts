// Type-checks the declarations of cognito-wasm/react as an app in TypeScript uses them (tsc only).
import { createElement } from 'react';
import { CognitoProvider, RequireAuth, useAuth, type UseAuth } from 'cognito-wasm/react';
import type { CognitoAuthOptions } from 'cognito-wasm';

declare const options: CognitoAuthOptions;
export const tree = createElement(CognitoProvider, { config: options },
  createElement(RequireAuth, { fallback: 'wait', signIn: { identityProvider: 'Google' } }, 'private'));
export function useName(): string | undefined {
  const auth: UseAuth = useAuth();
  void auth.getTokens({ forceRefresh: false }).then((t) => t?.accessToken);
  return auth.isSignedIn ? auth.user?.username : undefined;
}
