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
  {
    // CPU, not correctness: grouping a send's messages by partition was quadratic (see the file).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/producer/groupMessagesPerPartition.js',
    with: path.join(here, 'kafkajs/groupMessagesPerPartition.cjs'),
  },
  {
    // CPU, not correctness: each consumed record's timestamp and offset were computed on
    // BigInt-backed Longs (see the file's doc).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/recordBatch/record/v0/decoder.js',
    with: path.join(here, 'kafkajs/recordDecoderV0.cjs'),
  },
  {
    // CPU, not correctness: a Produce request took an Encoder per record and five copies of
    // every byte; now one buffer, one pass, the same bytes (see the file's doc).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/produce/v3/request.js',
    with: path.join(here, 'kafkajs/produceRequestV3.cjs'),
  },
  {
    // CPU, not correctness: every request's frame copied the encoded body twice more, into
    // buffers grown by doubling; now sized ahead, one copy, the same bytes (see the file's doc).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/request.js',
    with: path.join(here, 'kafkajs/protocolRequest.cjs'),
  },
  {
    // Noise, not behaviour: with nothing pending, the check was scheduled `-1 - Date.now()` ms
    // ahead, which Node 24 reports on stderr (TimeoutNegativeWarning) before running it in 1 ms,
    // as it still does.
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/network/requestQueue/index.js',
    edits: [{ from: '      }, scheduleAt)', to: '      }, Math.max(0, scheduleAt))', count: 1 }],
  },
  {
    // CPU, not correctness: every Encoder (one per record, and each time it grows) took a fresh
    // zero-filled ArrayBuffer; allocUnsafe takes small ones from Node's pool. An Encoder writes
    // its bytes in order and hands out only `buf.slice(0, offset)`, so no unwritten byte leaves
    // it. Halves kafkajs's CPU to encode a produce request (see bench/src/kafka-encode.bench.ts).
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/encoder.js',
    edits: [{ from: 'Buffer.alloc(', to: 'Buffer.allocUnsafe(', count: 2 }],
  },
  {
    // Requests, not correctness: every transaction looked its coordinators up again, four
    // FindCoordinator round trips (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn)
    // beside its five own requests: a quarter of all requests the local broker served in the
    // pipeline bench. A transactional producer now keeps what it found, as the Java client does,
    // and forgets it when a request to that coordinator fails (NOT_COORDINATOR, a dropped
    // connection, a fenced epoch: anything but CONCURRENT_TRANSACTIONS, the previous commit's
    // markers still being written, which the producer retries where it is), so the next call
    // looks it up afresh.
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/producer/eosManager/index.js',
    edits: [
      {
        from: [
          '  const findTransactionCoordinator = () => {',
          '    return cluster.findGroupCoordinator({',
          '      groupId: transactionalId,',
          '      coordinatorType: COORDINATOR_TYPES.TRANSACTION,',
          '    })',
          '  }',
        ].join('\n'),
        to: [
          '  // crm-sync (tools/patches): coordinators found are kept until a request to one fails.',
          '  const coordinators = new Map()',
          '  const findCoordinator = ({ groupId, coordinatorType }) => {',
          '    const key = `${coordinatorType}:${groupId}`',
          '    let found = coordinators.get(key)',
          '    if (!found) {',
          '      const forget = () => {',
          '        if (coordinators.get(key) === found) coordinators.delete(key)',
          '      }',
          '      found = cluster.findGroupCoordinator({ groupId, coordinatorType }).then(broker =>',
          '        new Proxy(broker, {',
          '          get(target, property) {',
          '            const value = target[property]',
          "            if (typeof value !== 'function') return value",
          '            return (...args) => {',
          '              const result = value.apply(target, args)',
          "              if (!result || typeof result.then !== 'function') return result",
          '              return result.catch(e => {',
          "                if (e.type !== 'CONCURRENT_TRANSACTIONS') forget()",
          '                throw e',
          '              })',
          '            }',
          '          },',
          '        })',
          '      )',
          '      coordinators.set(key, found)',
          '      found.catch(forget)',
          '    }',
          '    return found',
          '  }',
          '  const findTransactionCoordinator = () =>',
          '    findCoordinator({',
          '      groupId: transactionalId,',
          '      coordinatorType: COORDINATOR_TYPES.TRANSACTION,',
          '    })',
        ].join('\n'),
        count: 1,
      },
      {
        from: '        let groupCoordinator = await cluster.findGroupCoordinator({',
        to: '        let groupCoordinator = await findCoordinator({',
        count: 1,
      },
    ],
  },
];

/** The file's text with every edit made, or an error if it is neither as shipped nor as fixed. */
function edited(text, edits, where) {
  let out = text;
  for (const e of edits) {
    const found = out.split(e.from).length - 1;
    const done = out.split(e.to).length - 1;
    if (found === e.count) out = out.split(e.from).join(e.to);
    else if (!(found === 0 && done === e.count)) {
      throw new Error(`${where}: expected ${e.count} × "${e.from}", found ${found}`);
    }
  }
  return out;
}

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
  let wanted;
  try {
    wanted = fix.edits
      ? edited(readFileSync(target, 'utf8'), fix.edits, `${fix.pkg}/${fix.file}`)
      : readFileSync(fix.with, 'utf8');
  } catch (error) {
    process.stderr.write(`tools/patches: ${error.message}\n`);
    failed = true;
    continue;
  }
  if (readFileSync(target, 'utf8') !== wanted) {
    writeFileSync(target, wanted);
    process.stdout.write(`tools/patches: fixed ${fix.pkg}@${version} ${fix.file}\n`);
  }
}
process.exit(failed ? 1 : 0);
