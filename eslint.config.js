// Lint rules that keep the architecture honest: no `any` across modules, and the environment read in one place.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noPackageInternals = { group: ['@apollo/*/dist/*'], message: 'Use the public exports of the package (its internals change without notice).' };
/** The repository uses its own packages as other teams do: through their entry points. */
const noOwnPackageInternals = {
  group: ['@identity-federation-gateway/subgraph-kit/*', '!@identity-federation-gateway/subgraph-kit/test-vectors', 'identity-federation-client/*'],
  message: "Import the package by its name: its entry point is the API (packages/*/package.json's exports).",
};

/** Package files may import nothing above their package folder (`outside`: that relative pattern from their depth). */
const packageImports = (files, outside) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: [outside], message: 'A package installs elsewhere: import only files inside it.' }, noPackageInternals] },
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
  {
    // Everything else uses the packages as the teams that install them do: by name, through their entry.
    files: ['**/*.ts', '**/*.mts'],
    ignores: ['packages/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noOwnPackageInternals] }] },
  },
  {
    // The subgraphs are written as merchant teams write theirs: no library internals either.
    files: ['subgraphs/**/*.ts', 'test/fixtures/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noOwnPackageInternals, noPackageInternals] }] },
  },
  // The packages install elsewhere: nothing of this repository, no library internals.
  packageImports(['packages/*/src/**/*.ts'], '../../../*'),
  packageImports(['packages/*/scripts/*.mts', 'packages/*/test-vectors/*.ts', 'packages/*/examples/*.ts'], '../../*'),
);
