/**
 * The identity store being unreachable, as clients see it: one registered code, never the driver's
 * message (it names hosts and ports). Shared by the gateway's identity lookups and the identity subgraph.
 */
import mongoose from 'mongoose';
import { PlatformError } from '../errors.js';
import type { Logger } from '../logger.js';

export const identityStoreUnavailable = () => new PlatformError('IDENTITY_STORE_UNAVAILABLE', 'The identity store is unavailable right now; retry shortly.');

const { MongoServerSelectionError, MongoNetworkError, MongoNotConnectedError } = mongoose.mongo;

/** True when `error` says no store server could be reached (as opposed to a query the store refused). */
export const isStoreUnreachable = (error: unknown): boolean =>
  error instanceof MongoServerSelectionError || error instanceof MongoNetworkError || error instanceof MongoNotConnectedError;

/** Told of each outage met (the driver's error: for the operator's log, never for clients). */
export type OutageListener = (error: unknown) => void;

/**
 * Logs the first outage met (by a resolver, or a gateway lookup) as `message` with the driver's reason,
 * then at most one line per `everyMs`, with how many were answered since: an outage fails many requests
 * at once, and the operator needs the cause, not a line per request.
 */
export function throttledOutageLog(logger: Logger, message: string, everyMs = 10_000): OutageListener {
  let last = 0;
  let answered = 0;
  return (error) => {
    answered++;
    const now = Date.now();
    if (now - last < everyMs) return;
    logger.warn({ err: error instanceof Error ? error.message : String(error), answered }, message);
    last = now;
    answered = 0;
  };
}
