/** Serves one set of benchmark subgraphs (`synthetic` or `demo`) and prints their URLs as one JSON line. */
import { DEMO_STATIC_SUBGRAPHS } from './demo-static.js';
import { startLeanSubgraph } from './lean-server.js';
import { SYNTHETIC_SUBGRAPHS } from './synthetic.js';

const set = process.argv[2] === 'demo' ? DEMO_STATIC_SUBGRAPHS : SYNTHETIC_SUBGRAPHS;
const urls: Record<string, string> = {};
for (const subgraph of set) urls[subgraph.name] = (await startLeanSubgraph(subgraph.typeDefs, subgraph.resolvers)).url;
console.log(JSON.stringify(urls));
process.on('SIGTERM', () => process.exit(0));
