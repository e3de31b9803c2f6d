// ShopSphere: the cognito-wasm demo. It uses only the package's public JS API, as an npm user would
// (`import init, { CognitoAuth } from 'cognito-wasm'`): trunk serves the release package (pkg/, built by
// scripts/build-pkg.sh) beside this page, so what a visitor runs is what users ship.
//
// What it shows: managed-login sign-in (password, Google, Facebook, company SSO by idp_identifier, sign-up)
// and sign-out, the verified ID token's profile, an avatar stored in S3 under the user's own identity-pool
// folder (`private/<identityId>/avatar.<ext>`, uploaded with signedFetch, shown through a presigned GET URL),
// preferences kept in the user's attributes and in a DynamoDB item keyed by the identity id, TOTP two-step
// sign-in, and the session events as they happen in this tab and in the others.
import init, { CognitoAuth, signRequest } from './pkg/cognito_wasm.js';
// qrcode-generator (npm, MIT), copied from node_modules by trunk (index.html): the demo's, not the package's.
import qrcode from './vendor/qrcode.mjs';
import config from './config.js';

const $ = (id) => document.getElementById(id);

/** Avatar formats accepted: MIME type → file extension used in the key. */
const FORMATS = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };
const FORMAT_NAMES = 'PNG, JPEG, WebP or GIF';
const MAX_BYTES = config.maxAvatarBytes ?? 2 * 1024 * 1024;
const EVENTS = ['signedIn', 'signedOut', 'tokenRefresh', 'tokenRefreshFailure', 'signInWithRedirectFailure',
  'credentialsRefresh', 'storageWarning'];

let auth = null;
const state = { user: null, expiresAt: null, issuedAt: null, identityId: null, avatarKey: null, renderSeq: 0 };

// ── Readable messages ────────────────────────────────────────────────────────────────────────────────

const SIGN_IN_AGAIN = 'Your session has expired. Please sign in again.';

/** Cognito's refusals of the account calls (attributes, codes, TOTP), by error type. */
const ACCOUNT_MESSAGES = {
  CodeMismatchException: () => 'That code is not right. Check it and try again.',
  EnableSoftwareTokenMFAException: () => 'That code is not right. Check the time on your phone and try the next code.',
  ExpiredCodeException: () => 'That code has expired. Ask for a new one.',
  AliasExistsException: () => 'Another account already uses that email address.',
  LimitExceededException: () => 'Too many attempts. Wait a few minutes and try again.',
  InvalidPasswordException: (e) => e.message,
  InvalidParameterException: (e) => e.message,
};

/** A sentence for the user from anything thrown: AuthError codes, S3 errors, fetch failures. */
function describe(e) {
  if (e?.name === 'S3Error' || e?.name === 'DynamoError') return e.message;
  if (e?.name === 'AuthError') {
    const account = ACCOUNT_MESSAGES[e.type];
    if (account) return account(e);
    switch (e.code) {
      case 'ERR_NETWORK':
        return 'Could not reach the server. Check your connection and try again.';
      case 'ERR_NOT_SIGNED_IN':
        return 'You are signed out. Sign in to continue.';
      case 'ERR_SESSION_ENDED':
        return SIGN_IN_AGAIN;
      case 'ERR_AWS':
        if (e.type === 'NotAuthorizedException') return SIGN_IN_AGAIN;
        if (e.type === 'TooManyRequestsException') return 'The service is busy right now. Try again in a moment.';
        if (e.type === 'AccessDeniedException') return 'Access denied.';
        return `AWS refused the request (${e.type ?? 'error'}): ${e.message}`;
      case 'ERR_OAUTH':
        // access_denied: the user said no at the login page or at Google's consent screen.
        if (e.type === 'access_denied') return 'Sign-in was cancelled. You are still signed out.';
        return `Sign-in was refused: ${e.message}`;
      case 'ERR_STATE_MISMATCH':
      case 'ERR_CALLBACK_HANDLED':
      case 'ERR_NOT_A_CALLBACK':
        return 'This sign-in link has already been used or has expired. Please sign in again.';
      case 'ERR_CONFIG':
        return `The demo is misconfigured (www/config.js): ${e.message}`;
      case 'ERR_STORAGE':
        return `The browser refused to store the session: ${e.message}`;
      default:
        if (e.code?.startsWith('ERR_JWT') || e.code?.startsWith('ERR_JWK')) {
          return `The sign-in response could not be verified (${e.code}). Please sign in again.`;
        }
        return e.message;
    }
  }
  if (e instanceof TypeError && /fetch|network/i.test(e.message)) {
    return 'Could not reach the server. Check your connection and try again.';
  }
  return e?.message ?? String(e);
}

/** S3 answers errors as XML `<Error><Code>…</Code><Message>…</Message></Error>`. */
async function s3Error(response) {
  let code = '';
  let detail = '';
  try {
    const text = await response.text();
    code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
    detail = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
  } catch { /* no body (HEAD) */ }
  const status = response.status;
  const messages = {
    AccessDenied: 'Access denied: your account may only use its own folder of the bucket.',
    ExpiredToken: SIGN_IN_AGAIN,
    InvalidToken: SIGN_IN_AGAIN,
    EntityTooLarge: 'That image is too big for the bucket.',
    SignatureDoesNotMatch: 'The storage service did not accept the request signature.',
    RequestTimeTooSkewed: 'Your computer clock is off by more than 15 minutes; fix it and try again.',
    InvalidAccessKeyId: SIGN_IN_AGAIN,
    NoSuchBucket: `The bucket "${config.bucket}" does not exist (check bucket and region in config.js).`,
    SlowDown: 'The storage service is busy. Try again in a moment.',
    InternalError: 'The storage service had a problem. Try again in a moment.',
  };
  let message = messages[code];
  if (!message) {
    if (status === 403) message = messages.AccessDenied;
    else if (status >= 500) message = `The storage service had a problem (HTTP ${status}). Try again in a moment.`;
    else message = `The storage service refused the request (HTTP ${status}${code ? `, ${code}` : ''}).`;
  }
  const e = new Error(message);
  e.name = 'S3Error';
  Object.assign(e, { status, code, detail });
  return e;
}

const formatBytes = (n) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB`
  : `${(n / 1024 / 1024).toFixed(1)} MB`);
const clock = (ms) => new Date(ms).toLocaleTimeString([], {
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});
function inWords(ms) {
  const s = Math.round(ms / 1000);
  if (s <= 0) return 'expired';
  if (s < 90) return `in ${s} s`;
  const m = Math.round(s / 60);
  return m < 90 ? `in ${m} min` : `in ${Math.round(m / 60)} h`;
}

/**
 * AWS refused the session (revoked or expired tokens or credentials): a forced refresh either mends it
 * or, when Cognito refuses the refresh token, ends it, and the signedOut event shows the signed-out page.
 */
function checkSession(e) {
  if (describe(e) === SIGN_IN_AGAIN && state.user) auth.getTokens({ forceRefresh: true }).catch(() => {});
}

// ── Small UI helpers ─────────────────────────────────────────────────────────────────────────────────

function banner(text) {
  $('banner-text').textContent = text;
  $('banner').hidden = !text;
}

let toastTimer;
function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $('toast').hidden = true; }, 2500);
}

/**
 * Shows an email address with break opportunities after the @ and before each dot (<wbr>), so a narrow column wraps
 * it at those places rather than in the middle of a word.
 */
function showEmail(el, email) {
  const parts = email.split(/(?<=@)|(?=\.)/);
  el.replaceChildren(...parts.flatMap((p, i) => (i ? [document.createElement('wbr'), p] : [p])));
}

function avatarStatus(kind, text) {
  const el = $('avatar-status');
  el.dataset.kind = kind;
  el.textContent = text;
}

/** One line in the session panel; `kind` is 'auth', 'error' or 'app'. */
function logEvent({ kind = 'auth', what, name, fromOtherTab, detail }) {
  const li = document.createElement('li');
  li.dataset.kind = kind;
  if (name) li.dataset.event = name;
  const time = document.createElement('time');
  time.textContent = clock(Date.now());
  const line = document.createElement('span');
  line.className = 'what';
  line.textContent = what;
  if (fromOtherTab !== undefined) {
    const tag = document.createElement('span');
    tag.className = fromOtherTab ? 'tag other' : 'tag';
    tag.textContent = fromOtherTab ? 'other tab' : 'this tab';
    line.append(tag);
  }
  li.append(time, line);
  if (detail) {
    const d = document.createElement('span');
    d.className = 'detail';
    d.textContent = detail;
    li.append(d);
  }
  const list = $('events');
  list.prepend(li);
  while (list.children.length > 60) list.lastChild.remove();
}

const EVENT_LABELS = {
  signedIn: 'Signed in',
  signedOut: 'Signed out',
  tokenRefresh: 'Tokens refreshed',
  tokenRefreshFailure: 'Token refresh failed',
  signInWithRedirectFailure: 'Sign-in failed',
  credentialsRefresh: 'AWS credentials refreshed',
  storageWarning: 'Storage warning',
};

function onAuthEvent(name, detail = {}) {
  const parts = [];
  if (detail.reason) parts.push(`reason: ${detail.reason}`);
  if (detail.error) parts.push(detail.error.message ?? detail.error.code);
  if (detail.attempt !== undefined) parts.push(`attempt ${detail.attempt}`);
  if (detail.willRetry !== undefined) parts.push(detail.willRetry ? 'will retry' : 'no more retries');
  // The user said no (login page or Google's consent): not a failure, and the banner already says so.
  const cancelled = name === 'signInWithRedirectFailure' && detail.error?.type === 'access_denied';
  const failed = !cancelled && (name.endsWith('Failure') || name === 'storageWarning');
  logEvent({ kind: failed ? 'error' : 'auth', what: cancelled ? 'Sign-in cancelled' : EVENT_LABELS[name] ?? name, name,
    fromOtherTab: !!detail.fromOtherTab, detail: cancelled ? '' : parts.join(' · ') });

  switch (name) {
    case 'signedOut':
      if (detail.reason && detail.reason !== 'signOut' && !detail.fromOtherTab) banner(SIGN_IN_AGAIN);
      render();
      break;
    case 'signedIn':
      if (detail.fromOtherTab) render();
      break;
    case 'tokenRefresh':
      updateTokens();
      break;
    case 'tokenRefreshFailure':
      if (detail.willRetry === false) banner(`Could not refresh your session: ${describe(detail.error ?? {})}`);
      break;
    case 'credentialsRefresh':
      updateCredentials();
      break;
    default:
  }
}

// ── S3 ───────────────────────────────────────────────────────────────────────────────────────────────

/** The object's URL: path style on a custom endpoint (devstack), else AWS's virtual-hosted style. */
function objectUrl(key) {
  const path = key.split('/').map(encodeURIComponent).join('/');
  if (config.s3Endpoint) return `${config.s3Endpoint.replace(/\/+$/, '')}/${config.bucket}/${path}`;
  return `https://${config.bucket}.s3.${config.region}.amazonaws.com/${path}`;
}

const avatarKey = (identityId, ext) => `private/${identityId}/avatar.${ext}`;
const rememberedKey = (identityId) => localStorage.getItem(`shopsphere.avatar.${identityId}`);
const rememberKey = (identityId, key) => localStorage.setItem(`shopsphere.avatar.${identityId}`, key);

/** signedFetch to the bucket; expired or unknown credentials are refreshed once and the request retried. */
async function s3(key, init) {
  const send = () => auth.signedFetch(objectUrl(key), init, { service: 's3', region: config.region });
  const response = await send();
  if (response.status === 400 || response.status === 403) {
    const code = /<Code>([^<]*)<\/Code>/.exec(await response.clone().text())?.[1];
    if (code === 'ExpiredToken' || code === 'InvalidToken' || code === 'InvalidAccessKeyId') {
      await auth.getCredentials({ forceRefresh: true });
      return send();
    }
  }
  return response;
}

/**
 * Whether a HEAD says "no such object". Without s3:ListBucket on the prefix, AWS answers 403 (not 404)
 * for a missing key, and a HEAD has no body to tell the two apart; a real refusal shows at upload time.
 */
const missing = (r) => r.status === 404 || r.status === 403;

/** The stored avatar's key: the one this browser uploaded last, else the newest of the known extensions. */
async function findAvatar(identityId) {
  const remembered = rememberedKey(identityId);
  if (remembered) {
    const r = await s3(remembered, { method: 'HEAD' });
    if (r.ok) return remembered;
    if (!missing(r)) throw await s3Error(r);
  }
  const found = await Promise.all([...new Set(Object.values(FORMATS))].map(async (ext) => {
    const key = avatarKey(identityId, ext);
    if (key === remembered) return null;
    const r = await s3(key, { method: 'HEAD' });
    if (missing(r)) return null;
    if (!r.ok) throw await s3Error(r);
    return { key, modified: Date.parse(r.headers.get('last-modified') ?? '') || 0 };
  }));
  const newest = found.filter(Boolean).sort((a, b) => b.modified - a.modified)[0];
  if (newest) rememberKey(identityId, newest.key);
  return newest?.key ?? null;
}

// ── Moderation (the editors group) ───────────────────────────────────────────────────────────────────

/** The IAM role of the user's `editors` group (from the ID token's cognito:roles), or null. */
function editorsRole(user) {
  if (!user?.groups.includes('editors')) return null;
  return user.preferredRole ?? user.roles[0] ?? null;
}

/**
 * Lists every avatar (ListObjectsV2 under private/) with credentials in the editors' role, asked for by
 * name (getCredentials({ customRoleArn })), and shows each through a URL presigned with them.
 */
async function loadModeration() {
  const list = $('moderation-list');
  const say = (kind, text) => {
    const el = $('moderation-status');
    el.hidden = !text;
    el.dataset.kind = kind;
    el.textContent = text;
  };
  list.replaceChildren();
  say('busy', 'Loading every avatar…');
  try {
    const creds = await auth.getCredentials({ customRoleArn: editorsRole(state.user) });
    const base = config.s3Endpoint
      ? `${config.s3Endpoint.replace(/\/+$/, '')}/${config.bucket}`
      : `https://${config.bucket}.s3.${config.region}.amazonaws.com`;
    const url = `${base}?list-type=2&prefix=private%2F`;
    const options = { service: 's3', region: config.region };
    const response = await fetch(url, { headers: signRequest({ method: 'GET', url }, creds, options) });
    if (!response.ok) throw await s3Error(response);
    const xml = new DOMParser().parseFromString(await response.text(), 'application/xml');
    const keys = [...xml.getElementsByTagName('Key')].map((k) => k.textContent).filter((k) => /\/avatar\.\w+$/.test(k));
    for (const key of keys) {
      const signed = signRequest({ method: 'GET', url: objectUrl(key) }, creds, options);
      const image = await fetch(objectUrl(key), { headers: signed });
      if (!image.ok) throw await s3Error(image);
      const item = document.createElement('li');
      const img = document.createElement('img');
      img.alt = key;
      img.src = URL.createObjectURL(await image.blob());
      const name = document.createElement('span');
      name.className = 'mono small';
      name.textContent = key;
      item.append(img, name);
      list.append(item);
    }
    say('ok', keys.length ? `${keys.length} avatar${keys.length === 1 ? '' : 's'}.` : 'No shopper has an avatar yet.');
  } catch (e) {
    say('error', `Could not list the avatars. ${describe(e)}`);
  }
}

/** Shows the object through a presigned GET URL (the <img> fetches it without any signing of its own). */
async function showAvatar(key) {
  const url = await auth.presignUrl(objectUrl(key), {
    service: 's3', region: config.region, expiresIn: config.avatarUrlSeconds ?? 300,
  });
  const img = $('avatar-img');
  await new Promise((resolve, reject) => {
    img.onload = resolve;
    img.onerror = () => reject(new Error('The stored avatar could not be displayed (is it really an image?).'));
    img.src = url;
  });
  img.hidden = false;
  $('avatar-initials').hidden = true;
  const mini = $('header-avatar');
  mini.style.backgroundImage = `url("${url}")`;
  mini.textContent = '';
  state.avatarKey = key;
  $('avatar-key').textContent = `s3://${config.bucket}/${key}`;
}

function clearAvatar() {
  const img = $('avatar-img');
  img.hidden = true;
  img.removeAttribute('src');
  const initials = (state.user?.claims?.name ?? state.user?.username ?? '?')
    .split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
  $('avatar-initials').hidden = false;
  $('avatar-initials').textContent = initials || '?';
  const mini = $('header-avatar');
  mini.style.backgroundImage = '';
  mini.textContent = initials.slice(0, 1);
  state.avatarKey = null;
  $('avatar-key').textContent = '';
}

async function loadAvatar(seq) {
  const card = $('avatar-card');
  card.dataset.state = 'loading';
  $('avatar-frame').classList.add('busy');
  avatarStatus('busy', 'Looking for your avatar…');
  try {
    const { identityId } = await auth.getCredentials();
    if (seq !== state.renderSeq) return;
    state.identityId = identityId;
    updateCredentials();
    const key = await findAvatar(identityId);
    if (seq !== state.renderSeq) return;
    if (key) {
      await showAvatar(key);
      avatarStatus('ok', 'This is your avatar. Choose another image to replace it.');
    } else {
      avatarStatus('info', 'No avatar yet. Choose an image to upload one.');
    }
    card.dataset.state = key ? 'shown' : 'empty';
  } catch (e) {
    if (seq !== state.renderSeq) return;
    card.dataset.state = 'error';
    avatarStatus('error', `Could not load your avatar. ${describe(e)}`);
    checkSession(e);
  } finally {
    $('avatar-frame').classList.remove('busy');
  }
}

// ── Upload ───────────────────────────────────────────────────────────────────────────────────────────

/** The image format from the file's first bytes (a renamed text file is not an image). */
function sniff(bytes) {
  const at = (i, ...b) => b.every((v, j) => bytes[i + j] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  return null;
}

/** Checks size and type before anything is sent; throws an Error with a readable message. */
async function checkImage(file) {
  const name = file.name || 'This file';
  if (file.size === 0) throw new Error(`“${name}” is empty.`);
  if (file.type && !FORMATS[file.type]) {
    throw new Error(`“${name}” is not a ${FORMAT_NAMES} image${file.type ? ` (it is ${file.type})` : ''}.`);
  }
  if (file.size > MAX_BYTES) {
    throw new Error(`“${name}” is too big (${formatBytes(file.size)}). Choose an image of ${formatBytes(MAX_BYTES)} or less.`);
  }
  const type = sniff(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
  if (!type) throw new Error(`“${name}” is not a valid ${FORMAT_NAMES} image.`);
  if (file.type && type !== file.type) {
    throw new Error(`“${name}” says it is ${file.type} but its content is ${type}. Save it in the right format and retry.`);
  }
  return { type, ext: FORMATS[type] };
}

let uploading = false;
async function upload(file) {
  if (uploading) return;
  if (!state.user) {
    avatarStatus('error', 'Sign in to upload an avatar.');
    return;
  }
  let format;
  try {
    format = await checkImage(file);
  } catch (e) {
    avatarStatus('error', e.message);
    return;
  }
  uploading = true;
  const card = $('avatar-card');
  card.dataset.state = 'uploading';
  $('avatar-frame').classList.add('busy');
  avatarStatus('busy', `Uploading ${file.name} (${formatBytes(file.size)})…`);
  try {
    const { identityId } = await auth.getCredentials();
    const key = avatarKey(identityId, format.ext);
    const response = await s3(key, { method: 'PUT', headers: { 'content-type': format.type }, body: file });
    if (!response.ok) throw await s3Error(response);
    const previous = rememberedKey(identityId) ?? state.avatarKey;
    rememberKey(identityId, key);
    // One avatar per user: remove the old one when the extension changed (best effort).
    if (previous && previous !== key) s3(previous, { method: 'DELETE' }).catch(() => {});
    await showAvatar(key);
    card.dataset.state = 'shown';
    avatarStatus('ok', `Avatar saved (${formatBytes(file.size)}).`);
    logEvent({ kind: 'app', what: 'Avatar uploaded', detail: `${key.split('/').pop()} · ${formatBytes(file.size)}` });
  } catch (e) {
    card.dataset.state = 'error';
    avatarStatus('error', `Upload failed. ${describe(e)}`);
    checkSession(e);
  } finally {
    uploading = false;
    $('avatar-frame').classList.remove('busy');
  }
}

// ── Preferences: the display name in the user's attributes (Cognito), the rest in DynamoDB ────────────

const dynamoUrl = () => config.dynamodbEndpoint ?? `https://dynamodb.${config.region}.amazonaws.com/`;

function dynamoError(status, data) {
  const type = String(data?.__type ?? '').split('#').pop();
  const messages = {
    AccessDeniedException: 'Access denied: your account may only use its own preferences.',
    ResourceNotFoundException: `The table "${config.table}" does not exist (check table and region in config.js).`,
    ProvisionedThroughputExceededException: 'The database is busy. Try again in a moment.',
    ThrottlingException: 'The database is busy. Try again in a moment.',
    InvalidSignatureException: 'The database did not accept the request signature.',
  };
  const e = new Error(messages[type] ?? (status >= 500 ? `The database had a problem (HTTP ${status}). Try again in a moment.`
    : `The database refused the request (HTTP ${status}${type ? `, ${type}` : ''}).`));
  e.name = 'DynamoError';
  Object.assign(e, { status, type });
  return e;
}

/** One DynamoDB call (JSON 1.0 protocol), signed with the identity-pool credentials. */
async function dynamo(operation, body) {
  const send = () => auth.signedFetch(dynamoUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
    body: JSON.stringify(body),
  }, { service: 'dynamodb', region: config.region });
  let response = await send();
  let data = await response.json().catch(() => ({}));
  if (response.status === 400 && /ExpiredToken|UnrecognizedClient/.test(data.__type ?? '')) {
    await auth.getCredentials({ forceRefresh: true });
    response = await send();
    data = await response.json().catch(() => ({}));
  }
  if (!response.ok) throw dynamoError(response.status, data);
  return data;
}

function prefsStatus(kind, text) {
  const el = $('prefs-status');
  el.dataset.kind = kind;
  el.textContent = text;
}

async function loadPrefs(seq) {
  $('prefs-card').dataset.state = 'loading';
  prefsStatus('busy', 'Loading your preferences…');
  try {
    const [attributes, { identityId }] = await Promise.all([auth.fetchUserAttributes(), auth.getCredentials()]);
    const { Item: item = {} } = await dynamo('GetItem', { TableName: config.table, Key: { identityId: { S: identityId } } });
    if (seq !== state.renderSeq) return;
    $('pref-name').value = attributes.name ?? '';
    $('pref-email').value = attributes.email ?? '';
    $('pref-department').value = item.department?.S ?? '';
    $('pref-sizes').value = item.sizes?.S ?? '';
    $('pref-newsletter').checked = item.newsletter?.BOOL ?? false;
    $('prefs-where').textContent = `${config.table} · identityId ${identityId}`;
    $('prefs-card').dataset.state = 'loaded';
    prefsStatus('info', item.identityId ? 'These are your saved preferences.' : 'Nothing saved yet.');
  } catch (e) {
    if (seq !== state.renderSeq) return;
    $('prefs-card').dataset.state = 'error';
    prefsStatus('error', `Could not load your preferences. ${describe(e)}`);
    checkSession(e);
  }
}

async function savePrefs() {
  prefsStatus('busy', 'Saving…');
  try {
    const name = $('pref-name').value.trim();
    if (name !== (state.user?.claims?.name ?? '')) await auth.updateUserAttributes({ name });
    const { identityId } = await auth.getCredentials();
    const item = { identityId: { S: identityId }, newsletter: { BOOL: $('pref-newsletter').checked } };
    const department = $('pref-department').value;
    const sizes = $('pref-sizes').value.trim();
    if (department) item.department = { S: department };
    if (sizes) item.sizes = { S: sizes };
    await dynamo('PutItem', { TableName: config.table, Item: item });
    $('prefs-card').dataset.state = 'saved';
    prefsStatus('ok', 'Preferences saved.');
    logEvent({ kind: 'app', what: 'Preferences saved', detail: config.table });
    render();
  } catch (e) {
    $('prefs-card').dataset.state = 'error';
    prefsStatus('error', `Could not save your preferences. ${describe(e)}`);
    checkSession(e);
  }
}

/** The email forms' own line, under them (the preferences form has its own). */
function emailStatus(kind, text) {
  const el = $('email-status');
  el.hidden = !text;
  el.dataset.kind = kind;
  el.textContent = text;
}

async function changeEmail() {
  const email = $('pref-email').value.trim();
  emailStatus('busy', 'Changing your email…');
  try {
    const waiting = await auth.updateUserAttributes({ email });
    const code = waiting.find((d) => d.attributeName === 'email');
    if (code) {
      $('email-destination').textContent = code.destination;
      $('email-code-form').hidden = false;
      $('email-code').focus();
      emailStatus('info', `We sent a code to ${code.destination}. Enter it to confirm your new email.`);
    } else {
      emailStatus('ok', 'Email changed.');
    }
    render();
  } catch (e) {
    emailStatus('error', `Could not change your email. ${describe(e)}`);
  }
}

async function confirmEmail() {
  emailStatus('busy', 'Confirming…');
  try {
    await auth.confirmUserAttribute('email', $('email-code').value.trim());
    $('email-code-form').hidden = true;
    $('email-code').value = '';
    emailStatus('ok', 'Your new email is confirmed.');
    render();
  } catch (e) {
    emailStatus('error', describe(e));
  }
}

// ── Security: TOTP with an authenticator app ─────────────────────────────────────────────────────────

function mfaStatus(kind, text) {
  const el = $('mfa-status');
  el.hidden = !text;
  el.dataset.kind = kind;
  el.textContent = text;
}

async function loadMfa() {
  try {
    const { enabled } = await auth.fetchMfaPreference();
    const on = enabled.includes('TOTP');
    $('mfa-label').textContent = on ? 'on' : 'off';
    $('security-card').dataset.mfa = on ? 'on' : 'off';
    $('mfa-setup').hidden = on;
    $('mfa-off').hidden = !on;
    const email = enabled.includes('EMAIL');
    $('email-mfa-label').textContent = email ? 'on' : 'off';
    $('security-card').dataset.emailMfa = email ? 'on' : 'off';
    $('email-mfa-toggle').textContent = email ? 'Stop e-mailing codes' : 'E-mail me a code at sign-in';
  } catch (e) {
    mfaStatus('error', `Could not read your sign-in settings. ${describe(e)}`);
  }
}

/** The otpauth URI as a QR code: an SVG drawn by qrcode-generator (error correction M, a quiet zone of 4 modules). */
function showQr(el, text) {
  const qr = qrcode(0, 'M'); // 0: the smallest version that holds the text
  qr.addData(text);
  qr.make();
  el.innerHTML = qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true }); // markup of the library's own
}

async function setUpMfa() {
  mfaStatus('busy', 'Creating a key…');
  try {
    const { secret, uri } = await auth.setUpTotp({ appName: 'ShopSphere' });
    showQr($('mfa-qr'), uri);
    $('mfa-secret').textContent = secret;
    $('mfa-uri').href = uri;
    $('mfa-form').hidden = false;
    $('mfa-form').scrollIntoView({ block: 'nearest' }); // the QR code and the code field in view
    $('mfa-code').focus({ preventScroll: true });
    mfaStatus('', '');
  } catch (e) {
    mfaStatus('error', `Could not start the set-up. ${describe(e)}`);
  }
}

async function verifyMfa() {
  mfaStatus('busy', 'Checking the code…');
  try {
    await auth.verifyTotpSetup($('mfa-code').value.trim(), { deviceName: 'ShopSphere demo' });
    await auth.updateMfaPreference({ totp: 'preferred' });
    $('mfa-form').hidden = true;
    $('mfa-code').value = '';
    mfaStatus('ok', 'Two-step sign-in is on: next time, enter a code from your app after your password.');
    await loadMfa();
  } catch (e) {
    mfaStatus('error', describe(e));
  }
}

/** E-mail MFA on (a code to the verified address after the password) or off; the app's TOTP stays as it is. */
async function toggleEmailMfa() {
  const on = $('security-card').dataset.emailMfa === 'on';
  try {
    await auth.updateMfaPreference({ email: on ? 'disabled' : 'enabled' });
    mfaStatus('ok', on ? 'No more codes by e-mail.' : 'Next time, enter the code we e-mail you after your password.');
    await loadMfa();
  } catch (e) {
    mfaStatus('error', describe(e));
  }
}

async function turnOffMfa() {
  try {
    await auth.updateMfaPreference({ totp: 'disabled' });
    mfaStatus('ok', 'Two-step sign-in is off.');
    await loadMfa();
  } catch (e) {
    mfaStatus('error', describe(e));
  }
}

// ── Rendering ────────────────────────────────────────────────────────────────────────────────────────

async function updateTokens() {
  try {
    const tokens = await auth.getTokens();
    if (!tokens) return;
    if (tokens.expiresAt !== state.expiresAt) {
      state.expiresAt = tokens.expiresAt;
      state.issuedAt = Date.now();
    }
    tick();
  } catch (e) {
    banner(describe(e));
  }
}

async function updateCredentials() {
  try {
    const creds = await auth.getCredentials();
    $('creds-identity').textContent = creds.identityId;
    $('creds-expiry').textContent = `valid until ${clock(creds.expiration)} (${inWords(creds.expiration - Date.now())})`;
  } catch (e) {
    $('creds-expiry').textContent = describe(e);
  }
}

function tick() {
  if (!state.user || !state.expiresAt) return;
  const left = state.expiresAt - Date.now();
  $('token-expiry').textContent = `ID token valid until ${clock(state.expiresAt)} (${inWords(left)})`;
  const total = Math.max(state.expiresAt - state.issuedAt, 1);
  $('token-meter').style.width = `${Math.max(0, Math.min(100, (left / total) * 100))}%`;
}

function showSignedOut() {
  document.body.dataset.state = 'signed-out';
  state.user = null;
  state.expiresAt = null;
  state.identityId = null;
  state.welcome = null;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  $('sign-out').hidden = true;
  $('profile-name').textContent = 'Welcome, guest';
  $('profile-handle').textContent = 'You are browsing signed out.';
  $('profile-signed-out').hidden = false;
  $('profile-facts').hidden = true;
  $('greeting').textContent = 'Good things, thoughtfully made.';
  $('hero-text').textContent = 'Sign in to see your profile, pick an avatar and keep your basket across devices.';
  clearAvatar();
  $('avatar-initials').textContent = '?';
  $('avatar-card').dataset.state = 'disabled';
  $('avatar-input').disabled = true;
  avatarStatus('info', 'Sign in to upload an avatar.');
  $('refresh-tokens').disabled = true;
  $('creds-identity').textContent = '—';
  $('creds-expiry').textContent = '—';
  $('prefs-card').hidden = true;
  $('prefs-where').textContent = '';
  emailStatus('', '');
  $('security-card').hidden = true;
  $('moderation-card').hidden = true;
  $('moderation-list').replaceChildren();
  for (const b of federatedButtons()) b.hidden = false;
}

/** "Create account" and the federated sign-in buttons: shown while signed out. */
const federatedButtons = () => ['sign-up', 'sign-in-google', 'sign-in-facebook', 'sign-in-sso'].map($);

/**
 * The groups a shopper is told about: not the one Cognito makes for each identity provider and puts every
 * federated user in (`<userPoolId>_<provider>`, e.g. `us-east-1_ShopSphr1_Google`).
 */
const shownGroups = (user) => (user.groups ?? []).filter((g) => !g.startsWith(`${config.userPoolId}_`));

/**
 * The hero's greeting. A Cognito ID token does not say whether the account is new, so the demo goes by what it
 * knows: the sign-in started from "Create account" (its customState), or this browser has seen the user before.
 */
function greeting(first) {
  if (state.welcome === 'new') {
    return [`Welcome to ShopSphere, ${first}.`, 'Your account is ready. Pick an avatar and tell us what you like.'];
  }
  if (state.welcome === 'returning') {
    return [`Welcome back, ${first}.`, 'Your picks are saved to your account. New arrivals every Friday.'];
  }
  return [`Welcome, ${first}.`, 'Your picks are saved to your account. New arrivals every Friday.'];
}

function showSignedIn(user) {
  document.body.dataset.state = 'signed-in';
  state.user = user;
  // A federated user's username is Cognito's (`Google_<sub>`): show the name, else the email.
  const name = user.claims?.name ?? (user.identityProvider ? user.email : null) ?? user.username;
  $('who').hidden = false;
  $('header-name').textContent = name;
  $('header-name').title = name;
  $('sign-in').hidden = true;
  for (const b of federatedButtons()) b.hidden = true;
  $('sign-out').hidden = false;
  $('sign-out').disabled = false;
  $('profile-name').textContent = name;
  if (user.identityProvider) showEmail($('profile-handle'), user.email ?? '');
  else $('profile-handle').textContent = `@${user.username}`;
  $('profile-signed-out').hidden = true;
  $('profile-facts').hidden = false;
  $('profile-username').textContent = user.username;
  $('profile-username').hidden = !!user.identityProvider;
  $('profile-username-label').hidden = !!user.identityProvider;
  if (user.email) showEmail($('profile-email'), user.email);
  else $('profile-email').textContent = '(no email)';
  $('profile-verified').hidden = !user.emailVerified;
  $('profile-provider').textContent = user.identityProvider ?? 'ShopSphere account';
  // Providers linked to this account (a Facebook sign-in with the same verified e-mail, link_by_email).
  const linked = user.identities.filter((p) => p !== user.identityProvider);
  $('profile-linked').textContent = linked.join(', ');
  $('profile-linked').hidden = $('profile-linked-label').hidden = !linked.length;
  // `custom:tier` comes from ShopSphere's PreTokenGeneration trigger (devstack/triggers/), not from an attribute.
  const tier = user.claims?.['custom:tier'];
  $('profile-tier').textContent = tier ? tier[0].toUpperCase() + tier.slice(1) : '';
  $('profile-tier').dataset.tier = tier ?? '';
  $('profile-tier').hidden = !tier;
  $('profile-tier-label').hidden = !tier;
  $('prefs-card').hidden = false;
  // Cognito's TOTP is for users of the pool; a Google user's second factor is Google's.
  $('security-card').hidden = !!user.identityProvider;
  $('moderation-card').hidden = !editorsRole(user);
  const groups = shownGroups(user);
  $('profile-groups').replaceChildren(...(groups.length ? groups.map((g) => {
    const tag = document.createElement('span');
    tag.className = 'tag group';
    tag.textContent = g;
    return tag;
  }) : [Object.assign(document.createElement('span'), { className: 'muted', textContent: 'none' })]));
  [$('greeting').textContent, $('hero-text').textContent] = greeting(name.split(/[\s@]+/)[0]);
  $('avatar-input').disabled = false;
  $('refresh-tokens').disabled = false;
  if (!state.avatarKey) clearAvatar();
}

/** Reads the session from the module and redraws; later calls win over earlier ones still running. */
async function render() {
  const seq = ++state.renderSeq;
  let user = null;
  try {
    user = await auth.currentUser();
  } catch (e) {
    banner(describe(e));
  }
  if (seq !== state.renderSeq) return;
  if (!user) {
    showSignedOut();
    return;
  }
  const changed = state.user?.sub !== user.sub;
  if (changed) {
    state.avatarKey = null;
    const seen = `shopsphere.seen.${user.sub}`;
    if (state.welcome !== 'new') state.welcome = localStorage.getItem(seen) ? 'returning' : 'first';
    localStorage.setItem(seen, '1');
  }
  showSignedIn(user);
  await updateTokens();
  if (changed) {
    loadPrefs(seq);
    if (!user.identityProvider) loadMfa();
  }
  if (changed || !state.avatarKey) await loadAvatar(seq);
}

// ── Test hooks: not part of the example ──────────────────────────────────────────────────────────────
// The end-to-end tests (tests/e2e/demo*.test.mjs) wait for `window.ready` and drive the session through
// `window.auth` (handy in the devtools console too). An app of your own needs neither: leave this block and the
// `testHooks.…()` lines in start() out when you copy from this file.
const testHooks = {
  expose(instance) { window.auth = instance; },
  ready() { window.ready = true; },
};
// ── End of the test hooks ────────────────────────────────────────────────────────────────────────────

// ── Start ────────────────────────────────────────────────────────────────────────────────────────────

function wire() {
  const signIn = async (options) => {
    banner('');
    try {
      await auth.signInWithRedirect(options);
    } catch (e) {
      banner(`Could not start sign-in. ${describe(e)}`);
    }
  };
  $('sign-in').addEventListener('click', () => signIn());
  $('sign-in-card').addEventListener('click', () => signIn());
  // customState comes back from handleRedirectCallback: the greeting knows the account is new.
  $('sign-up').addEventListener('click', () => signIn({ screen: 'signup', customState: 'signup' }));
  $('sign-in-google').addEventListener('click', () => signIn({ identityProvider: 'Google' }));
  $('sign-in-facebook').addEventListener('click', () => signIn({ identityProvider: 'Facebook' }));
  // Company SSO: Cognito picks the provider (Acme Corp SSO, an OIDC provider) by its identifier.
  $('sign-in-sso').addEventListener('click', () => signIn({ idpIdentifier: 'acme.example' }));
  const submit = (id, action) => $(id).addEventListener('submit', (e) => { e.preventDefault(); action(); });
  submit('prefs-form', savePrefs);
  submit('email-form', changeEmail);
  submit('email-code-form', confirmEmail);
  submit('mfa-form', verifyMfa);
  $('mfa-setup').addEventListener('click', setUpMfa);
  $('mfa-off').addEventListener('click', turnOffMfa);
  $('email-mfa-toggle').addEventListener('click', toggleEmailMfa);
  $('moderation-load').addEventListener('click', loadModeration);
  $('sign-out').addEventListener('click', async () => {
    $('sign-out').disabled = true;
    try {
      await auth.signOut(); // revokes the refresh token, then the managed login's /logout brings us back
    } catch (e) {
      banner(`Sign-out did not complete. ${describe(e)}`);
      render();
    }
  });
  $('banner-close').addEventListener('click', () => banner(''));

  const input = $('avatar-input');
  input.addEventListener('change', () => {
    const [file] = input.files;
    input.value = ''; // choosing the same file again uploads again
    if (file) upload(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const [file] = e.dataTransfer.files;
    if (file) upload(file);
  });

  $('refresh-tokens').addEventListener('click', async () => {
    try {
      await auth.getTokens({ forceRefresh: true });
      await updateTokens();
    } catch (e) {
      banner(`Could not refresh the tokens. ${describe(e)}`);
    }
  });
  $('refresh-creds').addEventListener('click', async () => {
    try {
      await auth.getCredentials({ forceRefresh: true });
      await updateCredentials();
    } catch (e) {
      banner(`Could not get AWS credentials. ${describe(e)}`);
    }
  });
  for (const button of document.querySelectorAll('.product .btn')) {
    button.addEventListener('click', () => toast('This is a demo store: nothing here is for sale.'));
  }
}

async function start() {
  $('max-size').textContent = formatBytes(MAX_BYTES);
  $('foot-domain').textContent = config.domain;
  const home = `${location.origin}/`;
  try {
    auth = new CognitoAuth({
      userPoolId: config.userPoolId,
      clientId: config.clientId,
      domain: config.domain,
      redirectUri: config.redirectUri ?? home,
      logoutUri: config.logoutUri ?? home,
      // The last scope lets the page read and change the user's own attributes and MFA settings.
      scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
      identityPoolId: config.identityPoolId,
      endpoints: config.endpoints,
      // Tokens refreshed ahead of expiry (in the visible tab); each refresh is a tokenRefresh event.
      autoRefresh: true,
    });
  } catch (e) {
    banner(describe(e));
    testHooks.ready(); // test hook
    return;
  }
  testHooks.expose(auth); // test hook
  // Passkeys are added on the managed login (Cognito's /passkeys/add), for a user signed in there; it
  // comes back to the redirect URI.
  const loginBase = /^https?:\/\//.test(config.domain) ? config.domain : `https://${config.domain}`;
  $('passkey-add').href = `${loginBase.replace(/\/$/, '')}/passkeys/add?${new URLSearchParams({
    client_id: config.clientId, redirect_uri: config.redirectUri ?? home })}`;
  for (const name of EVENTS) auth.on(name, (detail) => onAuthEvent(name, detail));
  wire();
  for (const b of [$('sign-in'), $('sign-in-card'), ...federatedButtons(), $('refresh-creds')]) b.disabled = false;

  if (auth.isRedirectCallback()) {
    try {
      // Verifies the ID token, stores the session, cleans the URL.
      const { customState } = await auth.handleRedirectCallback();
      if (customState === 'signup') state.welcome = 'new';
    } catch (e) {
      banner(e.code === 'ERR_OAUTH' && e.type === 'access_denied' ? describe(e) : `Sign-in did not complete. ${describe(e)}`);
    }
  }
  await render();
  setInterval(tick, 1000);
  testHooks.ready(); // test hook
}

await init();
start();
