// A real OpenID Connect provider (npm `oidc-provider`) on loopback for the OAuth2 sign-in tests.
//
//   node tests/support/oidc_server.mjs [--client-id ID] [--client-secret S] [--redirect-uri URI ...]
//                                      [--port PORT]
//   (or OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS=uri1,uri2, OIDC_PORT)
//
// Listens on 127.0.0.1 (port 0, the default, picks a free one) and prints
// "OIDC provider listening on <issuer>".
// Endpoints are oidc-provider's defaults: <issuer>/auth, <issuer>/token, <issuer>/me. One
// confidential client (client_secret_post), PKCE required. Logins need no form: the interaction
// handler signs in the account named by the authorization request's `login_hint` (default
// "alice-1") and grants every requested scope, so a test drives the whole code flow with plain
// HTTP requests and redirects. It also serves the avatars some accounts' `picture` names:
// <issuer>/avatar.png (a 1x1 PNG), <issuer>/avatar.txt (text labelled image/png) and a 404.
import http from 'node:http';
import { createRequire } from 'node:module';

// Resolve oidc-provider from the SDK test package (its node_modules holds the devDependency).
const require = createRequire(new URL('../sdk/package.json', import.meta.url));
const { default: Provider } = await import(require.resolve('oidc-provider'));

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[envName] ?? fallback;
}

function redirectUris() {
  const uris = [];
  process.argv.forEach((a, i) => {
    if (a === '--redirect-uri' && i + 1 < process.argv.length) uris.push(process.argv[i + 1]);
  });
  if (uris.length === 0 && process.env.OIDC_REDIRECT_URIS) uris.push(...process.env.OIDC_REDIRECT_URIS.split(','));
  return uris.length ? uris : ['http://127.0.0.1/callback'];
}

// The static account store.
const accounts = {
  'alice-1': {
    sub: 'alice-1', email: 'alice@example.com', email_verified: true, name: 'Alice',
    preferred_username: 'alice', picture: 'https://images.example.com/alice.png',
  },
  'bob-2': {
    sub: 'bob-2', email: 'bob@example.com', email_verified: false, name: 'Bob', preferred_username: 'bob',
  },
  'carol-3': {
    sub: 'carol-3', email: 'carol@example.com', email_verified: true, name: 'Carol', preferred_username: 'carol',
  },
  'test-4': { sub: 'test-4', email: 'test@example.com', email_verified: true, name: 'Test' },
};

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(option('port', 'OIDC_PORT', '0')), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

// Avatars served by this server itself, for the accounts whose `picture` points here: a real
// PNG (1x1), a text file, and a missing one (404).
const AVATAR_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const avatars = {
  '/avatar.png': { type: 'image/png', body: AVATAR_PNG },
  '/avatar.txt': { type: 'image/png', body: Buffer.from('not an image at all\n') },
};
accounts['dave-5'] = {
  sub: 'dave-5', email: 'dave@example.com', email_verified: true, name: 'Dave', picture: `${issuer}/avatar.png`,
};
accounts['erin-6'] = {
  sub: 'erin-6', email: 'erin@example.com', email_verified: true, name: 'Erin', picture: `${issuer}/no-such-avatar.png`,
};
accounts['frank-7'] = {
  sub: 'frank-7', email: 'frank@example.com', email_verified: true, name: 'Frank', picture: `${issuer}/avatar.txt`,
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: option('client-id', 'OIDC_CLIENT_ID', 'basalt-test'),
    client_secret: option('client-secret', 'OIDC_CLIENT_SECRET', 'basalt-test-secret'),
    redirect_uris: redirectUris(),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: option('auth-method', 'OIDC_AUTH_METHOD', 'client_secret_post'),
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'picture'],
  },
  cookies: { keys: ['basalt-oidc-test-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { ...account }; } };
  },
});
provider.proxy = false;

// Auto-approving login + consent.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const accountId = params.login_hint && accounts[params.login_hint] ? params.login_hint : 'alice-1';
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const authMethod = option('auth-method', 'OIDC_AUTH_METHOD', 'client_secret_post');
server.on('request', (req, res) => {
  // oidc-provider accepts any client authentication method; be as strict as providers that
  // only take the registered one, so clients' fallbacks get exercised.
  if (req.url.startsWith('/token') && req.method === 'POST' && authMethod === 'client_secret_basic' &&
      !req.headers.authorization) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_client', error_description: 'use HTTP Basic client authentication' }));
    return;
  }
  const avatar = req.method === 'GET' ? avatars[req.url] : undefined;
  if (avatar) {
    res.writeHead(200, { 'content-type': avatar.type, 'content-length': avatar.body.length });
    res.end(avatar.body);
    return;
  }
  if (req.url.startsWith('/no-such-avatar')) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return;
  }
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err?.stack ?? err));
    });
    return;
  }
  callback(req, res);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
console.log(`OIDC provider listening on ${issuer}`);
