// Hive Gateway for the live room (scenario f, bench/live-room/): subscriptions to the coupons subgraph go
// over WebSocket (graphql-transport-ws) at its GraphQL path; everything else as in its defaults. Loaded with `-c`.
export const gatewayConfig = {
  transportEntries: {
    coupons: { options: { subscriptions: { kind: 'ws', location: '/graphql' } } },
  },
};
