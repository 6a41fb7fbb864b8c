// Lint rules that keep the architecture honest: no `any` across modules, and the environment read in one place.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noPackageInternals = { group: ['@apollo/*/dist/*'], message: 'Use the public exports of the package (its internals change without notice).' };

/** Kit files matching `files` may not import above the kit folder (`outside`: that relative pattern from their depth). */
const kitImports = (files, outside) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: [outside], message: 'The kit is its own package: import only files inside subgraphs/kit/.' }, noPackageInternals] },
    ],
  },
});

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
    files: ['platform/env.ts', 'test/support/mongo.ts', 'dev/start.ts', 'dev/subgraph-dev/main.ts', 'bench/processes.ts', 'test/support/*.cjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // CommonJS preloads for test processes (node --require).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The kit is a package merchant teams install elsewhere: nothing of this repository, no library internals.
  kitImports(['subgraphs/kit/*.ts'], '../*'),
  kitImports(['subgraphs/kit/*/*.ts'], '../../*'),
  {
    // Subgraphs use the kit as merchant teams do: through its public entry.
    files: ['subgraphs/*/**/*.ts', 'test/fixtures/**/*.ts'],
    ignores: ['subgraphs/kit/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/kit/*', '!**/kit/index.js'], message: 'Import the kit through its public entry, subgraphs/kit/index.js.' },
            noPackageInternals,
          ],
        },
      ],
    },
  },
);
