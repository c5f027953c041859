import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce';
import { Transport } from 'jsforce/lib/transport.js';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import { callAnswered } from './call-answered.js';

/** Salesforce ends a synchronous REST request after 10 minutes; we wait no longer. */
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * jsforce's transport for one Salesforce connection over Node's HTTP client and one keep-alive
 * agent. jsforce's own sends each call through undici's `fetch` and three pass-through streams:
 * with sObject Collections of 200 records that was about a fifth of the sf-connector's CPU per
 * record written. This one hands jsforce the same `{ statusCode, headers, body }` (its HTTP API
 * layer still parses bodies, raises Salesforce's errors and reads `Sforce-Limit-Info`).
 *
 * What it leaves out of jsforce's: hidden retries (GETs retried up to five times on 429, 5xx
 * and network errors, whose delays and calls our budget and backoff never saw) and redirects (the
 * REST API does not redirect). A body it does not carry (a stream or a form) goes through
 * jsforce's own transport, and so does every call when an HTTP proxy is configured (see
 * `nodeHttpTransport`).
 */
export class NodeHttpTransport extends Transport {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    super();
  }

  override httpRequest(
    req: HttpRequest,
    options: HttpRequestOptions = {},
  ): StreamPromise<HttpResponse> {
    const body = req.body;
    if (body != null && typeof body !== 'string' && !Buffer.isBuffer(body)) {
      return super.httpRequest(req, options);
    }
    return StreamPromise.create(() => {
      // jsforce pipes its request stream through this one; a JSON call only reads the promise.
      const stream = new PassThrough();
      const promise = this.send(req, body ?? undefined).then(
        (res) => {
          stream.end(res.body);
          return res;
        },
        (error: unknown) => {
          // The promise carries the error; a stream error nobody listens to would crash.
          stream.destroy();
          throw error;
        },
      );
      return { stream, promise };
    });
  }

  private send(req: HttpRequest, body: string | Buffer | undefined): Promise<HttpResponse> {
    const url = new URL(req.url);
    const [client, agent] =
      url.protocol === 'https:' ? [https, this.httpsAgent] : [http, this.httpAgent];
    const headers: Record<string, string | number> = { ...req.headers };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const request = client.request(url, { method: req.method, headers, agent }, (res) => {
        callAnswered();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      request.setTimeout(this.timeoutMs, () => {
        const error = new Error(`no answer from Salesforce within ${this.timeoutMs} ms`);
        error.name = 'TimeoutError';
        request.destroy(error);
      });
      request.on('error', reject);
      request.end(body);
    });
  }
}

/**
 * The transport for a connection: ours, unless the environment names an HTTP proxy, which
 * jsforce's own transport honours (`https_proxy`, `http_proxy` and their capitalised forms).
 */
export function nodeHttpTransport(
  env: NodeJS.ProcessEnv = process.env,
): NodeHttpTransport | undefined {
  const proxied = ['https_proxy', 'http_proxy', 'HTTPS_PROXY', 'HTTP_PROXY'].some(
    (name) => (env[name] ?? '') !== '',
  );
  return proxied ? undefined : new NodeHttpTransport();
}
