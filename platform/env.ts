/**
 * The only module that reads `process.env`. Each process calls `readEnvironment()` once at start-up;
 * a bad value stops start-up with a message that names the variable and what to change.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/** A URL, or unset. */
export const optionalUrl = z.string().url().optional();
/** `true` / `false`, or unset (undefined: the component's own default applies). */
export const optionalFlag = () =>
  z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'));

/** `a=1, b=2` as [name, value] pairs; a pair without `=` has an empty value. */
export const namedPairs = (value: string): [string, string][] =>
  value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? [pair, ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PLATFORM_CONFIG: z.string().default(fileURLToPath(new URL('./config/demo-platform.json', import.meta.url))),
  /** The subgraphs to compose and run, in rover's supergraph config format. */
  SUPERGRAPH_CONFIG: z.string().default(fileURLToPath(new URL('../schema/supergraph.yaml', import.meta.url))),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .optional(),
  /** The database a service uses; each service has its own default. */
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name')
    .optional(),
  /**
   * The longest a process waits on MongoDB: to find a server, to connect, and for one reply. Past it the
   * operation fails (the identity service answers IDENTITY_STORE_UNAVAILABLE) instead of waiting for the
   * driver's 30 s. A read is retried once, so keep twice this below the gateway's SUBGRAPH_TIMEOUT_MS.
   */
  MONGODB_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(2000),
  WECHAT_API_BASE: optionalUrl,
  /** Host of WeChat's web OAuth authorize page (https://open.weixin.qq.com in production). */
  WECHAT_OAUTH_BASE: optionalUrl,
  /** The identity service's public origin, for the official-account bridge pages (must be a web-authorisation domain). */
  IDENTITY_PUBLIC_URL: optionalUrl,
  HOST: z.string().default('127.0.0.1'),
  /**
   * Serve /metrics on its own listener at this port (bound to METRICS_HOST), and not on the public port.
   * Set it in production: metrics name subgraphs, apps and error rates, for operators only.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Where the METRICS_PORT listener binds: this machine only, unless a scraper elsewhere needs it. */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Overrides the component's own port variable (for running one component on its own). */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  GATEWAY_PORT: port(4000),
  WECHAT_SIM_PORT: port(4010),
  MONGO_DEV_PORT: port(27017),
  /** The operator console; never expose it through the public gateway. */
  CONSOLE_PORT: port(4020),
  /** The console's operator accounts (JSON, scrypt hashes); development falls back to console/dev-operators.json. Required in production. */
  CONSOLE_OPERATORS: z.string().optional(),
  DATA_DIR: z.string().optional(),
  /** Set by `npm start` for its children: stop when the launcher's stdin pipe closes (the launcher died). */
  EXIT_WITH_LAUNCHER: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** On SIGTERM: keep serving this long with /readyz at 503 (so load balancers stop sending), then drain. */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  /** On SIGTERM: the longest in-flight requests may take to finish before their connections are closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  /** OTLP/HTTP collector base URL: set it to turn tracing on (traces go to `<url>/v1/traces`). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  /** The service name traces are reported under; default: the component's name (gateway, identity, ...). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** A persisted-documents manifest (GraphQL Code Generator's persisted-documents.json) the gateway loads at start-up. */
  PERSISTED_DOCUMENTS: z.string().optional(),
  /** A supergraph SDL file; without PLATFORM_CONFIG set explicitly alongside it, the gateway runs as a plain federation gateway. */
  SUPERGRAPH: z.string().optional(),
  /** ES256 private key (PKCS#8 PEM) that signs access tokens. Required in production. */
  IDENTITY_JWT_PRIVATE_KEY: z.string().optional(),
  /** 32 bytes, base64: encrypts WeChat session keys at rest. Required in production. */
  IDENTITY_DATA_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
});

/** Variables only one component reads (the gateway's: gateway/gateway-settings.ts), validated with the shared ones. */
export type Settings = z.ZodRawShape;

/** What `settings` add to the environment (nothing without any). */
type SettingsOf<S extends Settings | undefined> = S extends Settings ? z.infer<z.ZodObject<S>> : unknown;

export type Environment<S extends Settings | undefined = undefined> = z.infer<typeof EnvSchema> &
  SettingsOf<S> & {
    /** Whether PLATFORM_CONFIG was set explicitly (not the demo default). */
    platformConfigExplicit: boolean;
    /** Reads a secret by the variable name the platform config gives. */
    secret(name: string): string | undefined;
    /**
     * The port a subgraph listens on when `<NAME>_PORT` is set (`IDENTITY_PORT`, `COUPONS_PORT`, ...; dashes
     * become underscores), else undefined: the port of its URL in the platform config applies.
     */
    subgraphPort(subgraphName: string): number | undefined;
  };

/** The variable that overrides a subgraph's port. */
export const subgraphPortVariable = (subgraphName: string) => `${subgraphName.toUpperCase().replaceAll('-', '_')}_PORT`;

/** Thrown when the environment is invalid; the message names every bad variable. */
export class EnvironmentError extends Error {}

export function readEnvironment<S extends Settings | undefined = undefined>(source: NodeJS.ProcessEnv = process.env, settings?: S): Environment<S> {
  const { env, invalid } = inspectEnvironment(source, settings);
  if (invalid.size > 0) throw new EnvironmentError(`invalid environment:\n${[...invalid.values()].map((line) => `  - ${line}`).join('\n')}`);
  return env;
}

/**
 * The environment with each variable validated on its own: every invalid one is reported (by name, with
 * what is wrong), not only the first, and left out of `env` (its default applies there), so a process
 * can go on to check what else is missing and say everything in one run.
 */
export function inspectEnvironment<S extends Settings | undefined = undefined>(
  source: NodeJS.ProcessEnv = process.env,
  settings?: S,
): { env: Environment<S>; invalid: Map<string, string> } {
  const shape: z.ZodRawShape = { ...EnvSchema.shape, ...settings };
  const data: Record<string, unknown> = {};
  const invalid = new Map<string, string>();
  for (const [name, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    const parsed = schema.safeParse(source[name]);
    if (parsed.success) {
      data[name] = parsed.data;
      continue;
    }
    invalid.set(name, `${name}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    const fallback = schema.safeParse(undefined);
    if (fallback.success) data[name] = fallback.data;
  }
  const snapshot = { ...source };
  const env = {
    ...(data as z.infer<typeof EnvSchema> & SettingsOf<S>),
    platformConfigExplicit: source.PLATFORM_CONFIG !== undefined,
    secret: (name: string) => {
      const value = snapshot[name];
      return value === undefined || value === '' ? undefined : value;
    },
    subgraphPort: (subgraphName: string) => {
      const name = subgraphPortVariable(subgraphName);
      const value = snapshot[name];
      if (value === undefined || value === '') return undefined;
      const parsed = port(0).safeParse(value);
      if (!parsed.success) throw new EnvironmentError(`invalid environment:\n  - ${name}: must be a port number (0-65535)`);
      return parsed.data;
    },
  };
  return { env, invalid };
}

/**
 * @apollo/gateway reports usage data to Apollo's servers, probing cloud metadata endpoints first, unless
 * APOLLO_TELEMETRY_DISABLED is set in the process environment (it reads it itself, when a gateway is
 * built). A gateway holding people's identities sends nothing anywhere its operator did not configure.
 */
export function turnOffApolloTelemetry(): void {
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
}

/** A secret the process cannot run without; the error names the variable to set. */
export function requireSecret(env: Environment, name: string, purpose: string): string {
  const value = env.secret(name);
  if (!value) throw new EnvironmentError(`${name} is not set: it holds ${purpose}`);
  if (value.length < 16) throw new EnvironmentError(`${name} is too short: use at least 16 characters (${purpose})`);
  return value;
}
