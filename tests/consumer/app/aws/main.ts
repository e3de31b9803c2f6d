// An app that uses the official AWS SDK for JavaScript v3 with cognito-wasm's identity-pool credentials: it signs
// in through the managed login, then DynamoDB and S3 clients installed from the registry read and write with
// `auth.credentialProvider()` as their `credentials`.
import init, { CognitoAuth, type CognitoAuthOptions } from 'cognito-wasm';
import { DynamoDBClient, GetItemCommand, PutItemCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

interface Config {
  auth: CognitoAuthOptions;
  clients: { demo: string };
  s3: string;
  dynamodb: string;
}

const TABLE = 'shopsphere-profiles';
const config: Config = await (await fetch('/config.json')).json();
await init();
const auth = new CognitoAuth({ ...config.auth, clientId: config.clients.demo });
const page = window as unknown as Record<string, unknown>;
if (auth.isRedirectCallback()) await auth.handleRedirectCallback();

page.signIn = () => auth.signInWithRedirect();
page.roundTrip = async () => {
  // The provider type-checks as both clients' `credentials`.
  const ddbCredentials: DynamoDBClientConfig['credentials'] = auth.credentialProvider();
  const s3Credentials: S3ClientConfig['credentials'] = auth.credentialProvider();
  const { identityId } = await auth.getCredentials();
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: config.dynamodb, credentials: ddbCredentials });
  await ddb.send(new PutItemCommand({
    TableName: TABLE,
    Item: { identityId: { S: identityId }, note: { S: 'from the AWS SDK' }, visits: { N: '3' } },
  }));
  const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { identityId: { S: identityId } } }));
  let denied = 'allowed';
  try {
    await ddb.send(new GetItemCommand({
      TableName: TABLE, Key: { identityId: { S: 'us-east-1:00000000-0000-4000-8000-000000000000' } },
    }));
  } catch (e) {
    denied = (e as Error).name;
  }
  const s3 = new S3Client({ region: 'us-east-1', endpoint: config.s3, forcePathStyle: true, credentials: s3Credentials });
  const Key = `private/${identityId}/sdk.txt`;
  await s3.send(new PutObjectCommand({ Bucket: 'avatars', Key, Body: 'written by @aws-sdk/client-s3', ContentType: 'text/plain' }));
  const object = await s3.send(new GetObjectCommand({ Bucket: 'avatars', Key }));
  return {
    identityId,
    note: got.Item?.note?.S,
    visits: got.Item?.visits?.N,
    denied,
    body: await object.Body?.transformToString(),
  };
};
// The session handed to a dedicated worker, which refreshes and gets credentials on its own.
page.workerRoundTrip = async () => {
  const entries: [string, string][] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)!;
    if (key.startsWith('cognito-wasm.')) entries.push([key, localStorage.getItem(key)!]);
  }
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const result = await new Promise<Record<string, unknown>>((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: e.message });
    worker.postMessage({ auth: { ...config.auth, clientId: config.clients.demo }, entries });
  });
  worker.terminate();
  return { ...result, pageIdentityId: (await auth.getCredentials()).identityId };
};
page.ready = true;
