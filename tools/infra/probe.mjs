// Health probe for tools/infra/infra.sh, using only Node built-ins (no npm packages are
// installed when infra.sh runs).
//
//   node probe.mjs tcp   HOST PORT   - the port accepts a TCP connection
//   node probe.mjs kafka HOST PORT   - a Kafka broker answers ApiVersions (v0) without error
//   node probe.mjs mongo HOST PORT   - a MongoDB wire server answers {hello: 1} with ok: 1
//
// Exit code 0 when healthy, 1 otherwise (reason on stderr). Gives up after 3 s.
import net from 'node:net';

const [mode, host, portArg] = process.argv.slice(2);
const port = Number(portArg);
const TIMEOUT_MS = 3000;

if (!['tcp', 'kafka', 'mongo'].includes(mode) || !host || !Number.isInteger(port)) {
  console.error('usage: node probe.mjs tcp|kafka|mongo HOST PORT');
  process.exit(2);
}

function fail(msg) {
  console.error(`probe ${mode} ${host}:${port}: ${msg}`);
  process.exit(1);
}

// Kafka ApiVersions v0 request: header v1 (api_key, api_version, correlation_id, client_id),
// empty body. The response starts with correlation_id and error_code.
function kafkaRequest() {
  const clientId = Buffer.from('crm-infra-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  let o = 0;
  o = body.writeInt16BE(18, o); // ApiVersions
  o = body.writeInt16BE(0, o); // version 0 (still supported by Kafka 4.x)
  o = body.writeInt32BE(4242, o); // correlation id
  o = body.writeInt16BE(clientId.length, o);
  clientId.copy(body, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function kafkaCheck(buf) {
  if (buf.length < 4) return null;
  const size = buf.readInt32BE(0);
  if (buf.length < 4 + size) return null;
  const correlationId = buf.readInt32BE(4);
  const errorCode = buf.readInt16BE(8);
  if (correlationId !== 4242) return `unexpected correlation id ${correlationId}`;
  if (errorCode !== 0) return `ApiVersions error code ${errorCode}`;
  return true;
}

// Minimal BSON: the command {hello: 1, $db: "admin"}.
function bsonHello() {
  const parts = [];
  const cstr = (s) => Buffer.from(s + '\0');
  const int32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  parts.push(Buffer.from([0x10]), cstr('hello'), int32(1));
  const db = Buffer.from('admin\0');
  parts.push(Buffer.from([0x02]), cstr('$db'), int32(db.length), db);
  parts.push(Buffer.from([0x00]));
  const content = Buffer.concat(parts);
  return Buffer.concat([int32(content.length + 4), content]);
}

// OP_MSG (opcode 2013): header (length, requestID, responseTo, opCode), flagBits,
// one kind-0 section holding the command document.
function mongoRequest() {
  const doc = bsonHello();
  const header = Buffer.alloc(16 + 4 + 1);
  header.writeInt32LE(header.length + doc.length, 0);
  header.writeInt32LE(4242, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, doc]);
}

// Reads the top-level "ok" field of a BSON document; enough of BSON to skip the other
// fields a hello reply has.
function bsonOk(doc) {
  const end = doc.readInt32LE(0) - 1;
  let o = 4;
  while (o < end) {
    const type = doc[o++];
    const nameEnd = doc.indexOf(0, o);
    const name = doc.toString('utf8', o, nameEnd);
    o = nameEnd + 1;
    let value;
    switch (type) {
      case 0x01: value = doc.readDoubleLE(o); o += 8; break; // double
      case 0x02: o += 4 + doc.readInt32LE(o); break; // string
      case 0x03: case 0x04: o += doc.readInt32LE(o); break; // document, array
      case 0x05: o += 5 + doc.readInt32LE(o); break; // binary
      case 0x07: o += 12; break; // ObjectId
      case 0x08: value = doc[o]; o += 1; break; // bool
      case 0x09: case 0x11: case 0x12: value = Number(doc.readBigInt64LE(o)); o += 8; break;
      case 0x0a: break; // null
      case 0x10: value = doc.readInt32LE(o); o += 4; break; // int32
      case 0x13: o += 16; break; // decimal128
      default: return undefined;
    }
    if (name === 'ok') return value;
  }
  return undefined;
}

function mongoCheck(buf) {
  if (buf.length < 4) return null;
  const size = buf.readInt32LE(0);
  if (buf.length < size) return null;
  if (buf.readInt32LE(8) !== 4242) return 'reply to another request';
  if (buf.readInt32LE(12) !== 2013) return `unexpected opcode ${buf.readInt32LE(12)}`;
  if (buf[20] !== 0) return 'unexpected OP_MSG section';
  const ok = bsonOk(buf.subarray(21, size));
  return ok === 1 ? true : `hello returned ok=${ok}`;
}

const timer = setTimeout(() => fail(`no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
const socket = net.connect({ host, port });
socket.on('error', (err) => fail(err.code || err.message));
socket.on('connect', () => {
  if (mode === 'tcp') {
    clearTimeout(timer);
    socket.end();
    process.exit(0);
  }
  socket.write(mode === 'kafka' ? kafkaRequest() : mongoRequest());
});

let received = Buffer.alloc(0);
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  const result = mode === 'kafka' ? kafkaCheck(received) : mongoCheck(received);
  if (result === null) return; // need more bytes
  clearTimeout(timer);
  socket.destroy();
  if (result === true) process.exit(0);
  fail(result);
});
socket.on('end', () => fail('connection closed before a full answer'));
