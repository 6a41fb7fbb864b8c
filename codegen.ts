/**
 * GraphQL Code Generator (`npm run codegen`): typed documents from schema/api.graphql and the `.graphql`
 * operation files, with the client preset.
 *
 * - `documentMode: 'string'`: documents are plain strings (TypedDocumentString), so no graphql-js reaches
 *   the mini-program.
 * - `persistedDocuments` (sha256): each document carries its hash (`__meta__.hash`, "sha256:<hex>") and each
 *   output gets a `persisted-documents.json` manifest, which the gateway loads with PERSISTED_DOCUMENTS.
 * - Scalars: `DateTime` is an ISO-8601 string on the wire, so it is typed `string` (strictScalars makes an
 *   unmapped custom scalar an error rather than `unknown`).
 * - The client's error codes (packages/client/src/generated/error-codes.ts) are written from platform/errors.ts's
 *   registry, so the union the client exports cannot drift from what the servers send.
 *
 * Outputs: packages/client/src/generated/ (the client's own session and linking operations, shipped in its package),
 * examples/mini-program/generated/ (the platform app's: every operation of the example's two apps plus the
 * client's, so its manifest holds every document the example sends) and examples/mini-program/acme-app/generated/
 * (ACME's app's, inside its own DevTools project). test/client/codegen.test.ts fails when any committed output is stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { GENERATED_HEADER as HEADER } from './dev/mark-generated.js';
import { ErrorCodes, UnauthenticatedReasons } from './platform/errors.js';

const CLIENT_OPERATIONS = 'packages/client/src/operations/*.graphql';
const EXAMPLE_OPERATIONS = 'examples/mini-program/operations/*.graphql';
const ACME_OPERATIONS = 'examples/mini-program/acme-app/operations/*.graphql';

/** The client preset's output for a set of operation files. */
const clientPreset = (documents: string[]): CodegenConfig['generates'][string] => ({
  documents,
  preset: 'client',
  presetConfig: {
    fragmentMasking: false,
    persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
  },
  config: {
    documentMode: 'string',
    scalars: { DateTime: 'string', JSON: 'unknown' },
    strictScalars: true,
    enumsAsTypes: true,
    useTypeImports: true,
    skipTypename: true,
  },
  plugins: [{ add: { content: HEADER } }],
});

/** The registry as TypeScript source: string-literal unions plus the descriptions as a typed record. */
function errorCodesSource(): string {
  const union = (keys: string[]) => keys.map((k) => `  | '${k}'`).join('\n');
  const record = (entries: [string, string][]) => entries.map(([k, v]) => `  ${k}: ${JSON.stringify(v)},`).join('\n');
  return `${HEADER}
/** Every \`extensions.code\` the platform's servers send (from platform/errors.ts). */
export type ErrorCode =
${union(Object.keys(ErrorCodes))};

/** What each code means. */
export const ERROR_CODE_DESCRIPTIONS: Record<ErrorCode, string> = {
${record(Object.entries(ErrorCodes).map(([code, { description }]) => [code, description]))}
};

/** Why a request is UNAUTHENTICATED (\`extensions.reason\`). */
export type UnauthenticatedReason =
${union(Object.keys(UnauthenticatedReasons))};
`;
}

const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  emitLegacyCommonJSImports: false,
  // The preset writes gql.ts and index.ts without the header: add it there too.
  hooks: { afterAllFileWrite: ['tsx dev/mark-generated.ts'] },
  generates: {
    'packages/client/src/generated/': clientPreset([CLIENT_OPERATIONS]),
    // The platform app's manifest holds every document the example's apps send (the gateway loads one).
    'examples/mini-program/generated/': clientPreset([EXAMPLE_OPERATIONS, ACME_OPERATIONS, CLIENT_OPERATIONS]),
    'examples/mini-program/acme-app/generated/': clientPreset([ACME_OPERATIONS, CLIENT_OPERATIONS]),
    'packages/client/src/generated/error-codes.ts': { plugins: [{ add: { content: errorCodesSource() } }] },
  },
};

export default config;
