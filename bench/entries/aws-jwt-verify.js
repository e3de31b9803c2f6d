// aws-jwt-verify: verifier-only reference (what JwtVerifier mirrors): CognitoJwtVerifier with the
// pool's JWKS fetched and cached.
import { CognitoJwtVerifier } from 'aws-jwt-verify';

export const create = (c) => CognitoJwtVerifier.create({ userPoolId: c.userPoolId, tokenUse: 'id', clientId: c.clientId });
export const verify = (v, token) => v.verify(token);
