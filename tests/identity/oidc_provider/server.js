// A real, independent OpenID Provider (panva's oidc-provider) for tests/identity/test_eid_oidc_provider.py.
// Configured like a strict national SSO: client_secret_basic only, signed UserInfo, the RFC 9207
// `iss` in every authorization response, RP-initiated logout. Settings come from the environment:
//   OP_PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI, ACCOUNTS (JSON:
//   {"<login>": {"citizen_pid": ..., "full_name": ..., "birth_date": ..., "identity_level": ...}}).
// The login page is a minimal custom interaction that shows why the provider asks for a login
// (prompt name and reasons), so the test can tell a fresh login from a reused session.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const claimNames = Object.keys(Object.values(accounts)[0] || {});
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-op-1', use: 'sig', alg: 'RS256' };

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.POST_LOGOUT_REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
    userinfo_signed_response_alg: 'RS256',
  }],
  clientAuthMethods: ['client_secret_basic'],
  jwks: { keys: [jwk] },
  cookies: { keys: ['test-op-cookie-key'] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: claimNames },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><body><h1>Sign out of the test OP?</h1>${form}
          <button form="op.logoutForm" type="submit" name="logout" value="yes">Yes</button></body></html>`;
      },
    },
  },
  async findAccount(ctx, sub) {
    if (!accounts[sub]) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) };
  },
  // First-party client: consent is implied (the national SSO does not ask either).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  const { uid, prompt } = await provider.interactionDetails(ctx.req, ctx.res);
  if (match[2] && ctx.method === 'POST') {
    const login = (await readForm(ctx.req)).get('login');
    const result = accounts[login] ? { login: { accountId: login } } : { error: 'access_denied' };
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    return undefined;
  }
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html><html><body><h1>Test OP login</h1>
    <p id="prompt">${escape(prompt.name)}</p><p id="reasons">${escape(prompt.reasons.join(' '))}</p>
    <form method="post" action="/interaction/${uid}/login"><input name="login"><button>Sign in</button></form>
    </body></html>`;
  return undefined;
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
