/**
 * The only module that reads `process.env`. Each process calls `readEnvironment()` once at start-up;
 * a bad value stops start-up with a message that names the variable and what to change.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalUrl = z.string().url().optional();

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PLATFORM_CONFIG: z.string().default(fileURLToPath(new URL('./config/demo-platform.json', import.meta.url))),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .optional(),
  /** The database a service uses; each service has its own default. */
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name')
    .optional(),
  WECHAT_API_BASE: optionalUrl,
  /** Host of WeChat's web OAuth authorize page (https://open.weixin.qq.com in production). */
  WECHAT_OAUTH_BASE: optionalUrl,
  /** The identity service's public origin, for the official-account bridge pages (must be a web-authorisation domain). */
  IDENTITY_PUBLIC_URL: optionalUrl,
  HOST: z.string().default('127.0.0.1'),
  /** Overrides the component's own port variable (for running one component on its own). */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  GATEWAY_PORT: port(4000),
  IDENTITY_PORT: port(4001),
  COUPONS_PORT: port(4002),
  PRODUCTS_PORT: port(4003),
  WECHAT_SIM_PORT: port(4010),
  MONGO_DEV_PORT: port(27017),
  DATA_DIR: z.string().optional(),
  /** Set by `npm start` for its children: stop when the launcher's stdin pipe closes (the launcher died). */
  EXIT_WITH_LAUNCHER: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the gateway finds the identity service's JWKS. */
  IDENTITY_URL: z.string().url().default('http://127.0.0.1:4001'),
  /** How often each gateway reads the identity change feed: the bound on staleness across gateways. */
  IDENTITY_CACHE_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(250),
  /** Merge identical in-flight client queries (a viewer's only with that viewer's own) and identical anonymous subgraph queries. */
  GATEWAY_DEDUPE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Query limits, checked before validation and planning (see gateway/query-limits.ts). */
  QUERY_MAX_DEPTH: z.coerce.number().int().min(1).default(15),
  QUERY_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  QUERY_MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(20),
  QUERY_MAX_TOKENS: z.coerce.number().int().min(1).default(1000),
  /** Schema introspection on the gateway; default: on, except with NODE_ENV=production. */
  GRAPHQL_INTROSPECTION: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** OTLP/HTTP collector base URL: set it to turn tracing on (traces go to `<url>/v1/traces`). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  /** The service name traces are reported under; default: the component's name (gateway, identity, ...). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Restores Apollo Server's CSRF preflight rule on the gateway (for deployments that add cookie authentication in front). */
  CSRF_PREVENTION: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** `name=url,name=url`: subgraph URLs that replace the ones in the platform config. */
  SUBGRAPH_URLS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const urls: Record<string, string> = {};
      for (const pair of value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [name, url] = pair.split('=');
        if (!name || !url || !URL.canParse(url)) ctx.addIssue({ code: 'custom', message: `"${pair}" is not name=url` });
        else urls[name] = url;
      }
      return urls;
    }),
  /** A persisted-documents manifest (GraphQL Code Generator's persisted-documents.json) the gateway loads at start-up. */
  PERSISTED_DOCUMENTS: z.string().optional(),
  /** Run only documents from the PERSISTED_DOCUMENTS manifest (recommended in production). */
  PERSISTED_DOCUMENTS_ONLY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** A supergraph SDL file; without PLATFORM_CONFIG set explicitly alongside it, the gateway runs as a plain federation gateway. */
  SUPERGRAPH: z.string().optional(),
  /** Where the gateway polls its supergraph from (instead of the SUPERGRAPH file); a changed answer is loaded without a restart. */
  SUPERGRAPH_URL: optionalUrl,
  /** How often SUPERGRAPH_URL is polled. (A SUPERGRAPH file is watched: its changes load at once.) */
  SUPERGRAPH_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** ES256 private key (PKCS#8 PEM) that signs access tokens. Required in production. */
  IDENTITY_JWT_PRIVATE_KEY: z.string().optional(),
  /** 32 bytes, base64: encrypts WeChat session keys at rest. Required in production. */
  IDENTITY_DATA_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
});

export type Environment = z.infer<typeof EnvSchema> & {
  /** Whether PLATFORM_CONFIG was set explicitly (not the demo default). */
  platformConfigExplicit: boolean;
  /** Reads a secret by the variable name the platform config gives. */
  secret(name: string): string | undefined;
};

/** Thrown when the environment is invalid; the message names every bad variable. */
export class EnvironmentError extends Error {}

export function readEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new EnvironmentError(`invalid environment:\n${lines.join('\n')}`);
  }
  const snapshot = { ...source };
  return {
    ...result.data,
    platformConfigExplicit: source.PLATFORM_CONFIG !== undefined,
    secret: (name) => {
      const value = snapshot[name];
      return value === undefined || value === '' ? undefined : value;
    },
  };
}

/** A secret the process cannot run without; the error names the variable to set. */
export function requireSecret(env: Environment, name: string, purpose: string): string {
  const value = env.secret(name);
  if (!value) throw new EnvironmentError(`${name} is not set: it holds ${purpose}`);
  if (value.length < 16) throw new EnvironmentError(`${name} is too short: use at least 16 characters (${purpose})`);
  return value;
}
