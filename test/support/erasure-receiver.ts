/**
 * A merchant's erasure webhook, as a merchant would write it: checks the signature with its subgraph
 * secret, deduplicates by event id, and answers 2xx once it has acted. `failNext` makes it answer 503.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Headers } from '../../platform/headers.js';
import { signNotice, type ErasureNotice } from '../../subgraphs/identity/erasure-outbox.js';

export interface ErasureReceiver {
  url: string;
  /** Notices acted on, once per event id. */
  accepted: ErasureNotice[];
  /** Every POST received, including failed and duplicate ones. */
  posts: number;
  badSignatures: number;
  /** How many of the next POSTs to fail with 503. */
  failNext: number;
  close(): Promise<void>;
}

export async function startErasureReceiver(secret: () => string): Promise<ErasureReceiver> {
  const seen = new Set<string>();
  const receiver: ErasureReceiver = { url: '', accepted: [], posts: 0, badSignatures: 0, failNext: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.posts++;
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.headers[Headers.signature] !== signNotice(secret(), body)) {
        receiver.badSignatures++;
        return void res.writeHead(401).end();
      }
      if (receiver.failNext > 0) {
        receiver.failNext--;
        return void res.writeHead(503).end();
      }
      const notice = JSON.parse(body) as ErasureNotice;
      if (notice.eventId !== req.headers[Headers.eventId]) return void res.writeHead(400).end();
      if (!seen.has(notice.eventId)) {
        seen.add(notice.eventId);
        receiver.accepted.push(notice);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/privacy/erasure`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
