/**
 * The Federation authorization directives, enforced before planning (Apollo Router's `@authenticated`,
 * `@requiresScopes` and `@policy`, with this platform's scopes and policies: authorization/viewer-rights.ts).
 * Fields the viewer may not see are removed from the operation (pipeline/removed-fields.ts): the rest
 * runs, no subgraph is asked for them, and each answers null with its error (UNAUTHORIZED_FIELD_OR_TYPE,
 * or MERCHANT_IDENTITY_NOT_LINKED / CONSENT_REQUIRED with the merchant for the merchant policies).
 *
 * What is selected under a field that starts a session (`login`, `refreshSession`) runs as the new
 * session's viewer, known only once that field answered: it is left to the subgraphs' own checks.
 *
 * Per operation and supergraph the requirements it touches are found once; per request each is decided
 * for the viewer, and the operation filtered for that combination of decisions is kept, so a viewer with
 * the same rights reuses it. Operations touching no requirement cost a map lookup.
 */
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { createRequire } from 'node:module';
import type { PlatformIndex } from '../../platform/config/platform-index.js';
import type { SupergraphRequirements, Requirement } from '../authorization/supergraph-requirements.js';
import { decide, needsIdentities, sessionScopes, type Denial, type ViewerRights } from '../authorization/viewer-rights.js';
import type { PeekableDirectory } from '../gateway-context.js';
import { tracedLookup } from '../spans.js';
import type { MerchantIdentities } from '../identity-directory.js';
import type { DocumentCache } from '../pipeline/document-cache.js';
import { defineFeature } from '../pipeline/feature.js';
import type { RequestWith } from '../pipeline/gateway-request.js';
import { runFiltered } from '../pipeline/filtered-request.js';
import { SESSION_FIELDS } from '../../platform/identity/access-token.js';
import { filterOperation, UNEXAMINED, type FieldDecision, type FilteredOperation } from '../pipeline/removed-fields.js';

// The CommonJS build of graphql, which built the gateway's schema.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export interface AuthorizationOptions {
  /** The platform (scopes, merchants); undefined on a plain gateway: only `@authenticated`'s "no viewer" is decided. */
  platform: PlatformIndex | undefined;
  directory: PeekableDirectory | undefined;
  documents: DocumentCache;
  /** The API schema served now. */
  schema(): GraphQLSchema | undefined;
  /** What the supergraph served now requires. */
  requirements(): SupergraphRequirements | undefined;
}

/** The requirements an operation touches, for one supergraph. */
interface Touched {
  requirements: SupergraphRequirements;
  list: readonly Requirement[];
  /** Filtered operations by decision key ('' never: nothing is removed then). */
  filtered: Map<string, FilteredOperation>;
}

/** Whether `type.field` starts a session (`login`, `refreshSession`): what is under it runs as the new session's viewer. */
const startsSession = (schema: GraphQLSchema, type: string, field: string) => SESSION_FIELDS.has(field) && type === schema.getMutationType()?.name;

export const authorization = (options: AuthorizationOptions) => {
  const touchedBy = new WeakMap<OperationDefinitionNode, Touched>();

  const touched = (requirements: SupergraphRequirements, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Touched => {
    const known = touchedBy.get(operation);
    if (known?.requirements === requirements) return known;
    const found = new Set<Requirement>();
    filterOperation(schema, document, operation, (type, field) => {
      if (startsSession(schema, type, field)) return UNEXAMINED;
      const requirement = requirements.field(type, field);
      if (requirement) found.add(requirement);
      return undefined;
    });
    const entry: Touched = { requirements, list: [...found], filtered: new Map() };
    touchedBy.set(operation, entry);
    return entry;
  };

  const enforce = (
    request: RequestWith<'params' | 'document' | 'operation' | 'viewer'>,
    schema: GraphQLSchema,
    entry: Touched,
    identities: MerchantIdentities | undefined,
  ) => {
    const rights: ViewerRights = { viewer: request.viewer, scopes: sessionScopes(options.platform, request.viewer), identities };
    const decisions = new Map<Requirement, Denial | undefined>();
    let key = '';
    let denied = false;
    for (const requirement of entry.list) {
      const denial = decide(options.platform, requirement, rights);
      decisions.set(requirement, denial);
      denied ||= denial !== undefined;
      key += denial ? `${denial.code}:${denial.extensions?.merchantId ?? ''};` : '-;';
    }
    if (!denied) return;
    // Variables that do not coerce are the request's error, whatever is removed: Apollo answers it (400).
    const { variableDefinitions } = request.operation.operation;
    if (variableDefinitions?.length && graphql.getVariableValues(schema, variableDefinitions, request.params.variables ?? {}).errors) return;
    let filtered = entry.filtered.get(key);
    if (!filtered) {
      const { document, operation } = request.operation;
      const decideField: FieldDecision = (type, field) => {
        if (startsSession(schema, type, field)) return UNEXAMINED;
        const requirement = entry.requirements.field(type, field);
        return requirement && decisions.get(requirement);
      };
      filtered = filterOperation(schema, document, operation, decideField)!;
      entry.filtered.set(key, filtered);
    }
    runFiltered(request, filtered, options.documents, schema);
  };

  return defineFeature({
    name: 'authorization',
    needs: ['params', 'document', 'operation', 'viewer'],
    admit(request) {
      const requirements = options.requirements();
      const schema = options.schema();
      if (!requirements?.any || !schema) return;
      const entry = touched(requirements, schema, request.operation.document, request.operation.operation);
      if (entry.list.length === 0) return;
      const { viewer } = request;
      const { directory } = options;
      if (!viewer || !directory || !entry.list.some(needsIdentities)) return enforce(request, schema, entry, undefined);
      const cached = directory.peek?.(viewer.userId);
      if (cached) return enforce(request, schema, entry, cached);
      return tracedLookup(() => directory.merchantIdentities([viewer.userId])).then((found) =>
        enforce(request, schema, entry, found.get(viewer.userId) ?? new Map()),
      );
    },
  });
};
