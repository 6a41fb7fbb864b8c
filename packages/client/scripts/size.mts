/**
 * The client's size budget: its runtime bundled, minified and gzipped, without the generated documents
 * (their size is the app's operations, not the client's), must stay within 6 KB. `npm run size:client`
 * prints it; test/client/build.test.ts enforces it.
 */
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const CLIENT_BUDGET_BYTES = 6 * 1024;
const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** Leaves the generated documents out of the bundle. */
const withoutGenerated: Plugin = {
  name: 'without-generated-documents',
  setup(builder) {
    builder.onResolve({ filter: /\/generated\/graphql(\.js)?$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Minified + gzipped bytes of the client runtime (ES2017), and of the whole bundle with its documents. */
export async function measureClientSize(): Promise<{ runtime: number; withDocuments: number }> {
  const gzipped = async (plugins: Plugin[]) => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2017',
      write: false,
      plugins,
      logLevel: 'silent',
    });
    return gzipSync(result.outputFiles[0]!.contents).length;
  };
  return { runtime: await gzipped([withoutGenerated]), withDocuments: await gzipped([]) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { runtime, withDocuments } = await measureClientSize();
  console.log(`client runtime: ${runtime} bytes min+gz (budget ${CLIENT_BUDGET_BYTES}); with its generated documents: ${withDocuments} bytes`);
  if (runtime > CLIENT_BUDGET_BYTES) process.exit(1);
}
