// Hive Gateway with the Rust query planner at its authors' benchmark settings: inbound in-flight request
// deduplication on. Not `--jit`: with this handler, Hive Gateway 2.15.1 then answers every field null
// (and no error), so bench/gateways.ts leaves it off. Loaded with `-c`.
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

export const gatewayConfig = { unifiedGraphHandler, inboundInflightRequestDeduplication: true };
