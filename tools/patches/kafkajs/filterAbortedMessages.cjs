/* global module, Buffer */
'use strict';

/**
 * Replaces kafkajs 2.2.4's `src/consumer/filterAbortedMessages.js` (see ../apply.js): the
 * read_committed filter that drops the records of aborted transactions from a fetch.
 *
 * The shipped filter assumes the broker lists aborted transactions sorted by first offset and
 * starts at most one of them per record. The broker lists them in the order they ended (the
 * transaction index), and includes transactions that began before the fetch offset, so
 * records of an aborted transaction reached read_committed consumers: a transaction that
 * began earlier but ended later was never started, and when two or more began before a
 * record only one was. It also took any record keyed 0x00000000 for an abort marker.
 *
 * This one does what the Java consumer does: aborted transactions in first-offset order, every
 * one that began at or before a record is started before the record is judged, and only an
 * ABORT control record ends one.
 *
 * @param {{ messages: any[], abortedTransactions?: { producerId: string, firstOffset: string }[] }} fetched
 * @returns {any[]} the records that are not part of an aborted transaction (control records kept)
 */
module.exports = ({ messages, abortedTransactions }) => {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;

  const pending = abortedTransactions
    .map((t) => ({ producerId: String(t.producerId), firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  /** Producers whose current transaction is aborted. */
  const aborted = new Set();

  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (pending.length > 0 && pending[0].firstOffset <= offset) {
      aborted.add(pending.shift().producerId);
    }
    const context = message.batchContext || {};
    const producerId = String(context.producerId);
    if (message.isControlRecord) {
      if (isAbortMarker(message)) aborted.delete(producerId);
      return true;
    }
    return !(context.inTransaction && aborted.has(producerId));
  });
};

/** A control record's key is version (int16) then type (int16): type 0 is ABORT, 1 is COMMIT. */
function isAbortMarker({ key }) {
  if (!key || key.length < 4) return false;
  return Buffer.from(key).readInt16BE(2) === 0;
}
