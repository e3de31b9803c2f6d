// ShopSphere's PreTokenGeneration trigger (event version V2_0): a `custom:tier` claim in the ID and access
// tokens. A tier stored on the account (the `custom:tier` attribute, e.g. a paid upgrade) wins; otherwise
// members of the `editors` group are "gold" and everyone else "standard". The demo shows it on the profile card.
import { main } from './aws.mjs';

export function tier(attributes = {}, groups = []) {
  return attributes['custom:tier'] || (groups.includes('editors') ? 'gold' : 'standard');
}

export async function handler(event) {
  const { userAttributes, groupConfiguration } = event.request;
  const claims = { 'custom:tier': tier(userAttributes, groupConfiguration?.groupsToOverride) };
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: claims },
      accessTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(handler);
