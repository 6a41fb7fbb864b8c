/** Every log line written while a request is handled carries its request id, however deep in async work. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Headers } from '../../platform/headers.js';
import { createLogger } from '../../platform/logger.js';
import { inServerSpan } from '../../platform/telemetry.js';

describe('request ids on log lines', () => {
  it('stamps lines logged after awaits inside a request with its id, and no id outside one', async () => {
    const lines: Record<string, unknown>[] = [];
    const raw: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) =>
      chunk
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .forEach((line) => {
          raw.push(line);
          lines.push(JSON.parse(line));
        }),
    );
    const logger = createLogger('test', 'info', stream);
    const server = createServer((req, res) => {
      // As the HTTP edge does: the id is on the answer before the handling starts.
      res.setHeader(Headers.requestId, String(req.headers[Headers.requestId]));
      inServerSpan(req.headers, 'GET /', res, () => {
        void (async () => {
          await sleep(5);
          logger.info({ step: 'deep' }, 'work in the request');
          logger.child({ requestId: String(req.headers[Headers.requestId]) }).info('bound child');
          res.end('ok');
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await Promise.all(['req-a', 'req-b'].map((id) => fetch(`http://127.0.0.1:${port}/`, { headers: { [Headers.requestId]: id } }).then((r) => r.text())));
      logger.info('outside any request');
      await sleep(20);
    } finally {
      server.close();
    }
    const deep = lines.filter((line) => line.step === 'deep').map((line) => line.requestId);
    expect(deep.sort()).toEqual(['req-a', 'req-b']);
    expect(lines.find((line) => line.msg === 'outside any request')).not.toHaveProperty('requestId');
    // A child already bound to the id does not get it a second time.
    expect(raw.filter((line) => line.includes('bound child')).map((line) => line.split('"requestId"').length - 1)).toEqual([1, 1]);
  });
});
