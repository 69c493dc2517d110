// One linter, a small rule set: the recommended JS and TypeScript rules, the
// React hooks rules for the renderer, and a few that guard the layering.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/main/**', 'electron', 'node:*'], message: 'The renderer talks only to window.aios (src/shared).' }] }],
    },
  },
  {
    files: ['src/main/core/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The core and the contract are host-agnostic: no electron here.' }] }],
    },
  },
  // Inside the core the arrows go one way too: agent → gate → policy, jail (executor, preview); never back up.
  {
    files: ['src/main/core/policy/**/*.ts', 'src/main/core/jail/**/*.ts', 'src/main/core/executor/**/*.ts', 'src/main/core/preview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The core and the contract are host-agnostic: no electron here.' }],
          patterns: [{ regex: '(^|/)(agent|gate)(/|$)', message: 'The policy and the jail sit below the gate and the agent: they never import them (pass what they need in).' }],
        },
      ],
    },
  },
  {
    files: ['src/main/core/gate/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The core and the contract are host-agnostic: no electron here.' }],
          patterns: [{ regex: '(^|/)agent(/|$)', message: 'The gate sits below the agent: the agent passes actions in, the gate never imports it.' }],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['electron'], patterns: [{ group: ['node:*', '**/main/**', '**/renderer/**'], message: 'src/shared is pure types and schemas: no I/O, no hosts.' }] },
      ],
    },
  },
);
