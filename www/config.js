// Where the demo finds Cognito. The defaults point at devstack (the local Cognito started by
// scripts/demo.sh). To use a real AWS account, replace these values (see README, "Using a real account").
export default {
  region: 'us-east-1',
  userPoolId: 'us-east-1_ShopSphr1',
  clientId: 'shopspheredemoclient000001',
  // devstack serves the issuer on its own host; for a real pool leave `issuer` undefined and it is derived.
  issuer: 'http://localhost:9230/us-east-1_ShopSphr1',
};
