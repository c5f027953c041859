// Shared Jest settings for every project. Tests run as native ES modules (NestJS 12 ships ESM
// only), so Jest needs `--experimental-vm-modules`; @swc/jest compiles TypeScript with decorator
// metadata, which Nest's dependency injection reads.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * @param {string} projectDir absolute path of the project (use import.meta.dirname)
 * @returns {import('jest').Config}
 */
export function jestConfig(projectDir) {
  return {
    displayName: path.relative(root, projectDir),
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: {
      // Workspace libs are tested from source, not from their build output.
      '^@crm-sync/([a-z-]+)$': `${root}/libs/$1/src/index.ts`,
      // ESM sources import siblings as `./x.js`; Jest resolves the `.ts` file.
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2023',
            keepClassNames: true,
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    testTimeout: 60_000,
  };
}
