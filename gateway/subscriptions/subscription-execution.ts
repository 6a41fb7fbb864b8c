/**
 * The end of the pipeline for every request: a subscription that came on a socket starts there
 * (live-subscriptions.ts); a subscription sent over HTTP is refused with where to send it; everything
 * else runs in Apollo Server (pipeline/execute.ts), whether it came over HTTP or a socket.
 */
import { HeaderMap } from '@apollo/server';
import { HttpError } from '@identity-federation-gateway/subgraph-kit';
import type { GatewayResponse, RequestWith } from '../pipeline/gateway-request.js';
import type { Execution } from '../pipeline/pipeline.js';
import type { LiveSubscriptions } from './live-subscriptions.js';

type Needs = 'params' | 'document' | 'operation' | 'viewer';

export function withSubscriptions(execution: Execution<'params' | 'document' | 'viewer'>, live: LiveSubscriptions | undefined): Execution<Needs> {
  return {
    needs: ['params', 'document', 'operation', 'viewer'],
    // Not async: a query or mutation gets execution's own promise, not one around it.
    run(request: RequestWith<Needs>) {
      if (request.operation.operation.operation !== 'subscription') return execution.run(request);
      return startSubscription(request);
    },
  };

  async function startSubscription(request: RequestWith<Needs>): Promise<GatewayResponse> {
    const { socket } = request;
    if (!socket) {
      throw new HttpError(400, 'BAD_REQUEST', 'Subscriptions run over a WebSocket at this endpoint (graphql-transport-ws), not over HTTP.');
    }
    if (!live) throw new HttpError(501, 'BAD_REQUEST', 'This gateway cannot run subscriptions (see its start-up log).');
    socket.started(live.start(request, socket));
    return { status: 200, headers: new HeaderMap(), body: { kind: 'complete', string: '' } };
  }
}
