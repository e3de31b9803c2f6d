// CognitoAuth in a dedicated worker, on a store the app supplies: the page hands over its stored session
// (a worker has no localStorage, and cannot run the redirect sign-in); the worker refreshes the tokens
// through the token endpoint and gets identity-pool credentials, with its own fetch.
import init, { CognitoAuth, type AuthStorage, type CognitoAuthOptions } from 'cognito-wasm';

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<{ auth: CognitoAuthOptions; entries: [string, string][] }>) => void) | null;
  postMessage(message: unknown): void;
};

function mapStorage(entries: [string, string][]): AuthStorage {
  const m = new Map(entries);
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size;
    },
  };
}

scope.onmessage = async (e) => {
  try {
    await init();
    const auth = new CognitoAuth({ ...e.data.auth, storage: mapStorage(e.data.entries) });
    const before = await auth.getTokens();
    const after = await auth.getTokens({ forceRefresh: true });
    const credentials = await auth.getCredentials();
    scope.postMessage({
      signedIn: before !== null,
      refreshed: !!after && !!before && after.accessToken !== before.accessToken,
      identityId: credentials.identityId,
      hasCredentials: credentials.accessKeyId.length > 0 && credentials.secretAccessKey.length > 0,
    });
  } catch (error) {
    scope.postMessage({ error: String((error as Error)?.message ?? error) });
  }
};
