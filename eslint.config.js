// Lint is architecture: no floating promises anywhere; workflow code stays deterministic.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'db/migrations/', 'console/dist/', 'test-output/'] },
  {
    // the console's sources are type-checked by their own tsconfig (console/tsconfig.json)
    files: ['**/*.ts', 'console/**/*.tsx'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code runs in the sandbox: no Node built-ins' },
            {
              group: ['../db/*', '../activities/*', '../api/*', '../worker/*', '../config.js'],
              allowTypeImports: true,
              message: 'workflows may import db/, activities/, api/, worker/ and config only as types: workflow code does no I/O',
            },
            {
              group: ['postgres', 'drizzle-orm', 'drizzle-orm/*', 'fastify', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'jose', 'prom-client'],
              allowTypeImports: true,
              message: 'workflow code does no I/O: no database, HTTP, client or worker libraries',
            },
          ],
          paths: builtinModules.map((name) => ({
            name,
            message: 'workflow code runs in the sandbox: no Node built-ins',
          })),
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/worker/*', '**/activities/*'],
              message: 'the API talks to cases through Temporal and reads PostgreSQL; it does not import worker/ or activities/',
            },
          ],
        },
      ],
    },
  },
);
