import { z } from 'zod';
import {
  CrmSystem,
  HubSpotId,
  HubSpotProperties,
  IsoDateTime,
  SalesforceFields,
  SalesforceId,
} from './common.js';
import { HubSpotCompanyChanged, type HubSpotCompanyChangeEvent } from './change-events.js';
import { envelopeOf } from './envelope.js';
import { recordKey, type RecordRef } from './keys.js';
import { SyncErrorData } from '../errors/sync-error.js';

const commandBase = {
  /** Unique per command message (the edge generates it); results point back to it. */
  commandId: z.string().min(1).max(200),
  /**
   * Same logical effect → same key (`idempotencyKey`), so redelivery, retries and replays are
   * recognised by the connector's idempotency store and never applied twice.
   */
  idempotencyKey: z.string().min(1).max(300),
  /** Envelope id of the event or request that caused this command. */
  causationId: z.string().min(1),
} as const;

// ---------------------------------------------------------------------------------------------
// Salesforce commands
// ---------------------------------------------------------------------------------------------

/** Create path: PATCH /sobjects/Account/{externalIdField}/{hubspotCompanyId}; never duplicates. */
export const UpsertSalesforceAccount = z.object({
  ...commandBase,
  externalIdField: z.string().min(1),
  hubspotCompanyId: HubSpotId,
  fields: SalesforceFields,
});
export type UpsertSalesforceAccount = z.infer<typeof UpsertSalesforceAccount>;

export const UpdateSalesforceAccount = z.object({
  ...commandBase,
  accountId: SalesforceId,
  /** The linked company, for the per-link record of what was written (echo detection). */
  hubspotCompanyId: HubSpotId,
  fields: SalesforceFields.refine((f) => Object.keys(f).length > 0, 'fields must not be empty'),
});
export type UpdateSalesforceAccount = z.infer<typeof UpdateSalesforceAccount>;

/** Link an existing account: set the external-id field to the company id. */
export const LinkSalesforceAccount = z.object({
  ...commandBase,
  accountId: SalesforceId,
  externalIdField: z.string().min(1),
  hubspotCompanyId: HubSpotId,
});
export type LinkSalesforceAccount = z.infer<typeof LinkSalesforceAccount>;

/** R6: give a private contact the new account (sets Contact.AccountId). */
export const ReparentSalesforceContact = z.object({
  ...commandBase,
  contactId: SalesforceId,
  accountId: SalesforceId,
});
export type ReparentSalesforceContact = z.infer<typeof ReparentSalesforceContact>;

// ---------------------------------------------------------------------------------------------
// HubSpot commands
// ---------------------------------------------------------------------------------------------

/** Create path: batch upsert with `idProperty: salesforceaccountid`; never duplicates. */
export const UpsertHubSpotCompany = z.object({
  ...commandBase,
  salesforceAccountId: SalesforceId,
  properties: HubSpotProperties,
});
export type UpsertHubSpotCompany = z.infer<typeof UpsertHubSpotCompany>;

export const UpdateHubSpotCompany = z.object({
  ...commandBase,
  companyId: HubSpotId,
  salesforceAccountId: SalesforceId,
  properties: HubSpotProperties.refine(
    (p) => Object.keys(p).length > 0,
    'properties must not be empty',
  ),
});
export type UpdateHubSpotCompany = z.infer<typeof UpdateHubSpotCompany>;

/** Link an existing company: set `salesforceaccountid`. */
export const LinkHubSpotCompany = z.object({
  ...commandBase,
  companyId: HubSpotId,
  salesforceAccountId: SalesforceId,
});
export type LinkHubSpotCompany = z.infer<typeof LinkHubSpotCompany>;

/** R7: move the company's lifecycle stage forward. */
export const SetHubSpotCompanyLifecycleStage = z.object({
  ...commandBase,
  companyId: HubSpotId,
  lifecycleStage: z.string().min(1),
});
export type SetHubSpotCompanyLifecycleStage = z.infer<typeof SetHubSpotCompanyLifecycleStage>;

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

export const COMMAND_TYPES = {
  upsertSalesforceAccount: 'salesforce.upsert-account.v1',
  updateSalesforceAccount: 'salesforce.update-account.v1',
  linkSalesforceAccount: 'salesforce.link-account.v1',
  reparentSalesforceContact: 'salesforce.reparent-contact.v1',
  upsertHubSpotCompany: 'hubspot.upsert-company.v1',
  updateHubSpotCompany: 'hubspot.update-company.v1',
  linkHubSpotCompany: 'hubspot.link-company.v1',
  setHubSpotCompanyLifecycleStage: 'hubspot.set-company-lifecycle-stage.v1',
} as const;
export type CommandType = (typeof COMMAND_TYPES)[keyof typeof COMMAND_TYPES];

/** Commands on the Salesforce commands topic. */
export const SalesforceCommand = z.discriminatedUnion('type', [
  envelopeOf(COMMAND_TYPES.upsertSalesforceAccount, UpsertSalesforceAccount),
  envelopeOf(COMMAND_TYPES.updateSalesforceAccount, UpdateSalesforceAccount),
  envelopeOf(COMMAND_TYPES.linkSalesforceAccount, LinkSalesforceAccount),
  envelopeOf(COMMAND_TYPES.reparentSalesforceContact, ReparentSalesforceContact),
]);
export type SalesforceCommand = z.infer<typeof SalesforceCommand>;

/** Commands on the HubSpot commands topic. */
export const HubSpotCommand = z.discriminatedUnion('type', [
  envelopeOf(COMMAND_TYPES.upsertHubSpotCompany, UpsertHubSpotCompany),
  envelopeOf(COMMAND_TYPES.updateHubSpotCompany, UpdateHubSpotCompany),
  envelopeOf(COMMAND_TYPES.linkHubSpotCompany, LinkHubSpotCompany),
  envelopeOf(COMMAND_TYPES.setHubSpotCompanyLifecycleStage, SetHubSpotCompanyLifecycleStage),
]);
export type HubSpotCommand = z.infer<typeof HubSpotCommand>;

export type Command = SalesforceCommand | HubSpotCommand;

/**
 * The record a command is about, which is also its Kafka key: the record it writes when that
 * exists, else (upserts) the source record, so all commands for one record stay in order.
 */
export function commandSubject(command: Command): RecordRef {
  switch (command.type) {
    case COMMAND_TYPES.upsertSalesforceAccount:
      return { system: 'hubspot', object: 'company', recordId: command.payload.hubspotCompanyId };
    case COMMAND_TYPES.updateSalesforceAccount:
    case COMMAND_TYPES.linkSalesforceAccount:
      return { system: 'salesforce', object: 'Account', recordId: command.payload.accountId };
    case COMMAND_TYPES.reparentSalesforceContact:
      return { system: 'salesforce', object: 'Contact', recordId: command.payload.contactId };
    case COMMAND_TYPES.upsertHubSpotCompany:
      return {
        system: 'salesforce',
        object: 'Account',
        recordId: command.payload.salesforceAccountId,
      };
    case COMMAND_TYPES.updateHubSpotCompany:
    case COMMAND_TYPES.linkHubSpotCompany:
    case COMMAND_TYPES.setHubSpotCompanyLifecycleStage:
      return { system: 'hubspot', object: 'company', recordId: command.payload.companyId };
  }
}

export function commandKey(command: Command): string {
  return recordKey(command.connectionId, commandSubject(command));
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys
// ---------------------------------------------------------------------------------------------

/**
 * `<type>:<subject key>:<digest>` where the digest covers the cause and the effect (canonical
 * JSON, key order ignored). The cause is part of it on purpose: writing A, then B, then A again
 * are three effects, and only a redelivery or replay of the *same* cause repeats a key. Creates
 * pass no cause: a second create of the same record is the same effect whatever caused it.
 */
export function idempotencyKey(input: {
  readonly type: CommandType;
  readonly connectionId: string;
  readonly subject: RecordRef;
  readonly causationId?: string;
  readonly effect: unknown;
}): string {
  const digest = fnv1a64(canonicalJson({ cause: input.causationId ?? null, effect: input.effect }));
  return `${input.type}:${recordKey(input.connectionId, input.subject)}:${digest}`;
}

/**
 * Sorts strings in place in the order of `<`: a binary insertion sort, which allocates nothing
 * (`Array.prototype.sort` copies into work arrays: 164 MB of garbage in 6 s of the sync-rules
 * bench) and suits the few dozen keys of an object, often already in order.
 */
function sortInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    if ((keys[i - 1] as string) < key) continue;
    let lo = 0;
    let hi = i - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    for (let j = i; j > lo; j--) keys[j] = keys[j - 1] as string;
    keys[lo] = key;
  }
  return keys;
}

/**
 * JSON with object keys sorted, so equal values always serialise the same. Built in one pass
 * (every command's idempotency key goes through it): keys sorted as strings, which is the order
 * of `<` on them; `undefined` members left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of sortInPlace(Object.keys(record))) {
    const member = record[key];
    if (member === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return out + '}';
}

/** FNV-1a, 64 bit, hex. Not cryptographic: it only has to be stable and well spread. */
/**
 * FNV-1a, 64-bit, over UTF-16 code units. The state is kept in four 16-bit limbs so every product
 * stays exact in a double (BigInt arithmetic cost ~4 % of sync-rules' CPU): the prime is
 * 2^40 + 0x1b3, so limb i of the product is h_i·0x1b3 + h_(i-2)·0x100, plus the carry.
 */
export function fnv1a64(text: string): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < text.length; i++) {
    h0 ^= text.charCodeAt(i);
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + h0 * 0x100 + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + h1 * 0x100 + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return [h3, h2, h1, h0].map((h) => h.toString(16).padStart(4, '0')).join('');
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

const resultBase = {
  commandId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  commandType: z.enum(Object.values(COMMAND_TYPES) as [CommandType, ...CommandType[]]),
  system: CrmSystem,
  completedAt: IsoDateTime,
  /** 1 for the first try. */
  attempt: z.number().int().positive(),
} as const;

/**
 * `recordId` is the written record (the new id on creates); `created` is false when an upsert
 * matched an existing record or the command was a duplicate already applied. `written` is the
 * written HubSpot company as HubSpot answered the write (`capturedBy: 'write'`): the change event
 * a read of it would give, carried with the result so that sync-rules learns the written values
 * with the result, in its partition, and nobody reads them back. On the last result of the
 * commands one write carried out, and only there.
 */
export const CommandSucceeded = z.object({
  ...resultBase,
  outcome: z.literal('succeeded'),
  recordId: z.string().min(1),
  created: z.boolean(),
  written: HubSpotCompanyChanged.optional(),
});
export type CommandSucceeded = z.infer<typeof CommandSucceeded>;

/** Final failure (not retriable, or retries exhausted); the sync-rules service records it on the record. */
export const CommandFailed = z.object({
  ...resultBase,
  outcome: z.literal('failed'),
  error: SyncErrorData,
});
export type CommandFailed = z.infer<typeof CommandFailed>;

export const CommandResult = z.discriminatedUnion('type', [
  envelopeOf('sync.command-succeeded.v1', CommandSucceeded),
  envelopeOf('sync.command-failed.v1', CommandFailed),
]);
export type CommandResult = z.infer<typeof CommandResult>;

/** How a command ended, as its result reports it. */
export type CommandOutcome =
  | {
      readonly outcome: 'succeeded';
      readonly recordId: string;
      readonly created: boolean;
      readonly written?: HubSpotCompanyChangeEvent;
    }
  | { readonly outcome: 'failed'; readonly error: SyncErrorData };

/** Who reports a result, and the result's own id and timing. */
export interface ResultOrigin {
  /** Derived from the command, so a re-run batch reports the very same result message. */
  readonly id: string;
  readonly source: 'sf-connector' | 'hs-connector';
  readonly system: CrmSystem;
  readonly attempt: number;
  readonly completedAt: string;
}

/** The parts of a command its result repeats. */
export interface ResultOf {
  readonly type: CommandType;
  readonly connectionId: string;
  readonly payload: { readonly commandId: string; readonly idempotencyKey: string };
}

/**
 * A command's result. A connector builds one per record it writes, so the objects are written
 * out: spreading shared parts into the front of them cost ~6 µs per result, about a tenth of a
 * connector's CPU per record. The outcome's own two or three fields close the payload; a spread
 * at the end costs what writing them out does.
 */
export function commandResultOf(
  command: ResultOf,
  outcome: CommandOutcome,
  origin: ResultOrigin,
): CommandResult {
  const { id, source, system, attempt, completedAt } = origin;
  const { commandId, idempotencyKey } = command.payload;
  const connectionId = command.connectionId;
  const occurredAt = completedAt;
  const payload = {
    commandId,
    idempotencyKey,
    commandType: command.type,
    system,
    completedAt,
    attempt,
    ...outcome,
  };
  return payload.outcome === 'succeeded'
    ? { id, connectionId, occurredAt, source, type: 'sync.command-succeeded.v1', payload }
    : { id, connectionId, occurredAt, source, type: 'sync.command-failed.v1', payload };
}
