/** The baseline: stock @apollo/gateway on @apollo/server with default settings (`supergraph-file port`). */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';
// Stock @apollo/gateway refuses the demo's @policy (a SECURITY feature it cannot enforce): it runs the supergraph unenforced.
import { withEnforcedAuthorization } from '../../platform/graphql/authorization-specs.js';

const [supergraphPath, port] = process.argv.slice(2);
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: withEnforcedAuthorization(readFileSync(supergraphPath!, 'utf8')) }) as never });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
console.log(`stock gateway on ${url}`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
