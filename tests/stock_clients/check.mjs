// oauth4webapi (a stock JavaScript client, from npm) against a running Tessera: discovery, every
// grant, introspection, revocation, and the authorization-code flow with PKCE from a random loopback
// port, with the library's own checks of state and the RFC 9207 `iss` parameter. Run by
// .ci/stock-clients after check.py, with the tenant and clients check.py describes made here anew.
//
// Usage: node check.mjs BASE_URL ADMIN_CLIENT_ID ADMIN_CLIENT_SECRET OAUTH4WEBAPI_DIR

import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

const [base, adminId, adminSecret, moduleDir] = process.argv.slice(2);
const oauth = await import(pathToFileURL(`${moduleDir}/node_modules/oauth4webapi/build/index.js`).href);
// The server under test listens on plain http on loopback.
const http = { [oauth.allowInsecureRequests]: true };
const tenant = `stock-js-${randomBytes(4).toString('hex')}`;
const password = 'looking-glass';

const issuer = new URL(base);
const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...http }),
);

async function expectError(code, call) {
  try {
    await call();
  } catch (e) {
    if (e.error === code) return;
    throw new Error(`expected the OAuth error ${code}, got ${e.error ?? e}`);
  }
  throw new Error(`expected the OAuth error ${code}, got success`);
}

// ---- the tenant, a user and the clients, through the admin API with the admin's own token
const admin = { client_id: adminId };
const adminToken = await oauth.processClientCredentialsResponse(
  as,
  admin,
  await oauth.clientCredentialsGrantRequest(as, admin, oauth.ClientSecretBasic(adminSecret), new URLSearchParams(), http),
);
async function post(path, body) {
  const r = await fetch(`${base}/admin${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`POST /admin${path}: ${r.status} ${await r.text()}`);
  return r.json();
}
await post('/tenants', { id: tenant, name: 'Stock JS clients' });
await post(`/tenants/${tenant}/users`, { username: 'alice', password, authorities: ['ROLE_USER'] });
const secrets = {};
for (const [id, grants, redirects] of [
  ['js-svc', ['client_credentials', 'password', 'refresh_token'], []],
  ['js-web', ['authorization_code', 'refresh_token'], ['http://127.0.0.1/callback']],
  ['js-api', ['client_credentials'], []],
]) {
  const body = { client_id: id, scopes: ['read', 'write'], grant_types: grants, redirect_uris: redirects };
  secrets[id] = (await post(`/tenants/${tenant}/clients`, body)).client_secret;
}
await post(`/tenants/${tenant}/clients`, {
  client_id: 'js-spa', public: true, scopes: ['read'],
  grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://127.0.0.1/callback'],
});

// ---- the checks
const svc = { client_id: 'js-svc' };
const svcAuth = oauth.ClientSecretBasic(secrets['js-svc']);
const api = { client_id: 'js-api' };
const apiAuth = oauth.ClientSecretPost(secrets['js-api']);

async function introspect(client, auth, token) {
  return oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, token, http));
}

async function clientCredentials() {
  for (const auth of [svcAuth, oauth.ClientSecretPost(secrets['js-svc'])]) {
    const t = await oauth.processClientCredentialsResponse(
      as, svc, await oauth.clientCredentialsGrantRequest(as, svc, auth, new URLSearchParams({ scope: 'read' }), http),
    );
    if (t.scope !== 'read' || t.token_type !== 'bearer' || !(t.expires_in > 0)) throw new Error(JSON.stringify(t));
  }
  // A failed authentication is a 401 with a Basic challenge, which the library reports as such.
  const wrong = oauth.ClientSecretBasic('not-the-secret');
  try {
    await oauth.processClientCredentialsResponse(
      as, svc, await oauth.clientCredentialsGrantRequest(as, svc, wrong, new URLSearchParams(), http),
    );
    throw new Error('a wrong secret was accepted');
  } catch (e) {
    if (!(e instanceof oauth.WWWAuthenticateChallengeError) || e.status !== 401 || e.cause[0]?.scheme !== 'basic') {
      throw e;
    }
  }
}

async function passwordRefreshIntrospectRevoke() {
  const login = new URLSearchParams({ username: 'alice', password, scope: 'read write' });
  const first = await oauth.processGenericTokenEndpointResponse(
    as, svc, await oauth.genericTokenEndpointRequest(as, svc, svcAuth, 'password', login, http),
  );
  const second = await oauth.processRefreshTokenResponse(
    as, svc, await oauth.refreshTokenGrantRequest(as, svc, svcAuth, first.refresh_token, http),
  );
  const info = await introspect(svc, svcAuth, second.access_token);
  if (!info.active || info.username !== 'alice' || info.client_id !== 'js-svc') throw new Error(JSON.stringify(info));
  // Another client of the tenant (a resource server) sees the access token, never the refresh token.
  if (!(await introspect(api, apiAuth, second.access_token)).active) throw new Error('access token inactive to api');
  if ((await introspect(api, apiAuth, second.refresh_token)).active) throw new Error('a refresh token active to api');
  oauth.processRevocationResponse(await oauth.revocationRequest(as, svc, svcAuth, second.access_token, http));
  if ((await introspect(svc, svcAuth, second.access_token)).active) throw new Error('revoked token still active');
  await expectError('invalid_grant', async () => oauth.processRefreshTokenResponse(
    as, svc, await oauth.refreshTokenGrantRequest(as, svc, svcAuth, first.refresh_token, http),
  ));
}

/** Goes through the login and consent pages as alice; returns the URL the browser is sent back to. */
async function logIn(url, redirectUri) {
  const jar = new Map();
  let method = 'GET', body;
  for (let i = 0; i < 10; i++) {
    const r = await fetch(url, {
      method, body, redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    if ([301, 302, 303, 307].includes(r.status)) {
      url = new URL(r.headers.get('location'), url).href;
      if (url.startsWith(redirectUri)) return new URL(url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const page = await r.text();
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${page.slice(0, 300)}`);
    const hidden = (name) => page.match(new RegExp(`name="${name}" value="([^"]*)"`))[1];
    const fields = { request: hidden('request'), csrf: hidden('csrf') };
    if (page.includes('action="/oauth/authorize/login"')) {
      url = new URL('/oauth/authorize/login', url).href;
      body = new URLSearchParams({ ...fields, username: 'alice', password });
    } else if (page.includes('action="/oauth/authorize/consent"')) {
      url = new URL('/oauth/authorize/consent', url).href;
      body = new URLSearchParams({ ...fields, decision: 'allow' });
    } else {
      throw new Error(`unexpected page at ${url}: ${page.slice(0, 300)}`);
    }
    method = 'POST';
  }
  throw new Error('the pages never sent the browser back');
}

async function authorizationCode(client, auth, scope = 'read') {
  const redirectUri = `http://127.0.0.1:${40000 + Math.floor(Math.random() * 20000)}/callback`;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope, state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const back = await logIn(url.href, redirectUri);
  // Checks state, and iss against the metadata (the server announces RFC 9207 support).
  const params = oauth.validateAuthResponse(as, client, back, state);
  return oauth.processAuthorizationCodeResponse(
    as, client, await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, http),
  );
}

async function authorizationCodeConfidential() {
  const web = { client_id: 'js-web' };
  const auth = oauth.ClientSecretBasic(secrets['js-web']);
  const token = await authorizationCode(web, auth);
  if (token.scope !== 'read' || !token.refresh_token) throw new Error(JSON.stringify(token));
  await oauth.processRefreshTokenResponse(
    as, web, await oauth.refreshTokenGrantRequest(as, web, auth, token.refresh_token, http),
  );
  await expectError('invalid_scope', () => authorizationCode(web, auth, 'admin'));
}

async function authorizationCodePublic() {
  const spa = { client_id: 'js-spa' };
  const token = await authorizationCode(spa, oauth.None());
  oauth.processRevocationResponse(await oauth.revocationRequest(as, spa, oauth.None(), token.refresh_token, http));
  await expectError('invalid_grant', async () => oauth.processRefreshTokenResponse(
    as, spa, await oauth.refreshTokenGrantRequest(as, spa, oauth.None(), token.refresh_token, http),
  ));
}

const checks = { clientCredentials, passwordRefreshIntrospectRevoke, authorizationCodeConfidential, authorizationCodePublic };
let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  try {
    await check();
    console.log(`ok    oauth4webapi ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL  oauth4webapi ${name}\n${e.stack ?? e}`);
  }
}
await fetch(`${base}/admin/tenants/${tenant}`, {
  method: 'DELETE', headers: { authorization: `Bearer ${adminToken.access_token}` },
});
console.log(`${Object.keys(checks).length - failed} of ${Object.keys(checks).length} oauth4webapi checks passed`);
process.exit(failed ? 1 : 0);
