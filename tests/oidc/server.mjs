// A real OpenID Connect provider for tests (oidc-provider), on 127.0.0.1 only.
//
// Started by schulerfolg_dev.testing.oidc (see there); prints `READY http://127.0.0.1:<port>`
// once it listens. Configuration, all from the environment:
//
//   OIDC_PORT                  port (or the first argument); 0 or unset: a free port
//   OIDC_CLIENT_ID             default "schulerfolg-web"
//   OIDC_CLIENT_SECRET         required: the client is confidential (client_secret_basic)
//   OIDC_TOKEN_ENDPOINT_AUTH_METHOD  default "client_secret_basic" (or "client_secret_post")
//   OIDC_REDIRECT_URIS         JSON list of the client's redirect URIs
//   OIDC_POST_LOGOUT_REDIRECT_URIS   JSON list (default [])
//   OIDC_ACCOUNTS              JSON object keyed by login name: {"password", "sub", "name",
//                              "email", "roles", "regions", "school_id", "organization_id"}
//                              (or OIDC_ACCOUNTS_FILE: a path to such a JSON file)
//   OIDC_AUDIENCE              `aud` of the access tokens, default "schulerfolg"
//   OIDC_ACCESS_TOKEN_TTL      seconds, default 600
//   OIDC_ID_TOKEN_TTL          seconds, default 3600
//   OIDC_SESSION_TTL           seconds the provider remembers a sign-in, default 3600
//
// Access tokens are RS256 JWTs (typ at+jwt) for the resource URN_RESOURCE with the audience
// OIDC_AUDIENCE, carrying the account's roles, regions, name, email, school_id and
// organization_id, so the suite's services accept them with AUTH_ISSUER=<issuer>. PKCE (S256)
// is required. The sign-in page is a plain form: input[name=login], input[name=password],
// button[type=submit] („Anmelden“); consent is granted without asking. Every page is
// self-contained (no external fonts or scripts).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const RESOURCE = 'urn:schulerfolg:api';
const ACCOUNT_CLAIMS = ['name', 'email', 'roles', 'regions', 'school_id', 'organization_id'];

const env = process.env;

function json(name, fallback) {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${error.message}`);
  }
}

function seconds(name, fallback) {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function loadAccounts() {
  const raw = env.OIDC_ACCOUNTS_FILE
    ? JSON.parse(readFileSync(env.OIDC_ACCOUNTS_FILE, 'utf8'))
    : json('OIDC_ACCOUNTS', {});
  const byLogin = new Map();
  const bySub = new Map();
  for (const [login, data] of Object.entries(raw)) {
    const account = { login, sub: String(data.sub ?? login), password: data.password ?? '', ...data };
    account.sub = String(account.sub);
    byLogin.set(login, account);
    bySub.set(account.sub, account);
  }
  return { byLogin, bySub };
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Test-Identitätsanbieter</title>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

function loginPage(action, login, error) {
  const alert = error ? `<p role="alert" id="login-error">${escapeHtml(error)}</p>\n` : '';
  return page('Anmelden', `${alert}<form id="login-form" method="post" action="${escapeHtml(action)}">
<p><label for="login">Benutzername</label>
<input id="login" name="login" type="text" autocomplete="username" required value="${escapeHtml(login ?? '')}"></p>
<p><label for="password">Passwort</label>
<input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Anmelden</button></p>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function accountClaims(account) {
  const claims = {};
  for (const name of ACCOUNT_CLAIMS) {
    if (account[name] !== undefined && account[name] !== null) claims[name] = account[name];
  }
  return claims;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

function configuration(accounts) {
  const clientSecret = env.OIDC_CLIENT_SECRET;
  if (!clientSecret) throw new Error('OIDC_CLIENT_SECRET is required');
  const accessTokenTTL = seconds('OIDC_ACCESS_TOKEN_TTL', 600);
  const audience = env.OIDC_AUDIENCE || 'schulerfolg';

  return {
    clients: [
      {
        client_id: env.OIDC_CLIENT_ID || 'schulerfolg-web',
        client_secret: clientSecret,
        token_endpoint_auth_method: env.OIDC_TOKEN_ENDPOINT_AUTH_METHOD || 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: json('OIDC_REDIRECT_URIS', []),
        post_logout_redirect_uris: json('OIDC_POST_LOGOUT_REDIRECT_URIS', []),
      },
    ],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email'],
    claims: {
      openid: ['sub', 'roles', 'regions', 'school_id', 'organization_id'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false, // the ID token carries the claims of its scopes as well
    async findAccount(_ctx, sub) {
      const account = accounts.bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        async claims() {
          return { sub: account.sub, email_verified: Boolean(account.email), ...accountClaims(account) };
        },
      };
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken') return undefined;
      const account = accounts.bySub.get(token.accountId);
      return account ? accountClaims(account) : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => (oneOf ? oneOf[0] : RESOURCE),
        useGrantedResource: async () => true,
        async getResourceServerInfo() {
          return {
            scope: '',
            audience,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = page('Abmelden', `${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Abmelden</button></p>
<p><button type="submit" form="op.logoutForm">Angemeldet bleiben</button></p>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Abgemeldet', '<p>Sie sind abgemeldet.</p>');
        },
      },
    },
    ttl: {
      AccessToken: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: seconds('OIDC_ID_TOKEN_TTL', 3600),
      Interaction: 600,
      Session: seconds('OIDC_SESSION_TTL', 3600),
      Grant: seconds('OIDC_SESSION_TTL', 3600),
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      const lines = Object.entries(out)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
        .join('\n');
      ctx.body = page('Fehler bei der Anmeldung', lines);
    },
  };
}

// The interaction routes: the sign-in form, and consent granted without asking.
function interactions(provider, accounts) {
  return async function interactionRoutes(ctx, next) {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    ctx.set('Cache-Control', 'no-store');
    const [, uid, loginPath] = match;
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (error) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Fehler bei der Anmeldung', `<p>${escapeHtml(error.message)}</p>`);
      return undefined;
    }
    const { prompt, params, session, grantId } = details;
    const action = `/interaction/${uid}/login`;

    if (prompt.name === 'login' && ctx.method === 'GET' && !loginPath) {
      ctx.type = 'html';
      ctx.body = loginPage(action, params.login_hint);
      return undefined;
    }
    if (prompt.name === 'login' && ctx.method === 'POST' && loginPath) {
      const form = await readForm(ctx.req);
      const account = accounts.byLogin.get(form.get('login') ?? '');
      if (!account || account.password !== (form.get('password') ?? '')) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginPage(action, form.get('login'), 'Benutzername oder Passwort ist falsch.');
        return undefined;
      }
      const returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: account.sub } },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(returnTo);
      return undefined;
    }
    if (prompt.name === 'consent' && ctx.method === 'GET' && !loginPath) {
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
      ctx.status = 303;
      ctx.redirect(returnTo);
      return undefined;
    }
    ctx.status = 405;
    ctx.type = 'html';
    ctx.body = page('Fehler bei der Anmeldung', '<p>Dieser Schritt wird nicht unterstützt.</p>');
    return undefined;
  };
}

function main() {
  const accounts = loadAccounts();
  const server = createServer();
  server.listen(Number(process.argv[2] ?? env.OIDC_PORT ?? 0), HOST, () => {
    const issuer = `http://${HOST}:${server.address().port}`;
    const provider = new Provider(issuer, configuration(accounts));
    provider.use(interactions(provider, accounts));
    server.on('request', provider.callback());
    process.stdout.write(`READY ${issuer}\n`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => process.exit(0));
  }
}

main();
