import path from 'node:path';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'client/app/dist/**', 'data/**', 'bench/results/**', 'bench/tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'use an `as const` object and a union instead of enum' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration through server/config.ts' }],
    },
  },
  {
    // Typed rules: a promise nobody awaits, or one used where a value is meant (`if (store.get(id))`),
    // is what turning a synchronous store asynchronous most easily leaves behind.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: path.resolve(import.meta.dirname, '..') } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // On the server an async function handed to a callback that expects nothing back (a listener, a
    // timer) would have its rejection lost: there it must catch its own errors. (The browser app's
    // event handlers report their own errors, so it keeps the looser check.)
    files: ['server/**/*.ts'],
    rules: { '@typescript-eslint/no-misused-promises': 'error' },
  },
  {
    // The one place that reads the environment, and the test/bench harnesses that set it for child processes.
    files: ['server/config.ts', 'server/cli/main.ts', 'tests/**', 'bench/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
