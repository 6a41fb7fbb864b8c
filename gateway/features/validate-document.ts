/**
 * Validates the document against the API schema the gateway serves, once per document and schema (the
 * result is kept with the cached document, and Apollo Server reads that document from the cache instead
 * of validating it again). Runs after the query limits, which bound what validation costs. A document
 * that does not validate is refused here: 400 GRAPHQL_VALIDATION_FAILED with GraphQL's errors, without
 * "Did you mean ...?" schema hints in production, and `__schema` / `__type` refused while introspection
 * is off, as Apollo Server refuses them.
 */
import type { GraphQLSchema, ValidationRule } from 'graphql';
import { createRequire } from 'node:module';
import { defineFeature } from '../pipeline/feature.js';
import type { DocumentCache } from '../pipeline/document-cache.js';
import { GraphQLRefusal } from '../pipeline/refusal.js';

// The CommonJS build of graphql, which built the gateway's schema: graphql-js refuses a schema from another copy.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export interface ValidationOptions {
  /** The API schema served now (undefined until the gateway has loaded its supergraph). */
  schema: () => GraphQLSchema | undefined;
  /** Whether `__schema` and `__type` may be asked. */
  introspection: boolean;
  /** Leave GraphQL's "Did you mean ...?" suggestions out of messages (production). */
  hideSuggestions: boolean;
}

export const validateDocument = (documents: DocumentCache, options: ValidationOptions) => {
  const rules: readonly ValidationRule[] = options.introspection ? graphql.specifiedRules : [...graphql.specifiedRules, noIntrospection];
  return defineFeature({
    name: 'validate-document',
    needs: ['operation'],
    admit(request) {
      const schema = options.schema();
      // Not loaded yet: Apollo Server, not started either, answers.
      if (!schema) return;
      const { document } = request.operation;
      let errors = documents.validationOf(document, schema);
      if (!errors) documents.validated(document, schema, (errors = graphql.validate(schema, document, rules)));
      if (errors.length > 0) {
        throw new GraphQLRefusal(
          400,
          'GRAPHQL_VALIDATION_FAILED',
          errors.map((error) => ({
            message: options.hideSuggestions ? withoutSuggestions(error.message) : error.message,
            locations: error.locations,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          })),
        );
      }
    },
  });
};

/** Apollo Server's rule for hiding schema details (ApolloServerPluginDisableSuggestions). */
const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean(.+?)\?$/, '');

const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(new graphql.GraphQLError('GraphQL introspection is not allowed here (GRAPHQL_INTROSPECTION is off).', { nodes: [node] }));
    }
  },
});
