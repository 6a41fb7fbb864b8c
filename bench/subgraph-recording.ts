/**
 * One query's subgraph traffic, recorded: recording proxies sit between a gateway of ours (no merging,
 * no platform) and the subgraphs while it answers the query once. The floors (json-floor.ts,
 * http-floor.ts) replay what it recorded.
 */
import { createServer, request } from 'node:http';
import { launchTarget } from './gateways.js';
import { freePort } from './processes.js';

export interface RecordedExchange {
  /** Where the gateway sent it (the subgraph's own URL, not the proxy's). */
  url: string;
  request: string;
  response: string;
}

export interface SubgraphRecording {
  exchanges: RecordedExchange[];
  /** The gateway's answer to the query, as sent. */
  answer: string;
}

/**
 * Answers `body` once through a gateway composed by `supergraphFor` over recording proxies (given their
 * URLs by subgraph name) in front of `urls`, and returns every subgraph exchange and the answer.
 */
export async function recordSubgraphTraffic(
  name: string,
  urls: Record<string, string>,
  supergraphFor: (proxied: Record<string, string>) => string,
  body: string,
): Promise<SubgraphRecording> {
  const exchanges: RecordedExchange[] = [];
  const proxied: Record<string, string> = {};
  const servers = await Promise.all(
    Object.entries(urls).map(async ([subgraph, url]) => {
      const target = new URL(url);
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const sent = Buffer.concat(chunks);
          const upstream = request({ host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: req.headers }, (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (c: Buffer) => parts.push(c));
            answer.on('end', () => {
              const response = Buffer.concat(parts);
              exchanges.push({ url, request: sent.toString(), response: response.toString() });
              res.writeHead(answer.statusCode!, answer.headers);
              res.end(response);
            });
          });
          upstream.end(sent);
        });
      });
      const port = await freePort();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      proxied[subgraph] = `http://127.0.0.1:${port}/graphql`;
      return server;
    }),
  );
  try {
    const port = await freePort();
    const env = { SUPERGRAPH: supergraphFor(proxied), PORT: String(port), PLATFORM_CONFIG: undefined, GATEWAY_DEDUPE: 'false' };
    const gateway = await launchTarget(`${name}-recording-gateway`, 'gateway/main.ts', [], env, port);
    try {
      // Start-up probes went through the proxies too: only the query's own traffic counts.
      exchanges.length = 0;
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = await response.text();
      if (!response.ok || !exchanges.length)
        throw new Error(`recording ${name}: the gateway answered ${response.status} after ${exchanges.length} subgraph requests`);
      return { exchanges: [...exchanges], answer };
    } finally {
      await gateway.process?.stop();
    }
  } finally {
    for (const server of servers) server.close();
  }
}
