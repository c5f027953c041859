// Sums the Jest JSON reports that `nx run-many -t test` leaves in .cache/test-results and prints
// one closing line, "N passed, N failed, N skipped", that CI can read whatever ran. Above it,
// every failed test and every suite that could not run is named with the start of its message,
// so a CI log cut down to its tail still says what failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, '.cache/test-results');
const MESSAGE_LINES = 6;

// Jest's messages carry colour codes and a stack; the first lines say what went wrong.
const headOf = (message) =>
  message
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, MESSAGE_LINES)
    .map((line) => `      ${line.trim()}`)
    .join('\n');

let passed = 0;
let failed = 0;
let skipped = 0;
const failing = [];
const failures = [];
for (const file of (existsSync(dir) ? readdirSync(dir) : []).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
  if (!r.success) failing.push(path.basename(file, '.json'));
  for (const suite of r.testResults ?? []) {
    const where = path.relative(root, suite.name);
    const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const test of failedTests) {
      failures.push(`  ✕ ${where} › ${test.fullName}\n${headOf(test.failureMessages.join('\n'))}`);
    }
    if (failedTests.length === 0 && suite.status === 'failed' && suite.message) {
      failures.push(`  ✕ ${where} (the suite did not run)\n${headOf(suite.message)}`);
    }
  }
}
if (failures.length > 0) process.stdout.write(`failed:\n${failures.join('\n')}\n`);
if (failing.length > 0) process.stdout.write(`failing projects: ${failing.join(', ')}\n`);
process.stdout.write(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
