// The little AWS client ShopSphere's example triggers share: read the event from stdin, answer on stdout,
// and call DynamoDB with SigV4 from the credentials Lambda (or devstack) puts in the environment.
// Plain Node, no dependencies.
import { createHash, createHmac } from 'node:crypto';

/** The trigger event from stdin (devstack runs a command trigger with it there). */
export async function readEvent() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Runs `handler(event)` as Lambda would: its return value is the answer; a throw fails the trigger. */
export async function main(handler) {
  try {
    const event = await readEvent();
    process.stdout.write(JSON.stringify(await handler(event)));
  } catch (e) {
    process.stderr.write(`Error: ${e.message}\n`);
    process.exitCode = 1;
  }
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/**
 * A DynamoDB JSON API call (`operation` such as `PutItem`) signed with SigV4. Credentials, region and
 * endpoint come from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
 * `AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`) unless `options` gives them. Resolves to the parsed answer;
 * rejects with the service's error type and message.
 */
export async function dynamodb(operation, body, options = {}) {
  const env = process.env;
  const region = options.region ?? env.AWS_REGION ?? 'us-east-1';
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? `https://dynamodb.${region}.amazonaws.com`;
  const creds = options.credentials ?? {
    accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN,
  };
  if (!creds.accessKeyId || !creds.secretAccessKey) throw new Error('no AWS credentials in the environment');
  const url = new URL('/', endpoint);
  const payload = JSON.stringify(body);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': `DynamoDB_20120810.${operation}`,
  };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha256(payload)]
    .join('\n');
  const scope = `${day}/${region}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${creds.secretAccessKey}`, day);
  for (const part of [region, 'dynamodb', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  delete headers.host;
  const r = await fetch(url, { method: 'POST', headers, body: payload });
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) {
    const type = String(answer.__type ?? r.status).split('#').pop();
    throw new Error(`${type}: ${answer.message ?? answer.Message ?? 'DynamoDB call failed'}`);
  }
  return answer;
}
