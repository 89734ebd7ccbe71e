// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

/** Node built-ins under both spellings: `fs` and `node:fs`. */
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`, `node:${name}/*`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.scratch/**', 'reports/**', 'test/histories/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object or z.enum instead of enum.' },
      ],
    },
  },
  {
    // Workflow code is replayed: it must be deterministic, so it may import only the workflow SDK,
    // pure project modules and types.
    files: ['workflows/**/*.ts', 'core/**/*.ts'],
    languageOptions: { globals: { console: 'readonly' } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows and core/ must be deterministic: no Node built-ins.',
          })),
          patterns: [
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
              message: 'Workflows and core/ may import only @temporalio/workflow or @temporalio/common.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (proxyActivities<typeof activities>).',
            },
            {
              group: [
                '**/providers/**',
                '**/lib/**',
                '**/batch/**',
                '**/report-kit/**',
                '**/analytics/**',
                '**/eval/**',
                '**/simulator/**',
                '**/worker/**',
                '**/client/**',
                '**/api/**',
                '**/cli/**',
              ],
              message: 'Not deterministic code: keep it out of workflows and core/.',
            },
            {
              group: ['openai', '@anthropic-ai/sdk', 'pino', 'fastify', 'uuid', 'nanoid'],
              message: 'I/O and randomness belong in activities.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No env or process in deterministic code.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'fetch', message: 'I/O belongs in activities.' },
        { name: 'require', message: 'No dynamic imports in deterministic code.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Deterministic code reads no clock (use workflow time via arguments).',
        },
        { object: 'Math', property: 'random', message: 'Deterministic code uses no randomness.' },
        { object: 'performance', property: 'now', message: 'Deterministic code reads no clock.' },
      ],
    },
  },
);
