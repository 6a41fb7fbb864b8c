/**
 * The platform config: which WeChat apps exist, which Open Platform account each is bound to, which
 * merchant owns which app and subgraph. Every process reads the same file, validated once at start-up;
 * secrets are never in it, only the names of the environment variables that hold them.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const appIdPattern = /^wx[0-9a-f]{16}$/;
const idPattern = /^[a-z][a-z0-9-]{1,31}$/;
const envNamePattern = /^[A-Z][A-Z0-9_]*$/;

const AppSchema = z
  .object({
    appId: z.string().regex(appIdPattern, 'must look like a WeChat appId: "wx" and 16 hex digits'),
    kind: z.enum(['miniprogram', 'official_account']),
    name: z.string().min(1),
    /** The Open Platform account the app is bound to; apps bound to the same one share UnionIDs. */
    openPlatform: z.string().regex(idPattern).optional(),
    /** Environment variable holding the app secret. Omit for a merchant app reached only through the third-party platform. */
    secretEnv: z.string().regex(envNamePattern, 'must be an environment variable name (A-Z, 0-9, _)').optional(),
    /** The merchant that owns the app; absent for the platform's own apps. */
    merchant: z.string().regex(idPattern).optional(),
    /** The merchant has authorised the platform's third-party platform for this app (component login). */
    authorizesThirdPartyPlatform: z.boolean().default(false),
    /** Official accounts: host names configured as web-authorisation domains (OAuth redirect targets). */
    webAuthDomains: z.array(z.string().min(1)).default([]),
  })
  .strict();

const LinkRoutesSchema = z
  .object({
    unionId: z.boolean().default(true),
    thirdPartyPlatform: z.boolean().default(false),
    officialAccountBridge: z.boolean().default(false),
    handoff: z.boolean().default(true),
    merchantAssertion: z.boolean().default(false),
  })
  .strict();

/** The key a merchant signs link assertions with: a JWKS URL, or one inline public JWK. */
const AssertionKeySchema = z.union([
  z.object({ jwksUrl: z.string().url() }).strict(),
  z.object({ publicJwk: z.object({ kty: z.string() }).passthrough() }).strict(),
]);

/**
 * Whether the platform needs the person's separate consent (PIPL art. 23) before it provides this
 * merchant's OpenID of them to the merchant's subgraph, and the notice the mini-program shows.
 */
const DisclosureConsentSchema = z
  .object({
    required: z.boolean(),
    /** What the merchant uses the OpenID for, in one sentence the person reads before agreeing. */
    purpose: z.string().min(1),
    /** The full notice text shown with the consent button. */
    notice: z.string().min(1),
    /** Recorded with every grant, so it is known which text the person agreed to. Change it when the notice changes. */
    version: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be a short version label (letters, digits, . _ -)'),
  })
  .strict();

const MerchantSchema = z
  .object({
    id: z.string().regex(idPattern, 'must be lower-case letters, digits and dashes'),
    name: z.string().min(1),
    appId: z.string().regex(appIdPattern),
    /** The subgraph this merchant owns: its requests carry this merchant's OpenID of the viewer. */
    subgraph: z.string().regex(idPattern),
    linking: LinkRoutesSchema.default(LinkRoutesSchema.parse({})),
    assertionKey: AssertionKeySchema.optional(),
    disclosureConsent: DisclosureConsentSchema.optional(),
    /** Where erasure notices are POSTed when a person the merchant received an OpenID of deletes their account. */
    erasureWebhook: z.string().url().optional(),
  })
  .strict();

const SubgraphSchema = z
  .object({
    name: z.string().regex(idPattern),
    /** Default URL; a deployment overrides it with SUBGRAPH_URLS. */
    url: z.string().url(),
    /** Environment variable holding the secret that signs identities sent to this subgraph. */
    identitySecretEnv: z.string().regex(envNamePattern),
  })
  .strict();

export const PlatformConfigSchema = z
  .object({
    platform: z
      .object({ name: z.string().min(1), miniProgramAppId: z.string().regex(appIdPattern), officialAccountAppId: z.string().regex(appIdPattern).optional() })
      .strict(),
    thirdPartyPlatform: z
      .object({
        componentAppId: z.string().regex(appIdPattern),
        secretEnv: z.string().regex(envNamePattern),
        /** Environment variables holding the message Token and EncodingAESKey of the platform's event URL. */
        tokenEnv: z.string().regex(envNamePattern),
        encodingAesKeyEnv: z.string().regex(envNamePattern),
      })
      .strict()
      .optional(),
    openPlatforms: z.array(z.object({ id: z.string().regex(idPattern), name: z.string().min(1) }).strict()),
    apps: z.array(AppSchema).min(1),
    merchants: z.array(MerchantSchema),
    identitySubgraph: z.string().regex(idPattern),
    subgraphs: z.array(SubgraphSchema).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    const apps = new Map(config.apps.map((a) => [a.appId, a]));
    const subgraphs = new Set(config.subgraphs.map((s) => s.name));
    const openPlatforms = new Set(config.openPlatforms.map((o) => o.id));
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const duplicates = <T>(items: T[], key: (t: T) => string, path: string) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(key(item))) issue([path, i], `duplicate ${path} entry "${key(item)}"`);
        seen.add(key(item));
      });
    };
    duplicates(config.apps, (a) => a.appId, 'apps');
    duplicates(config.merchants, (m) => m.id, 'merchants');
    duplicates(config.subgraphs, (s) => s.name, 'subgraphs');
    duplicates(config.merchants, (m) => m.subgraph, 'merchants');
    config.apps.forEach((app, i) => {
      if (app.openPlatform && !openPlatforms.has(app.openPlatform)) issue(['apps', i, 'openPlatform'], `unknown open platform "${app.openPlatform}"`);
      if (!app.secretEnv && !app.authorizesThirdPartyPlatform) issue(['apps', i, 'secretEnv'], 'needed unless the app authorises the third-party platform');
      if (app.authorizesThirdPartyPlatform && !config.thirdPartyPlatform)
        issue(['apps', i, 'authorizesThirdPartyPlatform'], 'no thirdPartyPlatform is configured');
    });
    const platformApp = apps.get(config.platform.miniProgramAppId);
    if (!platformApp || platformApp.kind !== 'miniprogram' || platformApp.merchant)
      issue(['platform', 'miniProgramAppId'], 'must name a platform mini-program in apps');
    if (config.platform.officialAccountAppId) {
      const oa = apps.get(config.platform.officialAccountAppId);
      if (!oa || oa.kind !== 'official_account') issue(['platform', 'officialAccountAppId'], 'must name an official_account in apps');
    }
    if (!subgraphs.has(config.identitySubgraph)) issue(['identitySubgraph'], `unknown subgraph "${config.identitySubgraph}"`);
    config.merchants.forEach((m, i) => {
      const app = apps.get(m.appId);
      if (!app || app.kind !== 'miniprogram') issue(['merchants', i, 'appId'], `"${m.appId}" is not a mini-program in apps`);
      else if (app.merchant !== m.id) issue(['merchants', i, 'appId'], `app "${m.appId}" does not name merchant "${m.id}"`);
      if (!subgraphs.has(m.subgraph)) issue(['merchants', i, 'subgraph'], `unknown subgraph "${m.subgraph}"`);
      if (m.subgraph === config.identitySubgraph) issue(['merchants', i, 'subgraph'], 'a merchant cannot own the identity subgraph');
      if (m.linking.thirdPartyPlatform && !app?.authorizesThirdPartyPlatform)
        issue(['merchants', i, 'linking', 'thirdPartyPlatform'], 'the app has not authorised the third-party platform');
      if (m.linking.merchantAssertion && !m.assertionKey) issue(['merchants', i, 'assertionKey'], 'needed when linking.merchantAssertion is on');
      if (m.linking.officialAccountBridge && !config.platform.officialAccountAppId)
        issue(['merchants', i, 'linking', 'officialAccountBridge'], 'the platform has no official account');
    });
  });

export type PlatformConfig = z.infer<typeof PlatformConfigSchema>;
export type AppConfig = PlatformConfig['apps'][number];
export type MerchantConfig = PlatformConfig['merchants'][number];
export type SubgraphConfig = PlatformConfig['subgraphs'][number];

/** Thrown when the platform config is unreadable or invalid; the message names every bad field. */
export class PlatformConfigError extends Error {}

/** Validates a parsed config object. */
export function parsePlatformConfig(raw: unknown, source = 'platform config'): PlatformConfig {
  const result = PlatformConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new PlatformConfigError(`${source} is invalid:\n${lines.join('\n')}`);
}

/** Reads and validates the config file at `path`. */
export function loadPlatformConfig(path: string): PlatformConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PlatformConfigError(`cannot read platform config ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlatformConfigError(`platform config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parsePlatformConfig(raw, `platform config ${path}`);
}
