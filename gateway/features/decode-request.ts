/**
 * Decodes a GraphQL request from POST JSON or GET (GraphQL over HTTP), with Apollo Server's rules and
 * messages for each malformed part, and reads the document hash a request may name instead of sending
 * text: `documentId: "sha256:<hex>"` (GraphQL over HTTP's persisted documents) or Apollo's
 * `extensions.persistedQuery`. Everything after this step reads `request.params`, never the body.
 * Refused here: other methods (405), an Accept header no GraphQL answer satisfies (406, before anything
 * runs; Apollo would only refuse it after executing), a GET with a non-JSON content type (415).
 */
import { Headers } from '../../platform/headers.js';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import { defineFeature } from '../pipeline/feature.js';
import type { GraphQLParams } from '../pipeline/gateway-request.js';
import { acceptsGraphQLAnswer } from '../pipeline/media-types.js';

const HEX_HASH = /^[0-9a-f]{64}$/;
const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const isEmpty = (record: Json) => {
  for (const _ in record) return false;
  return true;
};
const badRequest = (message: string, status = 400, headers: Record<string, string> = {}) => new HttpError(status, 'BAD_REQUEST', message, {}, headers);

export const decodeRequest = () =>
  defineFeature({
    name: 'decode-request',
    provides: ['params'],
    admit(request) {
      const { http } = request;
      if (!acceptsGraphQLAnswer(http.headers[Headers.accept])) {
        throw badRequest('The Accept header allows neither application/json nor application/graphql-response+json.', 406);
      }
      request.params =
        http.method === 'POST' ? fromPost(http.body) : http.method === 'GET' ? fromGet(http.search, http.headers[Headers.contentType]) : notAllowed();
    },
  });

function notAllowed(): never {
  throw badRequest('GraphQL requests are GET or POST.', 405, { [Headers.allow]: 'GET, POST' });
}

function fromPost(body: unknown): GraphQLParams {
  if (Array.isArray(body)) throw badRequest('Operation batching disabled.');
  if (!isRecord(body) || isEmpty(body)) throw badRequest('POST body missing, invalid Content-Type, or JSON object has no keys.');
  const { query, operationName } = body;
  if (query !== undefined && query !== null && typeof query !== 'string') throw badRequest('GraphQL queries must be strings.');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw badRequest('`operationName` in a POST body must be a string if provided.');
  }
  const variables = objectField(body, 'variables');
  const extensions = objectField(body, 'extensions');
  return params('POST', query || undefined, operationName ?? undefined, variables, extensions, body.documentId);
}

/** `variables` and `extensions`: an object, or absent / null. */
function objectField(body: Json, name: 'variables' | 'extensions'): Json | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') throw badRequest(`\`${name}\` in a POST body should be provided as an object, not a recursively JSON-encoded string.`);
  if (!isRecord(value)) throw badRequest(`\`${name}\` in a POST body must be an object if provided.`);
  return value;
}

function fromGet(search: string, contentType: string | string[] | undefined): GraphQLParams {
  const type = typeof contentType === 'string' ? contentType.split(';', 1)[0]!.trim().toLowerCase() : contentType;
  if (type !== undefined && type !== 'application/json') {
    throw badRequest('GET requests may not have a content-type header other than application/json.', 415);
  }
  const searchParams = new URLSearchParams(search);
  const once = (name: string) => {
    const values = searchParams.getAll(name);
    if (values.length > 1) throw badRequest(`The '${name}' search parameter may only be specified once.`);
    return values[0];
  };
  const json = (name: string) => {
    const text = once(name);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw badRequest(`The ${name} search parameter contains invalid JSON.`);
    }
    if (!isRecord(value)) throw badRequest(`The ${name} search parameter should contain a JSON-encoded object.`);
    return value;
  };
  return params('GET', once('query') || undefined, once('operationName'), json('variables'), json('extensions'), once('documentId'));
}

/** The decoded request, with the hash it names (documentId or persistedQuery) checked for form. */
function params(
  method: GraphQLParams['method'],
  query: string | undefined,
  operationName: string | undefined,
  variables: Json | undefined,
  extensions: Json | undefined,
  documentId: unknown,
): GraphQLParams {
  let hash: string | undefined;
  if (documentId !== undefined && documentId !== null) {
    const match = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId) : null;
    if (!match) throw badRequest('documentId must be "sha256:" followed by 64 lower-case hex digits.');
    hash = match[1];
  }
  let rest = extensions;
  if (extensions?.persistedQuery !== undefined) {
    const { persistedQuery, ...others } = extensions;
    const { version, sha256Hash } = isRecord(persistedQuery) ? persistedQuery : {};
    if (version !== 1) throw badRequest('Unsupported persisted query version: only version 1 is.');
    if (typeof sha256Hash !== 'string' || !HEX_HASH.test(sha256Hash)) throw badRequest('persistedQuery.sha256Hash must be 64 lower-case hex digits.');
    if (hash !== undefined && hash !== sha256Hash) throw badRequest('documentId and persistedQuery name different documents.');
    hash = sha256Hash;
    rest = Object.keys(others).length > 0 ? others : undefined;
  }
  if (query === undefined && hash === undefined) {
    throw badRequest('GraphQL operations must contain a non-empty `query`, a `documentId` or a `persistedQuery` extension.');
  }
  return { method, query, hash, operationName, variables, extensions: rest };
}
