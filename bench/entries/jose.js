// jose (WebCrypto): the verification anchor. Verify-only use (local or remote JWKS); also used by the
// browser benchmark for its verification rates and start-up.
export { jwtVerify, createLocalJWKSet, createRemoteJWKSet, importJWK } from 'jose';
