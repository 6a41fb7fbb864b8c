/**
 * Who is asking, decided for every request on its own: the bearer token verified (viewer.ts) and its
 * session checked against revocations (session-revocations.ts), before the request may join an identical
 * one in flight (request-merging.ts). No Authorization header is an anonymous viewer; a bad, expired or
 * revoked token is refused (401 UNAUTHENTICATED). A plain federation gateway (no platform config) has no
 * viewers: every request is anonymous, and no client header reaches a subgraph, so none can matter.
 */
import { Headers } from '../../platform/headers.js';
import { defineFeature } from '../pipeline/feature.js';
import type { ViewerVerifier } from '../viewer.js';

export const viewerAdmission = (verifyViewer: ViewerVerifier | undefined) =>
  defineFeature({
    name: 'viewer-admission',
    provides: ['viewer'],
    admit(request) {
      const authorization = request.http.headers[Headers.authorization];
      request.viewer = undefined;
      // No token, or no viewers at all: anonymous, nothing to wait for.
      if (!verifyViewer || typeof authorization !== 'string' || authorization === '') return;
      return verifyViewer(authorization).then((viewer) => void (request.viewer = viewer));
    },
  });
