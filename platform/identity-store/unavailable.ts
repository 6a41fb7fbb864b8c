/**
 * The identity store being unreachable, as clients see it: one registered code, never the driver's
 * message (it names hosts and ports). Shared by the gateway's identity lookups and the identity subgraph.
 */
import mongoose from 'mongoose';
import { PlatformError } from '../errors.js';

export const identityStoreUnavailable = () => new PlatformError('IDENTITY_STORE_UNAVAILABLE', 'The identity store is unavailable right now; retry shortly.');

const { MongoServerSelectionError, MongoNetworkError, MongoNotConnectedError } = mongoose.mongo;

/** True when `error` says no store server could be reached (as opposed to a query the store refused). */
export const isStoreUnreachable = (error: unknown): boolean =>
  error instanceof MongoServerSelectionError || error instanceof MongoNetworkError || error instanceof MongoNotConnectedError;
