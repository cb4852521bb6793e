// The test identity provider: panva's oidc-provider (a certified OpenID Provider), on loopback.
//
// Started by tests/identity/conftest.py as `node tests/identity/provider.mjs` with:
//   OIDC_TEST_PORT        the loopback port to listen on (127.0.0.1)
//   OIDC_TEST_CLIENT      JSON of the one registered client (client_id, client_secret, redirect_uris,
//                         post_logout_redirect_uris, backchannel_logout_uri)
//   OIDC_TEST_ACCOUNTS    path of a JSON file {accountId: {claims}}; read again at every look-up, so a
//                         test changes a person's claims (a new username, `active: false`) by rewriting it
// It prints "ready <issuer>" once listening. Sign-in is the provider's own development interaction
// (any password; the login names an account of the file), then its consent screen. Back-channel
// logout and RP-initiated logout (end_session) are on; PKCE is required of every client.
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_TEST_PORT);
const client = JSON.parse(process.env.OIDC_TEST_CLIENT);
const accountsFile = process.env.OIDC_TEST_ACCOUNTS;
const issuer = `http://127.0.0.1:${port}`;

function accounts() {
  return JSON.parse(readFileSync(accountsFile, 'utf8'));
}

const configuration = {
  clients: [{
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    backchannel_logout_session_required: true,
    ...client,
  }],
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    // `active` is the deprovisioning claim unisocial reads at sign-in (OIDC_ACTIVE_CLAIM).
    profile: ['preferred_username', 'name', 'given_name', 'family_name', 'locale', 'active'],
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['unisocial-test-provider-cookie-key'] },
  // The provider refuses to call special-use addresses (SSRF protection); its only client here is the
  // test site on loopback, so its back-channel logout calls go out without that dispatcher.
  fetch(url, options) {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.on('backchannel.error', (ctx, error, client) => console.error('backchannel.error', client?.clientId, error));
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => process.exit(0));
