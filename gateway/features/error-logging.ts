/**
 * What the operator hears of failed requests: an error masked for the client (anything without a public
 * code) is logged with the request's id, and so is a subgraph that did not answer (its fields'
 * SUBGRAPH_UNAVAILABLE is public, but someone must act on it). The client sees the same id in `x-request-id`.
 */
import { isPublicCode, subgraphOutageLogging } from '../../platform/graphql/format-error.js';
import type { Logger } from '../../platform/logger.js';
import { maskedErrorLogging } from '@identity-federation-gateway/subgraph-kit';
import type { GatewayContext } from '../gateway-context.js';
import { defineFeature } from '../pipeline/feature.js';

export const errorLogging = (logger: Logger) =>
  defineFeature({ name: 'error-logging', apollo: [maskedErrorLogging<GatewayContext>(logger, isPublicCode), subgraphOutageLogging<GatewayContext>(logger)] });
