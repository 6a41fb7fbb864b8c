/** The benchmark's synthetic subgraphs served on ephemeral ports, and their composed supergraph in a temporary file. */
import { composeServices } from '@apollo/composition';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLeanSubgraph } from '../../bench/subgraphs/lean-server.js';
import { SYNTHETIC_SUBGRAPHS } from '../../bench/subgraphs/synthetic.js';

/** Starts the subgraphs, writes the supergraph; pushes what stops and removes them onto `closers`. */
export async function syntheticSupergraphFile(closers: (() => Promise<unknown>)[]): Promise<string> {
  const urls: Record<string, string> = {};
  for (const subgraph of SYNTHETIC_SUBGRAPHS) {
    const server = await startLeanSubgraph(subgraph.typeDefs, subgraph.resolvers);
    urls[subgraph.name] = server.url;
    closers.push(server.close);
  }
  const dir = mkdtempSync(join(tmpdir(), 'synthetic-supergraph-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'supergraph.graphql');
  writeFileSync(file, composeServices(SYNTHETIC_SUBGRAPHS.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: urls[s.name]! }))).supergraphSdl!);
  return file;
}
