import { COMMAND_TYPES, type SalesforceCommand, type SalesforceValue } from '@crm-sync/domain';

/** The sObject Collections request a write goes into. */
export type WriteOp =
  | { readonly kind: 'upsert'; readonly sobject: 'Account'; readonly externalIdField: string }
  | { readonly kind: 'update'; readonly sobject: 'Account' | 'Contact' };

/** One command as the record it sends. */
export interface PlannedWrite {
  readonly command: SalesforceCommand;
  readonly op: WriteOp;
  /** The record in the request body (jsforce adds `attributes`). */
  readonly record: Readonly<Record<string, SalesforceValue>>;
  /** Which Salesforce record it writes: two writes of one record never share a request. */
  readonly target: string;
}

/** Up to `collectionSize` writes of one operation: one API call. */
export interface Chunk {
  readonly op: WriteOp;
  readonly writes: readonly PlannedWrite[];
}

export function opKey(op: WriteOp): string {
  return op.kind === 'upsert'
    ? `upsert:${op.sobject}:${op.externalIdField}`
    : `update:${op.sobject}`;
}

/** The request record of a command. Fields never override the identifying ones. */
export function plannedWrite(command: SalesforceCommand): PlannedWrite {
  switch (command.type) {
    case COMMAND_TYPES.upsertSalesforceAccount: {
      const { externalIdField, hubspotCompanyId, fields } = command.payload;
      return {
        command,
        op: { kind: 'upsert', sobject: 'Account', externalIdField },
        record: {
          ...without(fields, ['id', externalIdField.toLowerCase()]),
          [externalIdField]: hubspotCompanyId,
        },
        target: `Account:${externalIdField.toLowerCase()}:${hubspotCompanyId}`,
      };
    }
    case COMMAND_TYPES.updateSalesforceAccount: {
      const { accountId, fields } = command.payload;
      return {
        command,
        op: { kind: 'update', sobject: 'Account' },
        record: { ...without(fields, ['id']), Id: accountId },
        target: `Account:${accountId}`,
      };
    }
    case COMMAND_TYPES.linkSalesforceAccount: {
      const { accountId, externalIdField, hubspotCompanyId } = command.payload;
      return {
        command,
        op: { kind: 'update', sobject: 'Account' },
        record: { Id: accountId, [externalIdField]: hubspotCompanyId },
        target: `Account:${accountId}`,
      };
    }
    case COMMAND_TYPES.reparentSalesforceContact: {
      const { contactId, accountId } = command.payload;
      return {
        command,
        op: { kind: 'update', sobject: 'Contact' },
        record: { Id: contactId, AccountId: accountId },
        target: `Contact:${contactId}`,
      };
    }
  }
}

/** The fields less those named in `names` (lower case), compared without case. */
function without(
  fields: Readonly<Record<string, SalesforceValue>>,
  names: readonly string[],
): Record<string, SalesforceValue> {
  const out: Record<string, SalesforceValue> = {};
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (value === undefined || names.includes(key.toLowerCase())) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Plans a batch of commands as waves of requests. Wave k holds the k-th write of every record,
 * so writes to one record keep their order (waves run one after another) and never meet in one
 * request (Salesforce refuses a duplicate Id in a collection). Within a wave, writes of one
 * operation are packed into requests of at most `collectionSize`, which run concurrently.
 */
export function planWaves(
  commands: readonly SalesforceCommand[],
  collectionSize: number,
): Chunk[][] {
  if (!Number.isInteger(collectionSize) || collectionSize < 1 || collectionSize > 200) {
    throw new RangeError(`collectionSize must be 1..200, got ${collectionSize}`);
  }
  const writesOf = new Map<string, number>();
  const waves: Map<string, PlannedWrite[]>[] = [];
  for (const command of commands) {
    const write = plannedWrite(command);
    const index = writesOf.get(write.target) ?? 0;
    writesOf.set(write.target, index + 1);
    const wave = (waves[index] ??= new Map());
    const key = opKey(write.op);
    const list = wave.get(key) ?? [];
    list.push(write);
    wave.set(key, list);
  }
  return waves.map((wave) =>
    [...wave.values()].flatMap((writes) => {
      const chunks: Chunk[] = [];
      for (let i = 0; i < writes.length; i += collectionSize) {
        const slice = writes.slice(i, i + collectionSize);
        const first = slice[0];
        if (first) chunks.push({ op: first.op, writes: slice });
      }
      return chunks;
    }),
  );
}
