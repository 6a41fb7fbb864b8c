/**
 * What each benchmarked gateway caches and merges, printed with every report. No target caches responses:
 * the only sharing between requests allowed in a comparison is merging requests still in flight.
 */
export const TARGET_SETTINGS: Record<string, string> = {
  'ours-injection':
    'document cache (parse + validation once per sha256 of the document, read by Apollo Server as its document store); query plan cache; compiled result shaper per document; verified-token, viewer-identity and encoded-claims caches; ' +
    'in-flight merging of identical client queries (a viewer only with its own session, each request admitted first) and of identical anonymous subgraph fetches; no response cache',
  'ours-plain':
    'document cache; query plan cache; compiled result shaper per document; in-flight merging of identical client queries and identical subgraph fetches (all anonymous); no response cache',
  'ours-injection-no-dedupe':
    'ours-injection with no merging of any kind (GATEWAY_DEDUPE=false), for the signed-fetch cost: document cache; query plan cache; compiled result shaper per document; verified-token, viewer-identity and encoded-claims caches; no response cache',
  'ours-no-dedupe': 'document cache; query plan cache; compiled result shaper per document; no merging of any kind (GATEWAY_DEDUPE=false); no response cache',
  'stock-apollo': '@apollo/gateway + @apollo/server defaults: document LRU; query plan cache; no merging; no response cache',
  hive: 'Hive Gateway defaults: Yoga parse/validation cache; query plan cache; no merging; no response cache',
  'hive-bench':
    'Hive Gateway benchmark configuration: inboundInflightRequestDeduplication: true (identical in-flight executions merged, keyed by every request header, document and variables) and --jit (graphql-jit); Yoga parse/validation cache; query plan cache; no response cache',
  'hive-rust':
    'Hive Gateway with the Rust query planner (@graphql-hive/router-runtime unifiedGraphHandler), otherwise defaults: Yoga parse/validation cache; query plan cache; no merging; no response cache',
  'hive-rust-bench':
    'Hive Gateway with the Rust query planner at its benchmark configuration: inboundInflightRequestDeduplication: true (not --jit: with the Rust planner it answers null data); Yoga parse/validation cache; query plan cache; no response cache',
  'grafbase (dev)':
    'Grafbase gateway (Rust) as `grafbase dev` serves it from the npm CLI package (it composes the subgraphs itself); its defaults: operation cache; in-flight deduplication of identical subgraph requests (on by default); no entity or response cache',
  'grafbase (dev) no-dedupe':
    'grafbase (dev) with [traffic_shaping] inflight_deduplication = false: no merging of any kind; operation cache; no entity or response cache',
  'ours-baseline-injection': 'ours-injection at the --baseline commit (a git worktree), same settings',
  'ours-baseline-no-dedupe': 'ours-no-dedupe at the --baseline commit (a git worktree), same settings',
  'node-http-floor':
    "not a gateway: a Node HTTP server replaying the query's recorded subgraph requests (undici keep-alive, every body serialised and every answer parsed afresh) and its recorded answer: no GraphQL, no caches, no merging",
  direct: 'the subgraph alone, no gateway',
};
