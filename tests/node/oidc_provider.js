// A real OpenID Connect provider for the hub's tests (npm oidc-provider, in memory).
//
//   node tests/node/oidc_provider.js PORT REDIRECT_URI [REDIRECT_URI ...]
//
// One confidential client ("hub-test", secret "hub-test-secret", client_secret_basic) that must
// use PKCE (S256). devInteractions are on: the provider's own login page accepts any login
// name and any password, and the login name becomes the subject. The accounts below decide the
// claims; an unknown subject gets no email. Consent is given automatically for this client, as
// an organisation's provider does for a first-party application.
// Prints "ready ISSUER" on stdout when it listens; stops on SIGTERM or when stdin closes.

const ACCOUNTS = {
  // The test user: a verified email.
  "oidc-user": { email: "oidc.user@example.org", email_verified: true, name: "Oidc User" },
  // Mixed case, to check that linking compares addresses the way the magic link does.
  "mixed-case": { email: "Mixed.Case@Example.ORG", email_verified: true },
  // The provider does not vouch for this address.
  "unverified": { email: "unverified@example.org", email_verified: false },
  // Someone the hub's invite-only test invites, and someone it does not.
  "invited": { email: "invited@example.org", email_verified: true },
  "stranger": { email: "stranger@example.org", email_verified: true },
};

const CLIENT_ID = "hub-test";
const CLIENT_SECRET = "hub-test-secret";

async function main() {
  const [portArg, ...redirectUris] = process.argv.slice(2);
  const port = Number(portArg);
  if (!port || redirectUris.length === 0) {
    console.error("usage: node oidc_provider.js PORT REDIRECT_URI [REDIRECT_URI ...]");
    process.exit(2);
  }
  const { default: Provider } = await import("oidc-provider");
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Put the scope's claims in the ID token, as most organisations' providers do; with
    // OIDC_CLAIMS_IN_USERINFO=1 they come only from the UserInfo endpoint (the spec's default).
    conformIdTokenClaims: process.env.OIDC_CLAIMS_IN_USERINFO === "1",
    cookies: { keys: ["hub-test-cookie-key"] },
    async findAccount(ctx, sub) {
      const claims = ACCOUNTS[sub] || {};
      return { accountId: sub, async claims() { return { sub, ...claims }; } };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  provider.on("server_error", (ctx, err) => console.error("server_error", err));

  const server = provider.listen(port, "127.0.0.1", () => {
    process.stdout.write(`ready ${issuer}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
