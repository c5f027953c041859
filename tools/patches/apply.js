// Fixes in installed dependencies that their releases lack; runs as the root `postinstall`
// (so on every `npm ci`), and by hand: `node tools/patches/apply.js`. Idempotent.
//
// Each fix names the exact version it was written for: an upgrade stops the install here,
// so whoever upgrades decides whether the fix is still needed instead of losing it silently.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const here = import.meta.dirname;
const require = createRequire(path.join(here, '../../package.json'));

const FIXES = [
  {
    // read_committed consumers received records of aborted transactions (see the file's doc).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/consumer/filterAbortedMessages.js',
    with: path.join(here, 'kafkajs/filterAbortedMessages.cjs'),
  },
  {
    // CPU, not correctness: the record batch checksum a byte at a time (see the file's doc).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/recordBatch/crc32C/index.js',
    with: path.join(here, 'kafkajs/crc32C.cjs'),
  },
];

let failed = false;
for (const fix of FIXES) {
  const pkgJson = require.resolve(`${fix.pkg}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  if (version !== fix.version) {
    process.stderr.write(
      `tools/patches: ${fix.pkg} is ${version}, the fix of ${fix.file} was written for ` +
        `${fix.version}: check whether ${version} still needs it, then update tools/patches/apply.js\n`,
    );
    failed = true;
    continue;
  }
  const target = path.join(path.dirname(pkgJson), fix.file);
  const wanted = readFileSync(fix.with, 'utf8');
  if (readFileSync(target, 'utf8') !== wanted) {
    writeFileSync(target, wanted);
    process.stdout.write(`tools/patches: fixed ${fix.pkg}@${version} ${fix.file}\n`);
  }
}
process.exit(failed ? 1 : 0);
