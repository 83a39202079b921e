import * as oidc from 'openid-client';
import { z } from 'zod';

export interface RelyingPartyOptions {
  /** Issuer URL; a function because the embedded provider's issuer is known only once the server listens. */
  issuer: () => string;
  clientId: string;
  /** Unset: public client (PKCE only, as Keycloak's "public" clients). */
  clientSecret: string | undefined;
  scopes: string;
  /** `${publicUrl}/auth/callback` */
  redirectUri: () => string;
  /** For the embedded provider: reach it in-process instead of over the network. */
  fetch?: oidc.CustomFetch;
}

/** What the browser carries between /auth/login and /auth/callback, in a short-lived HTTP-only cookie. */
export const LoginTransaction = z.object({
  state: z.string().min(16).max(128),
  nonce: z.string().min(16).max(128),
  verifier: z.string().min(43).max(128),
  returnTo: z.string().startsWith('/').max(2048),
});
export type LoginTransaction = z.infer<typeof LoginTransaction>;

export const LOGIN_TRANSACTION_TTL_SECONDS = 600;
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * One cookie per login attempt, named after its state: two tabs logging in at once do not
 * overwrite each other, and the callback finds the attempt by the `state` it receives.
 */
export function transactionCookieName(state: string): string | undefined {
  return STATE_PATTERN.test(state) ? `plenum_login_${state}` : undefined;
}

export function encodeTransaction(tx: LoginTransaction): string {
  return Buffer.from(JSON.stringify(tx)).toString('base64url');
}

export function decodeTransaction(value: string | undefined): LoginTransaction | undefined {
  if (!value || value.length > 4096) return undefined;
  try {
    const parsed = LoginTransaction.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The provider could not be reached or answered nonsense: a 502 for the user, a log line for the operator. */
export class ProviderUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the OpenID Provider is not reachable', { cause });
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider refused or the response did not verify (wrong state, replayed code, denied consent, …). */
export class LoginRejectedError extends Error {
  constructor(
    public readonly reason: 'denied' | 'invalid',
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'LoginRejectedError';
  }
}

/** OpenID Connect relying party: authorization code flow with PKCE (S256), state and nonce. */
export class RelyingParty {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: RelyingPartyOptions) {}

  /** Discovery on first use, then cached; a failed discovery is retried on the next login. */
  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.options.issuer());
      const clientAuth = this.options.clientSecret ? oidc.ClientSecretPost(this.options.clientSecret) : oidc.None();
      const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
      const config = await oidc.discovery(issuer, this.options.clientId, this.options.clientSecret, clientAuth, {
        execute,
        timeout: 10,
        ...(this.options.fetch ? { [oidc.customFetch]: this.options.fetch } : {}),
      });
      return config;
    })().catch((err: unknown) => {
      this.configuration = undefined;
      throw new ProviderUnavailableError(err);
    });
    return this.configuration;
  }

  async startLogin(returnTo: string): Promise<{ url: URL; transaction: LoginTransaction }> {
    const config = await this.discover();
    const transaction: LoginTransaction = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri(),
      scope: this.options.scopes,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url, transaction };
  }

  /**
   * Verifies the authorization response against the transaction, redeems the code and returns the
   * issuer, the merged claims (ID token over userinfo) and the raw ID token for the logout hint.
   */
  async finishLogin(
    query: string,
    transaction: LoginTransaction,
  ): Promise<{ issuer: string; claims: Record<string, unknown>; idToken: string }> {
    const config = await this.discover();
    const currentUrl = new URL(`${this.options.redirectUri()}?${query}`);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError) {
        const denied = err.error === 'access_denied' || err.error === 'consent_required' || err.error === 'login_required';
        throw new LoginRejectedError(denied ? 'denied' : 'invalid', `the provider answered ${err.error}`, err);
      }
      if (err instanceof oidc.ResponseBodyError || err instanceof oidc.ClientError) {
        throw new LoginRejectedError('invalid', err.message, err);
      }
      throw new ProviderUnavailableError(err);
    }
    const idClaims = tokens.claims();
    if (!tokens.id_token || !idClaims) throw new LoginRejectedError('invalid', 'the provider returned no ID token');
    let userinfo: Record<string, unknown> = {};
    // Many providers (and oidc-provider by default) put profile claims only in userinfo.
    if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      } catch (err) {
        throw new LoginRejectedError('invalid', 'the userinfo response did not verify', err);
      }
    }
    return { issuer: idClaims.iss, claims: { ...userinfo, ...idClaims }, idToken: tokens.id_token };
  }

  /** Where the browser goes to end its session at the provider, or undefined when it offers no logout. */
  async endSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<string | undefined> {
    const config = await this.discover();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    const params: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri, client_id: this.options.clientId };
    if (idToken) params.id_token_hint = idToken;
    return oidc.buildEndSessionUrl(config, params).href;
  }

  issuer(): string {
    return this.options.issuer();
  }
}
