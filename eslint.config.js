// Lint rules that keep the architecture honest: no `any` across modules, and the environment read in one place.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'console/screenshots/', 'bench/results/', 'bench/peers/', 'schema/supergraph.graphql', '**/generated/', '**/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through platform/env.ts (readEnvironment) only.' },
      ],
    },
  },
  {
    // The one reader per process: services, and the test process's MongoDB choice.
    // (dev/start.ts, dev/subgraph-dev/main.ts and bench/processes.ts hand this environment on to the processes they start.)
    files: ['platform/env.ts', 'test/support/mongo.ts', 'dev/start.ts', 'dev/subgraph-dev/main.ts', 'bench/processes.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
