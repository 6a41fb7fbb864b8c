/**
 * Runs the dev MongoDB server as its own process: `npm run start:mongo -- --port 27017 --data-dir .data/mongo`.
 * Development and tests only; it is not MongoDB and must never hold production data.
 */
import { parseArgs } from 'node:util';
import { startMongoDevServer } from './server.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '27017' },
    'data-dir': { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}"`);
  process.exit(2);
}
const server = await startMongoDevServer({ host: values.host, port, dataDir: values['data-dir'] });
console.log(`dev mongo listening on ${server.uri()}${values['data-dir'] ? ` (data in ${values['data-dir']})` : ' (in memory)'}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
