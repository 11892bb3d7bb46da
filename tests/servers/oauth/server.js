// Test-only servers for the OAuth tests, started by tests/servers/oauthstack.sh:
//  - SMTP (smtp-server, STARTTLS, XOAUTH2 and PLAIN, AUTH required before MAIL), accepting the access
//    tokens issued below and a fixed one from DIR/static-token; other tokens get the JSON error challenge.
//  - HTTPS: /auth (authorization endpoint that consents at once and redirects with a code) and /token
//    (authorization_code with PKCE S256 and client secret, refresh_token).
//  - HTTPS with the Microsoft identity platform's v2.0 shapes: /{tenant}/oauth2/v2.0/authorize and
//    /{tenant}/oauth2/v2.0/token (scope exactly "https://outlook.office.com/SMTP.Send offline_access",
//    PKCE S256, public clients without a secret, rotating refresh tokens, JWT-shaped access tokens with
//    aud and scp, errors as {error, error_description "AADSTS...", error_codes}). Its SMTP side answers
//    XOAUTH2 with a token lacking SMTP.Send as Microsoft does: "535 5.7.3 Authentication unsuccessful".
//    Application ids: MS_PUBLIC (public client), MS_CONFIDENTIAL (needs DIR/client-secret), MS_NO_SMTP
//    (granted User.Read only), MS_NO_CONSENT (AADSTS65001); any other id is not in the tenant (AADSTS700016).
// Usage: node server.js DIR   (reads DIR/tls/server.{key,crt}, DIR/static-token, DIR/client-secret;
// writes DIR/env once both listen, DIR/server.pid)
'use strict';
const fs = require('fs');
const https = require('https');
const crypto = require('crypto');
const { SMTPServer } = require('smtp-server');

const dir = process.argv[2];
const key = fs.readFileSync(`${dir}/tls/server.key`);
const cert = fs.readFileSync(`${dir}/tls/server.crt`);
const read = (name) => fs.readFileSync(`${dir}/${name}`, 'utf8').trim();
const USER = 'oauth-user@example.test';
const CLIENT_ID = 'smtpwb-test-client';
const CLIENT_SECRET = read('client-secret');
const SCOPE = 'https://mail.google.com/';
const accessTokens = new Set([read('static-token')]);
const refreshTokens = new Set();
const codes = new Map();  // code -> { challenge, redirect }

function issue(withRefresh) {
  const out = { access_token: `at-${crypto.randomBytes(16).toString('hex')}`, token_type: 'Bearer', expires_in: 3599, scope: SCOPE };
  accessTokens.add(out.access_token);
  if (withRefresh) {
    out.refresh_token = `rt-${crypto.randomBytes(16).toString('hex')}`;
    refreshTokens.add(out.refresh_token);
  }
  return out;
}

function tokenEndpoint(form) {
  if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) return [401, { error: 'invalid_client' }];
  if (form.get('grant_type') === 'authorization_code') {
    const grant = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!grant || grant.redirect !== form.get('redirect_uri')) return [400, { error: 'invalid_grant' }];
    const s256 = crypto.createHash('sha256').update(form.get('code_verifier') || '').digest('base64url');
    if (s256 !== grant.challenge) return [400, { error: 'invalid_grant', error_description: 'PKCE verification failed' }];
    return [200, issue(true)];
  }
  if (form.get('grant_type') === 'refresh_token' && refreshTokens.has(form.get('refresh_token'))) return [200, issue(false)];
  return [400, { error: 'invalid_grant' }];
}

// --- Microsoft identity platform v2.0 ---
const MS_SCOPE = 'https://outlook.office.com/SMTP.Send offline_access';
const MS = {
  public: '00000000-0000-4000-8000-00000000a001',
  confidential: '00000000-0000-4000-8000-00000000a002',
  noSmtp: '00000000-0000-4000-8000-00000000a003',
  noConsent: '00000000-0000-4000-8000-00000000a004',
};
const msTokens = new Map();  // access token -> scp
const msRefresh = new Map();  // refresh token -> { client, tenant, scp }
const msCodes = new Map();  // code -> { challenge, redirect, client, tenant }
const TENANT = /^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|([a-z0-9-]+\.)+[a-z]{2,})$/i;

function aadError(status, error, code, text) {
  return [status, { error, error_description: `AADSTS${code}: ${text}\r\nTrace ID: 6f1e2d3c-0000-4000-8000-000000000001\r\nCorrelation ID: 6f1e2d3c-0000-4000-8000-000000000002\r\nTimestamp: 2026-12-02 16:00:00Z`,
    error_codes: [code], timestamp: '2026-12-02 16:00:00Z', trace_id: '6f1e2d3c-0000-4000-8000-000000000001',
    correlation_id: '6f1e2d3c-0000-4000-8000-000000000002', error_uri: `https://login.microsoftonline.com/error?code=${code}` }];
}

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
function msIssue(client, tenant, scp) {
  const now = Math.floor(Date.now() / 1000);
  const access = [b64url({ typ: 'JWT', alg: 'RS256' }),
    b64url({ aud: 'https://outlook.office.com', iss: `https://sts.windows.net/${tenant}/`, iat: now, exp: now + 3600,
      appid: client, scp, upn: USER, tenant, jti: crypto.randomBytes(8).toString('hex') }),
    crypto.randomBytes(32).toString('base64url')].join('.');
  msTokens.set(access, scp);
  const refresh = `M.R3_BAY.${crypto.randomBytes(24).toString('hex')}`;
  msRefresh.set(refresh, { client, tenant, scp });
  return { token_type: 'Bearer', scope: scp === 'SMTP.Send' ? 'https://outlook.office.com/SMTP.Send' : `https://outlook.office.com/${scp}`,
    expires_in: 3599, ext_expires_in: 3599, access_token: access, refresh_token: refresh };
}

function msTokenEndpoint(tenant, form) {
  const client = form.get('client_id');
  if (![MS.public, MS.confidential, MS.noSmtp, MS.noConsent].includes(client))
    return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${client}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  if (client === MS.confidential && !form.has('client_secret'))
    return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (client === MS.confidential && form.get('client_secret') !== CLIENT_SECRET)
    return aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client}'.`);
  if (client !== MS.confidential && form.has('client_secret'))
    return aadError(401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
  if (client === MS.noConsent)
    return aadError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${client}' named 'SMTP Workbench test'. Send an interactive authorization request for this user and resource.`);
  const scp = client === MS.noSmtp ? 'User.Read' : 'SMTP.Send';
  if (form.get('grant_type') === 'authorization_code') {
    const grant = msCodes.get(form.get('code'));
    msCodes.delete(form.get('code'));
    if (!grant || grant.client !== client || grant.tenant !== tenant)
      return aadError(400, 'invalid_grant', 70000, 'The provided value for the \'code\' parameter is not valid.');
    if (grant.redirect !== form.get('redirect_uri'))
      return aadError(400, 'invalid_request', 50011, `The redirect URI '${form.get('redirect_uri')}' specified in the request does not match the redirect URIs configured for the application '${client}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`);
    const s256 = crypto.createHash('sha256').update(form.get('code_verifier') || '').digest('base64url');
    if (s256 !== grant.challenge) return aadError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    return [200, msIssue(client, tenant, scp)];
  }
  if (form.get('grant_type') === 'refresh_token') {
    const held = msRefresh.get(form.get('refresh_token'));
    if (!held || held.client !== client || held.tenant !== tenant)
      return aadError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
    msRefresh.delete(form.get('refresh_token'));  // Microsoft rotates refresh tokens
    return [200, msIssue(client, tenant, scp)];
  }
  return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
}

function msAuthorize(tenant, q, res) {
  // Microsoft shows its own error page (no redirect) for a bad request; the tests see the status.
  if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') ||
      !q.get('state') || !q.get('client_id') || !/^http:\/\/127\.0\.0\.1:\d+\/$/.test(q.get('redirect_uri') || '')) {
    res.writeHead(400);
    return res.end('bad authorization request');
  }
  const to = new URL(q.get('redirect_uri'));
  if (q.get('scope') !== MS_SCOPE) {
    to.searchParams.set('error', 'invalid_scope');
    to.searchParams.set('error_description', `AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${q.get('scope')} is not valid.`);
  } else {
    const code = `0.A${crypto.randomBytes(16).toString('hex')}`;
    msCodes.set(code, { challenge: q.get('code_challenge'), redirect: q.get('redirect_uri'), client: q.get('client_id'), tenant });
    to.searchParams.set('code', code);
  }
  to.searchParams.set('state', q.get('state'));
  res.writeHead(302, { Location: to.toString() });
  return res.end();
}

const web = https.createServer({ key, cert }, (req, res) => {
  const url = new URL(req.url, 'https://localhost');
  const ms = url.pathname.match(/^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/);
  if (ms) {
    const tenant = decodeURIComponent(ms[1]);
    if (!TENANT.test(tenant)) {
      const [status, json] = aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(json));
    }
    if (req.method === 'GET' && ms[2] === 'authorize') return msAuthorize(tenant, url.searchParams, res);
    if (req.method === 'POST' && ms[2] === 'token') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        const [status, json] = msTokenEndpoint(tenant, new URLSearchParams(body));
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(json));
      });
      return;
    }
  }
  if (req.method === 'GET' && url.pathname === '/auth') {
    const q = url.searchParams;
    if (q.get('client_id') !== CLIENT_ID || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' ||
        !q.get('code_challenge') || !q.get('state') || q.get('scope') !== SCOPE) {
      res.writeHead(400);
      return res.end('bad authorization request');
    }
    const code = crypto.randomBytes(12).toString('hex');
    codes.set(code, { challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
    const to = new URL(q.get('redirect_uri'));
    to.searchParams.set('code', code);
    to.searchParams.set('state', q.get('state'));
    res.writeHead(302, { Location: to.toString() });
    return res.end();
  }
  if (req.method === 'POST' && url.pathname === '/token') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const [status, json] = tokenEndpoint(new URLSearchParams(body));
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(json));
    });
    return;
  }
  res.writeHead(404);
  res.end();
});

const smtp = new SMTPServer({
  key, cert,
  name: 'oauth.example.test',
  authMethods: ['XOAUTH2', 'PLAIN'],
  authOptional: false,
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.method === 'XOAUTH2') {
      if (auth.username === USER && accessTokens.has(auth.accessToken)) return callback(null, { user: USER });
      if (msTokens.has(auth.accessToken)) {
        if (auth.username === USER && msTokens.get(auth.accessToken).split(' ').includes('SMTP.Send')) return callback(null, { user: USER });
        const refused = new Error('5.7.3 Authentication unsuccessful [AM0PR02CA0033.eurprd02.prod.outlook.com 2026-12-02T16:00:00.000Z 08DD1234ABCD5678]');
        refused.responseCode = 535;
        return callback(refused);
      }
      return callback(null, { data: { status: '401', schemes: 'bearer', scope: SCOPE } });
    }
    return callback(new Error('Invalid username or password'));
  },
  onData(stream, session, callback) {
    stream.resume();
    stream.on('end', () => callback());
  },
});

let listening = 0;
function ready() {
  if (++listening < 2) return;
  fs.writeFileSync(`${dir}/env.tmp`, [
    `OAUTHSTACK_SMTP_PORT=${smtp.server.address().port}`,
    `OAUTHSTACK_HTTPS_PORT=${web.address().port}`,
    `OAUTHSTACK_AUTH_URL=https://localhost:${web.address().port}/auth`,
    `OAUTHSTACK_TOKEN_URL=https://localhost:${web.address().port}/token`,
    `OAUTHSTACK_CLIENT_ID=${CLIENT_ID}`,
    `OAUTHSTACK_USER=${USER}`,
    `OAUTHSTACK_CA_FILE=${dir}/tls/ca.crt`,
    `OAUTHSTACK_MS_AUTHORITY=https://localhost:${web.address().port}`,
    `OAUTHSTACK_MS_PUBLIC_CLIENT_ID=${MS.public}`,
    `OAUTHSTACK_MS_CONFIDENTIAL_CLIENT_ID=${MS.confidential}`,
    `OAUTHSTACK_MS_NO_SMTP_CLIENT_ID=${MS.noSmtp}`,
    `OAUTHSTACK_MS_NO_CONSENT_CLIENT_ID=${MS.noConsent}`,
    '',
  ].join('\n'));
  fs.renameSync(`${dir}/env.tmp`, `${dir}/env`);
}
smtp.listen(0, '127.0.0.1', ready);
web.listen(0, '127.0.0.1', ready);
process.on('SIGTERM', () => { smtp.close(); web.close(); process.exit(0); });
