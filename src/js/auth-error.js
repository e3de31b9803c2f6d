// The class of every error cognito-wasm throws or rejects with (src/js/mod.rs constructs it; `''` and 0 mean
// none). The npm build inlines this file into the glue and exports the class (scripts/patch-glue.mjs).
export class AuthError extends Error {
  constructor(message, code, type, status, requestId, cause) {
    super(message, cause ? { cause } : undefined);
    this.code = code;
    if (type) this.type = type;
    if (status) this.status = status;
    if (requestId) this.requestId = requestId;
    this.retryable = code == 'ERR_NETWORK';
  }
}
AuthError.prototype.name = 'AuthError';
