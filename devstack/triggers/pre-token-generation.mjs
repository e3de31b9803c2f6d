// ShopSphere's PreTokenGeneration trigger (event version V2_0): a `custom:tier` claim in the ID and access
// tokens, "gold" for members of the `editors` group, else "standard". The demo shows it on the profile card.
import { main } from './aws.mjs';

export function tier(groups = []) {
  return groups.includes('editors') ? 'gold' : 'standard';
}

export async function handler(event) {
  const claims = { 'custom:tier': tier(event.request.groupConfiguration?.groupsToOverride) };
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: claims },
      accessTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(handler);
