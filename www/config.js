// Where the ShopSphere demo finds Cognito and S3. app.js imports this file and nothing else decides it.
//
// The defaults point at devstack, the local Cognito + S3 that `./scripts/demo.sh` starts (users demo /
// ShopSphere!2026 and rival / Rival!2026pass). To use a real AWS account, set the fields of the
// first block (and the table) to your own resources, delete the devstack-only block, and rebuild (`trunk serve` does it on
// save). README.md, "Using a real AWS account", lists the app client settings, the identity-pool role
// policy and the bucket CORS rules the demo needs.
export default {
  // ── The fields of a real deployment ─────────────────────────────────────────────────────────
  // AWS region of the user pool, the identity pool and the bucket.
  region: 'us-east-1',
  // Cognito user pool id, `<region>_<id>` (Cognito console → User pools → Overview).
  userPoolId: 'us-east-1_ShopSphr1',
  // App client id: a public client (no secret) with the authorization code grant, scopes
  // openid email profile, and this page's URL as callback and sign-out URL.
  clientId: 'shopspheredemoclient000001',
  // Managed-login (hosted UI) domain, with scheme and without a trailing slash:
  // `https://<prefix>.auth.<region>.amazoncognito.com` or your custom domain.
  domain: 'http://localhost:9230',
  // Identity pool id, `<region>:<guid>`, with the user pool + app client above as its provider.
  identityPoolId: 'us-east-1:7b5c1e2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c',
  // Bucket for the avatars; each user writes `private/<identityId>/avatar.<ext>` in it.
  bucket: 'avatars',
  // DynamoDB table for the preferences: partition key `identityId` (string); each user reads and writes
  // only the item of their own identity id (the role's dynamodb:LeadingKeys condition).
  table: 'shopsphere-profiles',

  // ── Optional ───────────────────────────────────────────────────────────────────────────────────
  // Where the managed login sends the browser back after sign-in and sign-out. Must equal, character
  // for character, a callback / sign-out URL of the app client. Default: this page's origin + '/'.
  redirectUri: undefined,
  logoutUri: undefined,
  // Largest avatar accepted, in bytes (checked before anything is uploaded).
  maxAvatarBytes: 2 * 1024 * 1024,
  // How long presigned avatar URLs stay valid, in seconds.
  avatarUrlSeconds: 300,

  // ── devstack only: delete this block for a real account ─────────────────────────────────────────
  // S3 base URL, path style (`<s3Endpoint>/<bucket>/<key>`). When undefined the demo uses AWS's
  // virtual-hosted URL `https://<bucket>.s3.<region>.amazonaws.com/<key>`.
  s3Endpoint: 'http://localhost:9231',
  // DynamoDB endpoint. When undefined the demo uses `https://dynamodb.<region>.amazonaws.com/`.
  dynamodbEndpoint: 'http://localhost:9232/',
  // Endpoint overrides passed to CognitoAuth: devstack serves the issuer, JWKS and both JSON APIs on one
  // host. When undefined, everything is derived from userPoolId and region as on AWS.
  endpoints: {
    issuer: 'http://localhost:9230/us-east-1_ShopSphr1',
    cognitoIdp: 'http://localhost:9230/',
    cognitoIdentity: 'http://localhost:9230/',
  },
};
