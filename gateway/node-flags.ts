/**
 * The Node flags the gateway process runs with (`npm run start:prod`, `npm start`, the benchmark).
 *
 * A larger young generation: each request allocates its parsed subgraph answers and shaped result, all
 * short-lived, and with V8's default 16 MB semi-spaces the gateway spent 15-20% of its CPU in scavenges.
 * With 64 MB (bench, side by side): about +18% requests per CPU-second on the heavy query (b) and +25% on
 * the logged-in burst (e), for about 100 MB more peak RSS. Flags like this one only take effect on the
 * command line (or NODE_OPTIONS), not when set from inside the process.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
