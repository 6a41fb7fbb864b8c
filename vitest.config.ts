import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own servers on ephemeral ports; two workers match the CI machine's cores.
    maxWorkers: 2,
    reporters: ['default'],
    // Vite resolves `graphql` to its ESM build, Node (for an external package) to its CommonJS one, and
    // graphql-js refuses objects from the other copy: let Vite load GraphQL Inspector too.
    server: { deps: { inline: ['@graphql-inspector/core'] } },
  },
});
