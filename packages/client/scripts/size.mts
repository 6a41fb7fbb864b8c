/**
 * The client's size budgets: its runtime bundled, minified and gzipped, without the generated documents
 * (their size is the app's operations, not the client's). An app that does not import `subscribe` (nor the
 * socket transports) must stay within 6 KB, one that does within 8 KB. Each is measured as an app importing
 * every other export: more than an app needs, so the budget holds for any app. `npm run size:client` prints
 * the sizes; test/client/build.test.ts enforces them.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const CLIENT_BUDGET_BYTES = 6 * 1024;
export const SUBSCRIBE_BUDGET_BYTES = 8 * 1024;
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** What an app imports only when it subscribes. */
const SUBSCRIPTION_EXPORTS = ['subscribe', 'wxSocketTransport', 'webSocketTransport', 'SocketClosedError'];

/** Leaves the generated documents out of the bundle. */
const withoutGenerated: Plugin = {
  name: 'without-generated-documents',
  setup(builder) {
    builder.onResolve({ filter: /\/generated\/graphql(\.js)?$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const BUNDLE = { bundle: true, minify: true, format: 'esm', target: 'es2017', write: false, logLevel: 'silent' } as const satisfies BuildOptions;

/** Minified + gzipped bytes of an app that imports `names` from the client. */
async function gzipped(names: string[], plugins: Plugin[]): Promise<number> {
  const result = await build({
    ...BUNDLE,
    stdin: { contents: `export { ${names.join(', ')} } from './index.ts';`, resolveDir: SRC, loader: 'ts' },
    plugins,
  });
  return gzipSync(result.outputFiles[0]!.contents).length;
}

export interface ClientSize {
  /** Every export but the subscription ones, without the generated documents. */
  runtime: number;
  /** Every export, without the generated documents. */
  withSubscribe: number;
  /** Every export with the client's generated documents. */
  withDocuments: number;
}

export async function measureClientSize(): Promise<ClientSize> {
  const entry = await build({ ...BUNDLE, entryPoints: [`${SRC}index.ts`], metafile: true, plugins: [withoutGenerated] });
  const everything = Object.values(entry.metafile!.outputs)[0]!.exports;
  const withoutSubscribe = everything.filter((name) => !SUBSCRIPTION_EXPORTS.includes(name));
  return {
    runtime: await gzipped(withoutSubscribe, [withoutGenerated]),
    withSubscribe: await gzipped(everything, [withoutGenerated]),
    withDocuments: await gzipped(everything, []),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { runtime, withSubscribe, withDocuments } = await measureClientSize();
  console.log(`client runtime without subscribe: ${runtime} bytes min+gz (budget ${CLIENT_BUDGET_BYTES})`);
  console.log(`client runtime with subscribe: ${withSubscribe} bytes min+gz (budget ${SUBSCRIBE_BUDGET_BYTES})`);
  console.log(`with its generated documents: ${withDocuments} bytes`);
  if (runtime > CLIENT_BUDGET_BYTES || withSubscribe > SUBSCRIBE_BUDGET_BYTES) process.exit(1);
}
