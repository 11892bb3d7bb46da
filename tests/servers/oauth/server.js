// Test-only servers for the OAuth tests, started by tests/servers/oauthstack.sh:
//  - SMTP (smtp-server, STARTTLS, XOAUTH2 and PLAIN, AUTH required before MAIL), accepting the access
//    tokens issued below and a fixed one from DIR/static-token; other tokens get the JSON error challenge.
//  - HTTPS: /auth (authorization endpoint that consents at once and redirects with a code) and /token
//    (authorization_code with PKCE S256 and client secret, refresh_token).
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

const web = https.createServer({ key, cert }, (req, res) => {
  const url = new URL(req.url, 'https://localhost');
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
    '',
  ].join('\n'));
  fs.renameSync(`${dir}/env.tmp`, `${dir}/env`);
}
smtp.listen(0, '127.0.0.1', ready);
web.listen(0, '127.0.0.1', ready);
process.on('SIGTERM', () => { smtp.close(); web.close(); process.exit(0); });
