import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SfError } from '../errors.js';
import { normalizeId } from '../ids.js';
import { toRest } from '../records.js';
import type { SandboxState } from '../sandbox-state.js';
import {
  resolveType,
  SCHEMAS,
  SOBJECT_TYPES,
  typeForIdPrefix,
  type SObjectType,
} from '../schema.js';
import { seed } from '../seed.js';
import { Txn, type WriteContext } from '../store.js';

/** Writes made through the control API carry an empty change origin, like UI edits. */
const CONTROL: WriteContext = { origin: '' };

const sobject = z.string().transform((s, ctx) => {
  const t = resolveType(s);
  if (!t) ctx.addIssue({ code: 'custom', message: `unknown sObject ${s}` });
  return t as SObjectType;
});

const seedBody = z.object({
  seed: z.number().int().optional(),
  accounts: z.number().int().min(0).max(2_000_000).optional(),
  contacts: z.number().int().min(0).max(2_000_000).optional(),
  leads: z.number().int().min(0).max(2_000_000).optional(),
  privateContactRatio: z.number().min(0).max(1).optional(),
  sharedModstamp: z.string().optional(),
  withHubSpotIds: z.boolean().optional(),
  reset: z.boolean().optional(),
});

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new SfError(
      400,
      'INVALID_CONTROL_REQUEST',
      r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return r.data;
}

/** `/__control`: unauthenticated test hooks (README lists them). */
export function registerControl(app: FastifyInstance, state: SandboxState): void {
  const { store } = state;
  const ver = state.apiVersion;

  const write = <T>(fn: (txn: Txn) => T): T => {
    const txn = new Txn();
    try {
      const out = fn(txn);
      store.commit(txn, CONTROL);
      return out;
    } catch (e) {
      txn.rollbackTo([0, 0]);
      throw e;
    }
  };

  app.register(
    (c, _opts, done) => {
      c.get('/health', () => ({
        status: 'ok',
        accounts: store.count('Account'),
        contacts: store.count('Contact'),
        leads: store.count('Lead'),
      }));

      c.post('/reset', () => {
        store.reset();
        state.queries.reset();
        state.limits = { ...state.limits, used: 0 };
        state.latencyMs = 0;
        return { ok: true };
      });

      c.post('/seed', (req) => {
        const body = parse(seedBody, req.body);
        if (body.reset) {
          store.reset();
          state.queries.reset();
        }
        const { reset: _r, ...opts } = body;
        return seed(store, opts as Parameters<typeof seed>[1]);
      });

      c.get('/records/:id', (req, reply) => {
        const id = normalizeId((req.params as { id: string }).id);
        const type = id ? typeForIdPrefix(id) : undefined;
        // store.find() resolves only Ids of a known key prefix: `type` is set whenever `rec` is.
        const rec = id ? store.find(id) : undefined;
        if (!rec || !id || !type) {
          reply.code(404);
          return { error: 'not found' };
        }
        return {
          ...toRest(SCHEMAS[type], rec, ver),
          deletedDate: store.deletedAt(type, id) ?? null,
        };
      });

      c.get('/records', (req) => {
        const q = req.query as Record<string, string | undefined>;
        const type = parse(sobject, q['type'] ?? 'Account');
        const offset = Number(q['offset'] ?? 0);
        const limit = Math.min(Number(q['limit'] ?? 100), 10_000);
        const includeDeleted = q['includeDeleted'] === 'true';
        const out: Record<string, unknown>[] = [];
        let i = 0;
        for (const rec of store.all(type)) {
          if (!includeDeleted && rec['IsDeleted'] === true) continue;
          if (i++ < offset) continue;
          if (out.length >= limit) break;
          out.push(toRest(SCHEMAS[type], rec, ver));
        }
        return { total: store.count(type), records: out };
      });

      // Raw insert: no validation, no uniqueness, no change event (fixtures, data anomalies).
      c.post('/records/:type', (req) => {
        const type = parse(sobject, (req.params as { type: string }).type);
        const body = (req.body ?? {}) as Record<string, unknown> | Record<string, unknown>[];
        const list = Array.isArray(body) ? body : [body];
        return { ids: list.map((r) => store.insertRaw(type, r)['Id']) };
      });

      c.post('/merge', (req) => {
        const b = parse(
          z.object({
            sobject: sobject.optional(),
            masterId: z.string(),
            loserIds: z.array(z.string()).min(1).max(2),
          }),
          req.body,
        );
        const type = b.sobject ?? typeForIdPrefix(normalizeId(b.masterId) ?? '') ?? 'Account';
        const master = write((txn) => store.merge(txn, CONTROL, type, b.masterId, b.loserIds, ver));
        return {
          id: master['Id'],
          mergedRecordIds: b.loserIds.map((l) => normalizeId(l) ?? l),
          success: true,
        };
      });

      c.post('/undelete', (req) => {
        const b = parse(z.object({ ids: z.array(z.string()).min(1) }), req.body);
        return b.ids.map((id) => {
          try {
            const rec = write((txn) => store.undelete(txn, CONTROL, id));
            return { id: rec['Id'], success: true, errors: [] };
          } catch (e) {
            if (e instanceof SfError) return { id, success: false, errors: [e.toSaveError()] };
            throw e;
          }
        });
      });

      c.post('/purge', (req) => {
        const b = parse(z.object({ ids: z.array(z.string()).min(1) }), req.body);
        return b.ids.map((id) => {
          try {
            write((txn) => {
              store.purge(txn, CONTROL, id);
            });
            return { id: normalizeId(id) ?? id, success: true, errors: [] };
          } catch (e) {
            if (e instanceof SfError) return { id, success: false, errors: [e.toSaveError()] };
            throw e;
          }
        });
      });

      c.put('/limits', (req) => {
        const b = parse(
          z.object({
            dailyApiRequests: z.number().int().min(0).optional(),
            used: z.number().int().min(0).optional(),
          }),
          req.body,
        );
        state.limits = {
          ...state.limits,
          max: b.dailyApiRequests ?? state.limits.max,
          used: b.used ?? state.limits.used,
        };
        return { max: state.limits.max, used: state.limits.used };
      });
      c.get('/limits', () => ({
        max: state.limits.max,
        used: state.limits.used,
        day: state.limits.day,
      }));

      c.put('/latency', (req) => {
        const b = parse(z.object({ ms: z.number().int().min(0).max(60_000) }), req.body);
        state.latencyMs = b.ms;
        return { ms: b.ms };
      });

      c.post('/faults', (req) => {
        const b = parse(
          z.object({
            errorCode: z.string().default('UNABLE_TO_LOCK_ROW'),
            message: z.string().optional(),
            recordId: z.string().optional(),
            sobject: sobject.optional(),
            count: z.number().int().min(1).default(1),
          }),
          req.body,
        );
        const recordId = b.recordId ? normalizeId(b.recordId) : undefined;
        store.faults.push({
          errorCode: b.errorCode,
          remaining: b.count,
          ...(b.message ? { message: b.message } : {}),
          ...(recordId ? { recordId } : {}),
          ...(b.sobject ? { sobject: b.sobject } : {}),
        });
        return { faults: store.faults };
      });
      c.delete('/faults', () => {
        store.faults = [];
        return { faults: [] };
      });

      c.put('/duplicate-rules', (req) => {
        const rule = z.object({
          sobject: sobject.default('Account'),
          field: z.enum(['Name', 'Website']),
          action: z.enum(['block', 'alert']).default('block'),
          name: z.string().optional(),
        });
        const b = parse(z.object({ rules: z.array(rule) }), req.body);
        store.setDuplicateRules(
          b.rules.map((r) => ({
            ...r,
            name: r.name ?? `Standard_${r.sobject}_Duplicate_Rule_${r.field}`,
          })),
        );
        return { rules: store.duplicateRules };
      });
      c.delete('/duplicate-rules', () => {
        store.setDuplicateRules([]);
        return { rules: [] };
      });

      c.post('/tokens', (req) => {
        const url = `${req.protocol}://${req.headers.host ?? req.hostname}`;
        return state.auth.issue(url, url, true);
      });
      c.post('/tokens/expire', () => ({ expired: state.auth.expireAll() }));

      c.get('/changes', (req) => {
        const q = req.query as Record<string, string | undefined>;
        const from = Number(q['from'] ?? 0);
        const limit = Math.min(Number(q['limit'] ?? 1000), 10_000);
        const entity = q['entity'] ? parse(sobject, q['entity']) : undefined;
        const log = store.changes;
        const events = log
          .since(from, entity ? `/data/${entity}ChangeEvent` : undefined, limit)
          .map((e) => e.message);
        return {
          earliestReplayId: log.earliestReplayId,
          latestReplayId: log.latestReplayId,
          events,
        };
      });

      c.get('/stats', () => ({
        ...Object.fromEntries(SOBJECT_TYPES.map((t) => [t, store.count(t)])),
        changeEvents: store.changes.size,
        latestReplayId: store.changes.latestReplayId,
      }));
      done();
    },
    { prefix: '/__control' },
  );
}
