// ShopSphere's PostConfirmation trigger: when a shopper confirms their sign-up, create their account
// record in the `shopsphere-accounts` table, keyed by the user-pool `sub`.
//
// Why not the `shopsphere-profiles` item the app reads and writes? That item is keyed by the identity
// pool's identity id (its role may only touch `identityId = ${cognito-identity.amazonaws.com:sub}`), and
// a user-pool trigger does not know that id: it exists only once the app calls GetId with the user's ID
// token. So the server side keeps its own record, keyed by what it does know; the browser cannot read it.
//
// Run by devstack (devstack.toml, `[user_pools.triggers]`) with the `ShopSphereTriggers` role's
// credentials in the environment, as Lambda runs a function with its execution role.
import { dynamodb, main } from './aws.mjs';

export const TABLE = 'shopsphere-accounts';

export async function handler(event) {
  // Also called after ConfirmForgotPassword: the account exists already then.
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const a = event.request.userAttributes;
  const item = {
    sub: { S: a.sub },
    username: { S: event.userName },
    email: { S: a.email ?? '' },
    createdAt: { S: new Date().toISOString() },
    source: { S: event.triggerSource },
    clientId: { S: event.callerContext.clientId },
  };
  try {
    await dynamodb('PutItem', {
      TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(#s)', ExpressionAttributeNames: { '#s': 'sub' },
    });
  } catch (e) {
    // Confirmed twice (a retried event): keep the first record.
    if (!e.message.startsWith('ConditionalCheckFailedException')) throw e;
  }
  return event;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(handler);
