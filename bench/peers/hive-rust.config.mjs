// Hive Gateway with the Rust query planner (`@graphql-hive/router-runtime`): its unified-graph handler
// replaces the JavaScript planner and executor; everything else as in its defaults. Loaded with `-c`.
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

export const gatewayConfig = { unifiedGraphHandler };
