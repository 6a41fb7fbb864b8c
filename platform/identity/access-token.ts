/** The access token contract between the identity service (issuer) and the gateway (verifier). */
export const ACCESS_TOKEN_ISSUER = 'urn:identity-federation-gateway:identity';
export const ACCESS_TOKEN_AUDIENCE = 'urn:identity-federation-gateway:gateway';
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The key under which the identity subgraph's response `extensions` list the sessions a mutation started
 * (`login`, `refreshSession`): `[{ path, accessToken }]`, `path` being the field's response path in that
 * subgraph fetch. The gateway verifies each token and resolves the rest of `Session.user` as that viewer;
 * it never passes the extension on to the client.
 */
export const NEW_SESSIONS_EXTENSION = 'newSessions';

/**
 * The identity subgraph's mutation fields that start a session: the gateway limits their rate, and what
 * is selected under them runs as the new session's viewer (known only once they answered).
 */
export const SESSION_FIELDS: ReadonlySet<string> = new Set(['login', 'refreshSession']);

/** One entry of the NEW_SESSIONS_EXTENSION list. */
export interface NewSessionReport {
  path: (string | number)[];
  accessToken: string;
}

/** The verified facts a token carries: whose session, from which app. */
export interface AccessTokenClaims {
  /** Platform user id. */
  sub: string;
  /** The mini-program the session logged in from. */
  app: string;
  /** Session family (the refresh-token chain). */
  sid: string;
}

/** The `aud` a merchant's link assertion must carry. */
export const MERCHANT_ASSERTION_AUDIENCE = 'urn:identity-federation-gateway:platform';
/** Longest lifetime (exp - iat) a merchant assertion may have. */
export const MERCHANT_ASSERTION_MAX_SECONDS = 300;
