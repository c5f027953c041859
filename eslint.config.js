// Flat ESLint config for the whole workspace: type-aware typescript-eslint,
// Nx module boundaries with real tag constraints, and a pure-domain guard.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Packages that do IO or bring a framework: never allowed in libs/domain. */
const impureModules = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  '@nestjs/*',
  'kafkajs',
  'mongodb',
  'jsforce',
  '@hubspot/*',
  'axios',
  'undici',
  'fastify',
  'express',
  'rxjs',
  'reflect-metadata',
];

const testingOnly = { name: '@crm-sync/testing', message: 'Only tests may use @crm-sync/testing.' };

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '.cache/**', '.nx/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // NestJS and the generated CRM clients declare plain option bags and API models as classes;
      // passing literals is their documented use, so this rule only produces noise here.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // NestJS modules are classes with decorators and no members by design.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        // Nest resolves constructor parameters from decorator metadata: those imports must stay values.
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          depConstraints: [
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: impureModules,
            },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:domain', 'type:lib'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:domain', 'type:lib'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:domain', 'type:lib', 'type:testing'],
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: ['type:domain', 'type:lib', 'type:testing'],
            },
          ],
        },
      ],
    },
  },
  {
    // Test helpers are for tests only (the domain block below repeats this: a later block's
    // options for the same rule replace an earlier block's).
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [testingOnly],
        },
      ],
    },
  },
  {
    // The domain is pure: no IO, no framework, no clock, no env.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: impureModules,
              message: 'libs/domain is pure: IO, frameworks and Node built-ins belong in the apps.',
            },
          ],
          paths: [testingOnly],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'libs/domain reads no env: take values as parameters.' },
        { name: 'setTimeout', message: 'libs/domain has no timers.' },
        { name: 'fetch', message: 'libs/domain does no IO.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'libs/domain reads no clock: pass `now` in.' },
        { object: 'Math', property: 'random', message: 'libs/domain is deterministic.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'libs/domain reads no clock: pass `now` in.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
