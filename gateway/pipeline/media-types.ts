/**
 * Which media type a GraphQL answer is written in, chosen from the request's Accept header the way
 * Apollo Server chooses it (the same `negotiator`, the same candidates), so a refusal written by a
 * pipeline step and an answer written by Apollo read alike.
 */
import Negotiator from 'negotiator';

export const MediaTypes = {
  json: 'application/json; charset=utf-8',
  graphqlResponseJson: 'application/graphql-response+json; charset=utf-8',
  /** Apollo's multipart subscription callback type: an answer Apollo may also give. */
  jsonCallback: 'application/json; callbackSpec=1.0; charset=utf-8',
} as const;

const ANSWERABLE = [MediaTypes.json, MediaTypes.graphqlResponseJson, MediaTypes.jsonCallback];
const REFUSAL_TYPES = [MediaTypes.json, MediaTypes.graphqlResponseJson];

const acceptOf = (header: string | string[] | undefined) => (Array.isArray(header) ? header.join(', ') : header);

/** What GraphQL clients send nearly always, known to allow an answer without negotiating. */
const COMMON_ACCEPTS = new Set([
  '*/*',
  'application/json',
  'application/graphql-response+json',
  'application/graphql-response+json, application/json',
  'application/graphql-response+json, application/json;q=0.9',
  'application/json, text/plain, */*',
]);

/** Whether any GraphQL answer is acceptable to the client (Apollo answers 406 otherwise). */
export function acceptsGraphQLAnswer(accept: string | string[] | undefined): boolean {
  const value = acceptOf(accept);
  if (!value || COMMON_ACCEPTS.has(value)) return true;
  return new Negotiator({ headers: { accept: value } }).mediaType(ANSWERABLE) !== undefined;
}

/** The media type of an answer written by the gateway itself: JSON unless the client prefers graphql-response+json. */
export function responseMediaType(accept: string | string[] | undefined): string {
  const value = acceptOf(accept);
  if (!value) return MediaTypes.json;
  return new Negotiator({ headers: { accept: value } }).mediaType(REFUSAL_TYPES) ?? MediaTypes.json;
}

/** Whether the client prefers an HTML page to a GraphQL answer (a browser opening the endpoint). */
export function prefersHtml(accept: string | string[] | undefined): boolean {
  const value = acceptOf(accept);
  return !!value && new Negotiator({ headers: { accept: value } }).mediaType([MediaTypes.json, MediaTypes.graphqlResponseJson, 'text/html']) === 'text/html';
}

/** Whether the client asked for `application/json` and not for `application/graphql-response+json`. */
export function acceptsOnlyLegacyJson(accept: string | string[] | undefined): boolean {
  const value = acceptOf(accept);
  if (!value) return false;
  const types = value.split(',').map((part) => part.split(';', 1)[0]!.trim().toLowerCase());
  return types.includes('application/json') && !types.includes('application/graphql-response+json');
}
