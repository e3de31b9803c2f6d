// ShopSphere's PreSignUp trigger: refuse sign-ups from throwaway email domains (Cognito then answers
// SignUp with UserLambdaValidationException "PreSignUp failed with error <this message>."). Everyone else
// signs up as usual and confirms with the emailed code.
import { main } from './aws.mjs';

export const BLOCKED_DOMAINS = ['disposable.test', 'mailinator.com'];

export async function handler(event) {
  const email = event.request.userAttributes.email ?? '';
  const domain = email.split('@').pop().toLowerCase();
  if (BLOCKED_DOMAINS.includes(domain)) throw new Error(`Sign-ups with ${domain} addresses are not accepted`);
  return event;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(handler);
