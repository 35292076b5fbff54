// Lint is architecture: no floating promises anywhere; workflow code stays deterministic.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'db/migrations/'] },
  {
    files: ['**/*.ts'],
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
              group: ['../db/*', '../activities/*', '../api/*', '../worker/*'],
              allowTypeImports: true,
              message: 'workflows may import db/, activities/, api/ only as types',
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
);
