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
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/core/**', '**/hosts/**', 'electron', 'node:*'], message: 'The renderer talks only to window.aios (src/shared).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The core and the contract are host-agnostic: no electron here.' }] },
      ],
    },
  },
  // Inside the core the arrows go one way too: agent → gate → policy, jail (executor, preview); never back up.
  {
    files: ['src/core/policy/**/*.ts', 'src/core/jail/**/*.ts', 'src/core/executor/**/*.ts', 'src/core/preview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The core and the contract are host-agnostic: no electron here.' }],
          patterns: [
            {
              regex: '(^|/)(agent|gate)(/|$)',
              message: 'The policy and the jail sit below the gate and the agent: they never import them (pass what they need in).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/gate/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The core and the contract are host-agnostic: no electron here.' }],
          patterns: [
            { regex: '(^|/)agent(/|$)', message: 'The gate sits below the agent: the agent passes actions in, the gate never imports it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron'],
          patterns: [
            {
              group: ['node:*', '**/core/**', '**/hosts/**', '**/renderer/**'],
              message: 'src/shared is pure types and schemas: no I/O, no hosts.',
            },
          ],
        },
      ],
    },
  },
  // Layers. Hosts sit above the core; inside the core the policy and
  // the jail never reach up into the agent or the gate, and the policy's own
  // layers import only downwards: shell ← programs ← rules ← judge.
  ...layerRules(),
);

/** The import arrows inside the core, one block per folder (last block wins per file, so each repeats the ones above it). */
function layerRules() {
  const rule = '@typescript-eslint/no-restricted-imports';
  const noHost = {
    regex: '(^|/)(hosts|renderer)(/|$)',
    message: 'The core never imports a host or the renderer: hosts sit above the core.',
  };
  const noAgent = {
    regex: '(^|/)\\.\\./(\\.\\./)*(agent|gate)(/|$)',
    message: 'The policy and the jail judge and confine; they never reach up into the agent or the gate.',
  };
  const policyTop = { regex: '^\\.\\.(/[^/]+)?$', message: "A policy layer never imports the policy's top (judge, analyze, index)." };
  const noRules = { regex: '^\\.\\./rules(/|$)', message: 'Lower policy layers never import the rules: shell ← programs ← rules.' };
  const noPrograms = {
    regex: '^\\.\\./programs(/|$)',
    message: 'The shell layer never imports the programs layer: shell ← programs ← rules.',
  };
  const block = (files, ...patterns) => ({ files, rules: { [rule]: ['error', { patterns }] } });
  return [
    block(['src/core/**/*.ts'], noHost),
    block(['src/core/jail/**/*.ts', 'src/core/policy/**/*.ts'], noHost, noAgent),
    block(['src/core/policy/rules/**/*.ts'], noHost, noAgent, policyTop),
    block(['src/core/policy/programs/**/*.ts'], noHost, noAgent, policyTop, noRules),
    block(['src/core/policy/shell/**/*.ts'], noHost, noAgent, policyTop, noRules, noPrograms),
  ];
}
