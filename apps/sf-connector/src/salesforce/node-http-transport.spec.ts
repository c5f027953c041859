import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { whenAnswered } from './call-answered.js';
import { syncErrorOf } from './errors.js';
import { NodeHttpTransport, nodeHttpTransport } from './node-http-transport.js';

describe('NodeHttpTransport', () => {
  const seen: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const slowBodies: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/silent') return; // never answers
      if (req.url === '/slow-body') {
        // Headers and the start of the body now, the rest when the test says so.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"records":[1,');
        slowBodies.push(() => res.end('2]}'));
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('Sforce-Limit-Info', 'api-usage=3/15000');
      res.appendHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ echoed: Buffer.concat(chunks).toString() }));
    });
  });
  let base = '';

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('sends method, headers and body, and answers as jsforce expects', async () => {
    const transport = new NodeHttpTransport();
    const res = await transport.httpRequest({
      url: `${base}/services/data/v62.0/composite/sobjects`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sforce-call-options': 'client=crm-sync' },
      body: '{"allOrNone":false,"records":[{"Name":"Ä"}]}',
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      echoed: '{"allOrNone":false,"records":[{"Name":"Ä"}]}',
    });
    expect(res.headers['sforce-limit-info']).toBe('api-usage=3/15000');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    const request = seen.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.headers['sforce-call-options']).toBe('client=crm-sync');
    expect(request?.headers['content-length']).toBe(String(Buffer.byteLength(request?.body ?? '')));
  });

  it('tells the call in progress that Salesforce answered before the body has arrived', async () => {
    const transport = new NodeHttpTransport();
    const events: string[] = [];
    let onAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (onAnswer = resolve));
    const response = whenAnswered(
      () => {
        events.push('answered');
        onAnswer();
      },
      () => transport.httpRequest({ url: `${base}/slow-body`, method: 'GET' }),
    ).then((res) => {
      events.push('body');
      return res;
    });
    await answered;
    expect(events).toEqual(['answered']);
    slowBodies.shift()?.();
    expect(JSON.parse((await response).body)).toEqual({ records: [1, 2] });
    expect(events).toEqual(['answered', 'body']);
  });

  it('gives up on a request left unanswered, as a transient network failure', async () => {
    const transport = new NodeHttpTransport(50);
    const error = await transport.httpRequest({ url: `${base}/silent`, method: 'GET' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(syncErrorOf(error)).toMatchObject({ code: 'NETWORK_ERROR', category: 'transient' });
  });

  it('fails a refused connection as a transient network failure', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const error = await new NodeHttpTransport()
      .httpRequest({ url: `http://127.0.0.1:${port}/x`, method: 'GET' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(syncErrorOf(error)).toMatchObject({ code: 'NETWORK_ERROR', retriable: true });
  });

  it('is left to jsforce when the environment names an HTTP proxy', () => {
    expect(nodeHttpTransport({})).toBeInstanceOf(NodeHttpTransport);
    expect(nodeHttpTransport({ HTTPS_PROXY: 'http://proxy.internal:3128' })).toBeUndefined();
    expect(nodeHttpTransport({ http_proxy: 'http://proxy.internal:3128' })).toBeUndefined();
    expect(nodeHttpTransport({ https_proxy: '' })).toBeInstanceOf(NodeHttpTransport);
  });
});
