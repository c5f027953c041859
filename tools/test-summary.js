// Sums the Jest JSON reports that `nx run-many -t test` leaves in .cache/test-results and prints
// one closing line, "N passed, N failed, N skipped", that CI can read whatever ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(import.meta.dirname, '../.cache/test-results');
let passed = 0;
let failed = 0;
let skipped = 0;
const failing = [];
for (const file of (existsSync(dir) ? readdirSync(dir) : []).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
  if (!r.success) failing.push(path.basename(file, '.json'));
}
if (failing.length > 0) process.stdout.write(`failing projects: ${failing.join(', ')}\n`);
process.stdout.write(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
