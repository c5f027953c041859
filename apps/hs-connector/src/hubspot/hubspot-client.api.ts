import http from 'node:http';
import https from 'node:https';
import { Client } from '@hubspot/api-client';
// The client's own request builder (base path, auth, headers, JSON body) and Node transport.
import { Request } from '@hubspot/api-client/lib/src/services/http/Request.js';
import { sendBufferedRequest } from '@hubspot/api-client/lib/src/services/http/Transport.js';
import type { Priority } from '@crm-sync/connector-kit';
import { exactParser } from '@crm-sync/domain';
import { z } from 'zod';
import type { GuardedCalls, HttpAnswer } from './guarded-calls.js';
import {
  UPSERT_ID_PROPERTY,
  inputsOf,
  type ArchivedRecord,
  type BatchWriteResponse,
  type ContactCompanies,
  type HubSpotApi,
  type HubSpotRecord,
  type ModifiedQuery,
  type ObjectType,
  type Page,
  type PropertyVersion,
  type ReadRequest,
  type SearchPage,
  type WriteError,
  type WriteInputs,
} from './hubspot-api.port.js';

const LIST_PAGE = 100;

/** The shapes of the generated client's models that we read (it returns class instances). */
interface ClientObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date;
  updatedAt: Date;
  archivedAt?: Date;
  associations?: Record<string, { results: { id: string }[] }>;
}

/** The error entries of a batch answer (207 multi-status). */
const AnswerErrors = z
  .array(
    z.looseObject({
      status: z.string(),
      category: z.string(),
      message: z.string(),
      context: z.record(z.string(), z.array(z.string())).optional(),
    }),
  )
  .optional();
type AnswerError = NonNullable<z.infer<typeof AnswerErrors>>[number];

/**
 * The JSON of HubSpot's batch read answers (200 and 207), the parts we read. Loose: HubSpot adds
 * fields over time, and what we do not read passes through.
 */
const ReadAnswer = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      properties: z.record(z.string(), z.string().nullable()),
      propertiesWithHistory: z
        .record(
          z.string(),
          z.array(
            z.looseObject({
              value: z.string(),
              timestamp: z.string(),
              sourceType: z.string(),
              sourceId: z.string().nullish(),
            }),
          ),
        )
        .optional(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
  errors: AnswerErrors,
});
type AnswerRecord = z.infer<typeof ReadAnswer>['results'][number];

/**
 * The JSON of HubSpot's batch upsert and update answers (200, 201 and 207): only what a write's
 * result needs. The properties HubSpot echoes back (every one written, and its own) are not
 * read, so they pass unchecked but for `salesforceaccountid`.
 */
const WriteAnswer = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      properties: z.record(z.string(), z.string().nullable()),
      updatedAt: z.string(),
      new: z.boolean().optional(),
    }),
  ),
  errors: AnswerErrors,
});

type AnswerParser<T> = (input: unknown) => z.ZodSafeParseResult<T>;
const parseReadAnswer = exactParser(ReadAnswer);
const parseWriteAnswer = exactParser(WriteAnswer);

/**
 * What HubSpot answered with a status of 400 or more to a batch request (`batch()` below): the
 * fields the generated methods' `ApiException` has (`code`, `body`, `headers`), so `toFailure`
 * reads both alike.
 */
class HubSpotHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(`HTTP-Code: ${String(code)}`);
    this.name = 'HubSpotHttpError';
  }
}

/**
 * `HubSpotApi` over the unmodified official client, pointed at `basePath` (the real API or a
 * sandbox). Every request goes through `GuardedCalls`; this file only translates shapes.
 */
export class HubSpotClientApi implements HubSpotApi {
  constructor(
    private readonly client: Client,
    private readonly calls: GuardedCalls,
  ) {}

  async read(request: ReadRequest, priority: Priority): Promise<HubSpotRecord[]> {
    if (request.ids.length === 0) return [];
    const data = await this.calls.run(
      { name: `${request.object}.batch.read`, search: false, priority },
      () =>
        this.batch(`/crm/v3/objects/${request.object}/batch/read`, parseReadAnswer, {
          inputs: request.ids.map((id) => ({ id })),
          properties: [...request.properties],
          propertiesWithHistory: [...request.history],
        }),
    );
    return data.results.map(toRecord);
  }

  async searchModified(query: ModifiedQuery, priority: Priority): Promise<SearchPage> {
    const api = this.objects(query.object).searchApi;
    const filters = [
      {
        propertyName: 'hs_lastmodifieddate',
        operator: 'BETWEEN',
        value: String(query.from),
        highValue: String(query.to),
      },
      ...(query.afterId === undefined
        ? []
        : [{ propertyName: 'hs_object_id', operator: 'GT', value: query.afterId }]),
    ];
    // HubSpot takes sort objects; the generated client types `sorts` as strings and operators
    // as an enum, so the body is built untyped and handed over as the client's request type.
    const body = {
      filterGroups: [{ filters }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: ['hs_lastmodifieddate'],
      limit: query.limit,
    };
    const data = await this.calls.run(
      { name: `${query.object}.search`, search: true, priority },
      () =>
        api.doSearchWithHttpInfo(body as unknown as Parameters<typeof api.doSearchWithHttpInfo>[0]),
    );
    return {
      total: data.total,
      hits: data.results.map((r) => ({
        id: r.id,
        modifiedAt: Date.parse(r.properties['hs_lastmodifieddate'] ?? '') || r.updatedAt.getTime(),
      })),
    };
  }

  contactsOfCompanies(ids: readonly string[], priority: Priority): Promise<Map<string, string[]>> {
    return this.associations('companies', 'contacts', ids, priority);
  }

  companiesOfContacts(ids: readonly string[], priority: Priority): Promise<Map<string, string[]>> {
    return this.associations('contacts', 'companies', ids, priority);
  }

  async listContactCompanies(
    after: string | undefined,
    priority: Priority,
  ): Promise<Page<ContactCompanies>> {
    const api = this.client.crm.contacts.basicApi;
    const data = await this.calls.run({ name: 'contacts.list', search: false, priority }, () =>
      api.getPageWithHttpInfo(LIST_PAGE, after, ['hs_object_id'], undefined, ['companies']),
    );
    return {
      items: (data.results as ClientObject[]).map((c) => ({
        contactId: c.id,
        companyIds: unique((c.associations?.['companies']?.results ?? []).map((a) => a.id)),
      })),
      next: data.paging?.next?.after,
    };
  }

  async listArchived(
    object: ObjectType,
    after: string | undefined,
    priority: Priority,
  ): Promise<Page<ArchivedRecord>> {
    const api = this.objects(object).basicApi;
    const data = await this.calls.run(
      { name: `${object}.list.archived`, search: false, priority },
      () => api.getPageWithHttpInfo(LIST_PAGE, after, ['hs_object_id'], undefined, undefined, true),
    );
    return {
      items: (data.results as ClientObject[]).map((r) => ({
        id: r.id,
        archivedAt: (r.archivedAt ?? r.updatedAt).toISOString(),
      })),
      next: data.paging?.next?.after,
    };
  }

  async upsertCompanies(inputs: WriteInputs): Promise<BatchWriteResponse> {
    const data = await this.calls.run(
      { name: 'companies.batch.upsert', search: false, priority: 'live' },
      () =>
        this.batch('/crm/v3/objects/companies/batch/upsert', parseWriteAnswer, {
          inputs: inputsOf(inputs).map((i) => ({
            id: i.id,
            idProperty: UPSERT_ID_PROPERTY,
            properties: writable(i.properties),
          })),
        }),
    );
    return {
      results: data.results.map((r) => ({
        inputId: r.properties[UPSERT_ID_PROPERTY] ?? '',
        companyId: r.id,
        created: r.new === true,
        properties: r.properties,
        updatedAt: r.updatedAt,
      })),
      errors: (data.errors ?? []).map(toWriteError),
    };
  }

  async updateCompanies(inputs: WriteInputs): Promise<BatchWriteResponse> {
    const data = await this.calls.run(
      { name: 'companies.batch.update', search: false, priority: 'live' },
      () =>
        this.batch('/crm/v3/objects/companies/batch/update', parseWriteAnswer, {
          inputs: inputsOf(inputs).map((i) => ({ id: i.id, properties: writable(i.properties) })),
        }),
    );
    return {
      results: data.results.map((r) => ({
        inputId: r.id,
        companyId: r.id,
        created: false,
        properties: r.properties,
        updatedAt: r.updatedAt,
      })),
      errors: (data.errors ?? []).map(toWriteError),
    };
  }

  private async associations(
    from: ObjectType,
    to: ObjectType,
    ids: readonly string[],
    priority: Priority,
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const api = this.client.crm.associations.v4.batchApi;
    const data = await this.calls.run(
      { name: `associations.${from}.${to}.batch.read`, search: false, priority },
      () => api.getPageWithHttpInfo(from, to, { inputs: ids.map((id) => ({ id })) }),
    );
    for (const r of data.results) {
      // Typed as a string, sent by HubSpot as a number.
      out.set(r._from.id, unique(r.to.map((t) => String(t.toObjectId as unknown))));
    }
    return out;
  }

  /**
   * A batch endpoint through the client's own request builder and Node transport (what its
   * generated APIs use once `httpAgent` is set), answered as the generated `...WithHttpInfo`
   * methods answer, without their model classes: their deserializer walked every property of
   * every record through a type map and turned each time into a Date, about a tenth of the
   * connector's CPU in batch upserts and reads. `apiRequest` would build the same request but
   * always sends it through `fetch`, whose web streams cost about 3 µs more per record. The
   * answer is checked by `parse` (`ReadAnswer`, `WriteAnswer`); one that does not fit fails the
   * request like a broken connection.
   */
  private async batch<T>(
    path: string,
    parse: AnswerParser<T>,
    body: unknown,
  ): Promise<HttpAnswer<T>> {
    const request = new Request(this.client.config, { method: 'POST', path, body });
    const agent = this.client.config.httpAgent;
    const res = await sendBufferedRequest(request.getUrl(), {
      ...request.getSendData(),
      ...(agent === undefined ? {} : { agent }),
    });
    const headers = res.headers;
    const text = await res.text();
    let json: unknown = text === '' ? undefined : text;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON (an HTML error page of a proxy): kept as text for the error, refused below.
    }
    if (res.status >= 400) throw new HubSpotHttpError(res.status, json, headers);
    const parsed = parse(json);
    if (!parsed.success) {
      throw new Error(`HubSpot answered ${path} with an unexpected body: ${parsed.error.message}`);
    }
    return { httpStatusCode: res.status, headers, data: parsed.data };
  }

  private objects(object: ObjectType) {
    return object === 'companies' ? this.client.crm.companies : this.client.crm.contacts;
  }
}

/**
 * Creates the official client for one connection; it must not retry or throttle on its own. Its
 * requests go through Node's HTTP client on one keep-alive agent per connection (the client's
 * `httpAgent` option), not through `fetch`.
 */
export function createHubSpotClient(basePath: string, accessToken: string | undefined): Client {
  const httpAgent = basePath.startsWith('https:')
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true });
  return new Client({
    basePath,
    ...(accessToken === undefined ? {} : { accessToken }),
    numberOfApiCallRetries: 0,
    httpAgent,
  });
}

/** HubSpot's times as the generated client gave them (via Date): ISO-8601 in UTC, with ms. */
const iso = (time: string) => new Date(time).toISOString();

function toRecord(o: AnswerRecord): HubSpotRecord {
  const history: Record<string, PropertyVersion[]> = {};
  for (const [name, versions] of Object.entries(o.propertiesWithHistory ?? {})) {
    history[name] = versions.map((v) => ({
      value: v.value,
      timestamp: iso(v.timestamp),
      sourceType: v.sourceType,
      sourceId: v.sourceId ?? undefined,
    }));
  }
  return {
    id: o.id,
    properties: o.properties,
    history,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
  };
}

function toWriteError(e: AnswerError): WriteError {
  const status = Number(e.status);
  return {
    status: Number.isInteger(status) ? status : undefined,
    category: e.category,
    message: e.message,
    ids: e.context?.['ids'] ?? [],
  };
}

/** HubSpot clears a property with an empty string. */
function writable(properties: Readonly<Record<string, string | null>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) out[k] = v ?? '';
  return out;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
