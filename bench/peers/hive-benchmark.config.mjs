// Hive Gateway as its authors benchmark it (the public federation gateways benchmark): inbound in-flight
// request deduplication on; JIT execution is the `--jit` flag bench/run.ts adds. Loaded with `-c`.
export const gatewayConfig = {
  inboundInflightRequestDeduplication: true,
};
