/**
 * When the embedded MongoDB server holds a hello (dev/mongo/hello-stream.ts): only an awaitable hello that
 * names this run's topologyVersion, for its maxAwaitTimeMS, bounded so no timer overflows into a flood.
 * (The conformance suite drives the same behaviour through the driver and a raw socket.)
 */
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { helloWaitMs } from '../../dev/mongo/hello-stream.js';

const run = new BSON.ObjectId();
const version = (processId = run, counter = 0) => ({ processId, counter: BSON.Long.fromNumber(counter) });

describe("the dev server's streaming hello", () => {
  it('holds an awaitable hello of this run for maxAwaitTimeMS, whichever spelling of hello', () => {
    for (const name of ['hello', 'isMaster', 'ismaster'])
      expect(helloWaitMs({ [name]: 1, maxAwaitTimeMS: 10_000, topologyVersion: version() }, run)).toBe(10_000);
  });

  it('answers at once a hello without a version or a wait, one naming another run or a later version, and any other command', () => {
    expect(helloWaitMs({ hello: 1 }, run)).toBeUndefined();
    expect(helloWaitMs({ hello: 1, topologyVersion: version() }, run)).toBeUndefined();
    expect(helloWaitMs({ hello: 1, maxAwaitTimeMS: 10_000 }, run)).toBeUndefined();
    expect(helloWaitMs({ hello: 1, maxAwaitTimeMS: 10_000, topologyVersion: version(new BSON.ObjectId()) }, run)).toBeUndefined();
    expect(helloWaitMs({ hello: 1, maxAwaitTimeMS: 10_000, topologyVersion: version(run, 1) }, run)).toBeUndefined();
    expect(helloWaitMs({ ping: 1, maxAwaitTimeMS: 10_000, topologyVersion: version() }, run)).toBeUndefined();
  });

  it('refuses to wait a negative or non-finite time, and never longer than a timer can (a longer one would fire at once)', () => {
    for (const maxAwaitTimeMS of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10000']) {
      expect(helloWaitMs({ hello: 1, maxAwaitTimeMS, topologyVersion: version() }, run)).toBeUndefined();
    }
    expect(helloWaitMs({ hello: 1, maxAwaitTimeMS: 1e15, topologyVersion: version() }, run)).toBe(2 ** 31 - 1);
  });
});
