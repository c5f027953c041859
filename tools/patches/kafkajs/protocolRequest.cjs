/* global module, require, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports -- it runs inside kafkajs's CommonJS tree */
'use strict';

/**
 * Replaces kafkajs 2.2.4's `src/protocol/request.js` (see ../apply.js): frames every request
 * (size, api key and version, correlation id, client id, then the encoded body).
 *
 * The shipped one wrote the header into a fresh Encoder and copied the body after it, then
 * copied all of that into a second Encoder behind the size: two more copies of every request,
 * each into a buffer grown by doubling from 512 bytes. For a produce request of a whole command
 * batch that is megabytes copied and allocated twice over (`writeEncoder`: ~2 % of sync-rules'
 * CPU in the import). Here the frame is sized ahead and the body copied once. The bytes are the
 * same (libs/kafka/src/request-frame.spec.ts compares them with the shipped framing).
 */
const Encoder = require('./encoder');

/** size(4) apiKey(2) apiVersion(2) correlationId(4) clientId length(2) */
const FIXED = 14;

module.exports = async ({ correlationId, clientId, request: { apiKey, apiVersion, encode } }) => {
  const body = (await encode()).buffer;
  const clientIdLength = clientId == null ? 0 : Buffer.byteLength(clientId, 'utf8');
  const frame = Buffer.allocUnsafe(FIXED + clientIdLength + body.length);
  let at = frame.writeInt32BE(frame.length - 4, 0);
  at = frame.writeInt16BE(apiKey, at);
  at = frame.writeInt16BE(apiVersion, at);
  at = frame.writeInt32BE(correlationId, at);
  at = frame.writeInt16BE(clientId == null ? -1 : clientIdLength, at);
  if (clientIdLength > 0) at += frame.write(clientId, at, clientIdLength, 'utf8');
  at += body.copy(frame, at);
  if (at !== frame.length) throw new Error(`request frame: wrote ${at} of ${frame.length} bytes`);
  const encoder = new Encoder(0);
  encoder.buf = frame;
  encoder.offset = frame.length;
  return encoder;
};
