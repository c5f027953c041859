import { z } from 'zod';
import {
  CaptureMethod,
  HubSpotId,
  HubSpotProperties,
  IsoDateTime,
  SalesforceFields,
  SalesforceId,
} from './common.js';
import { envelopeOf } from './envelope.js';
import { exactParser } from './exact-parse.js';
import { recordKey, type RecordRef } from './keys.js';

// ---------------------------------------------------------------------------------------------
// Salesforce
// ---------------------------------------------------------------------------------------------

/**
 * `merged`: this record lost a merge and is gone; `masterRecordId` is the survivor.
 * `snapshot`: the record as read by an import job (R3 a), not a change.
 */
export const SalesforceChangeType = z.enum([
  'created',
  'updated',
  'deleted',
  'undeleted',
  'merged',
  'snapshot',
]);
export type SalesforceChangeType = z.infer<typeof SalesforceChangeType>;

const salesforceChangeShape = {
  recordId: SalesforceId,
  changeType: SalesforceChangeType,
  /** Set only for `merged`. */
  masterRecordId: SalesforceId.optional(),
  /** Values present in the event (CDC sends changed fields only, polling/snapshots all fields). */
  fields: SalesforceFields,
  /** Fields this change touched; for `created`/`snapshot` every field present. */
  changedFields: z.array(z.string().min(1)),
  /** CDC commit time, else SystemModstamp: the Salesforce side of "newest wins". */
  changedAt: IsoDateTime,
  /** CreatedDate; absent only on deletes/merges, whose events do not carry it. */
  createdDate: IsoDateTime.optional(),
  /**
   * The `client` of the `Sforce-Call-Options` header of the writing call (CDC `changeOrigin`),
   * null when unknown (polling). Ours means the change is an echo of our own write.
   */
  changeOrigin: z.string().nullable(),
  capturedBy: CaptureMethod,
  /** The job that produced the event: an import's snapshot or a replay's change. */
  importJobId: z.string().min(1).optional(),
} as const;

function checkSalesforceChange(
  v: {
    changeType: SalesforceChangeType;
    masterRecordId?: string | undefined;
    createdDate?: string | undefined;
    importJobId?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if ((v.changeType === 'merged') !== (v.masterRecordId !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['masterRecordId'],
      message: 'masterRecordId is set exactly on merged changes',
    });
  }
  if (v.changeType !== 'deleted' && v.changeType !== 'merged' && v.createdDate === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['createdDate'],
      message: `createdDate is required on ${v.changeType} changes`,
    });
  }
  if (v.changeType === 'snapshot' && v.importJobId === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['importJobId'],
      message: 'a snapshot names its importJobId',
    });
  }
}

export const SalesforceAccountChange = z
  .object({ kind: z.literal('salesforce_account'), ...salesforceChangeShape })
  .superRefine(checkSalesforceChange);
export type SalesforceAccountChange = z.infer<typeof SalesforceAccountChange>;

/** `fields.AccountId` null = a private contact (R6 b). */
export const SalesforceContactChange = z
  .object({ kind: z.literal('salesforce_contact'), ...salesforceChangeShape })
  .superRefine(checkSalesforceChange);
export type SalesforceContactChange = z.infer<typeof SalesforceContactChange>;

export const SalesforceLeadChange = z
  .object({ kind: z.literal('salesforce_lead'), ...salesforceChangeShape })
  .superRefine(checkSalesforceChange);
export type SalesforceLeadChange = z.infer<typeof SalesforceLeadChange>;

// ---------------------------------------------------------------------------------------------
// HubSpot
// ---------------------------------------------------------------------------------------------

/** `merged`: this record was merged into `mergedIntoId` (HubSpot keeps the survivor). */
export const HubSpotChangeType = z.enum([
  'created',
  'updated',
  'deleted',
  'restored',
  'merged',
  'snapshot',
]);
export type HubSpotChangeType = z.infer<typeof HubSpotChangeType>;

const hubspotChangeShape = {
  recordId: HubSpotId,
  changeType: HubSpotChangeType,
  mergedIntoId: HubSpotId.optional(),
  /** Property values present in the event (webhooks: the changed ones; polling: all fetched). */
  properties: HubSpotProperties,
  /** Per-property change time (`propertiesWithHistory` / webhook `occurredAt`): HubSpot's side of "newest wins". */
  propertyChangedAt: z.record(z.string().min(1), IsoDateTime),
  changedProperties: z.array(z.string().min(1)),
  changedAt: IsoDateTime,
  /** HubSpot `changeSource` (CRM_UI, INTEGRATION, IMPORT, AUTOMATION …), null when unknown. */
  changeSource: z.string().nullable(),
  /** HubSpot `sourceId`: our app id when we wrote it; null when unknown (polling). */
  sourceId: z.string().nullable(),
  capturedBy: CaptureMethod,
  importJobId: z.string().min(1).optional(),
} as const;

function checkHubSpotChange(
  v: { changeType: HubSpotChangeType; mergedIntoId?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((v.changeType === 'merged') !== (v.mergedIntoId !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['mergedIntoId'],
      message: 'mergedIntoId is set exactly on merged changes',
    });
  }
}

/**
 * `autoCreated`: HubSpot made this company with "create and associate companies with contacts"
 * (R6 a). The connector knows it from the creation source; false when it cannot tell.
 */
export const HubSpotCompanyChange = z
  .object({
    kind: z.literal('hubspot_company'),
    ...hubspotChangeShape,
    autoCreated: z.boolean().default(false),
  })
  .superRefine(checkHubSpotChange);
export type HubSpotCompanyChange = z.infer<typeof HubSpotCompanyChange>;

/** Contacts carry `salesforcecontactid` / `salesforceleadid` (who they sync with) and `lifecyclestage`. */
export const HubSpotContactChange = z
  .object({ kind: z.literal('hubspot_contact'), ...hubspotChangeShape })
  .superRefine(checkHubSpotChange);
export type HubSpotContactChange = z.infer<typeof HubSpotContactChange>;

/** A contact was associated with (added) or removed from a company. */
export const HubSpotAssociationChange = z.object({
  kind: z.literal('hubspot_association'),
  changeType: z.enum(['added', 'removed']),
  companyId: HubSpotId,
  contactId: HubSpotId,
  changedAt: IsoDateTime,
  changeSource: z.string().nullable(),
  sourceId: z.string().nullable(),
  capturedBy: CaptureMethod,
});
export type HubSpotAssociationChange = z.infer<typeof HubSpotAssociationChange>;

// ---------------------------------------------------------------------------------------------
// Union, envelopes, parsing
// ---------------------------------------------------------------------------------------------

/** Every change payload, discriminated by `kind`. */
export const ChangePayload = z.discriminatedUnion('kind', [
  SalesforceAccountChange,
  SalesforceContactChange,
  SalesforceLeadChange,
  HubSpotCompanyChange,
  HubSpotContactChange,
  HubSpotAssociationChange,
]);
export type ChangePayload = z.infer<typeof ChangePayload>;

/** Envelope `type` of each change kind. */
export const CHANGE_EVENT_TYPES = {
  salesforce_account: 'salesforce.account-changed.v1',
  salesforce_contact: 'salesforce.contact-changed.v1',
  salesforce_lead: 'salesforce.lead-changed.v1',
  hubspot_company: 'hubspot.company-changed.v1',
  hubspot_contact: 'hubspot.contact-changed.v1',
  hubspot_association: 'hubspot.association-changed.v1',
} as const satisfies Record<ChangePayload['kind'], string>;

export const SalesforceAccountChanged = envelopeOf(
  CHANGE_EVENT_TYPES.salesforce_account,
  SalesforceAccountChange,
);
export const SalesforceContactChanged = envelopeOf(
  CHANGE_EVENT_TYPES.salesforce_contact,
  SalesforceContactChange,
);
export const SalesforceLeadChanged = envelopeOf(
  CHANGE_EVENT_TYPES.salesforce_lead,
  SalesforceLeadChange,
);
export const HubSpotCompanyChanged = envelopeOf(
  CHANGE_EVENT_TYPES.hubspot_company,
  HubSpotCompanyChange,
);
export const HubSpotContactChanged = envelopeOf(
  CHANGE_EVENT_TYPES.hubspot_contact,
  HubSpotContactChange,
);
export const HubSpotAssociationChanged = envelopeOf(
  CHANGE_EVENT_TYPES.hubspot_association,
  HubSpotAssociationChange,
);

/** A change event in its envelope, discriminated by envelope `type` (and payload `kind`). */
export const ChangeEvent = z.discriminatedUnion('type', [
  SalesforceAccountChanged,
  SalesforceContactChanged,
  SalesforceLeadChanged,
  HubSpotCompanyChanged,
  HubSpotContactChanged,
  HubSpotAssociationChanged,
]);
export type ChangeEvent = z.infer<typeof ChangeEvent>;
export type SalesforceChangeEvent = Extract<
  ChangeEvent,
  { payload: { kind: `salesforce_${string}` } }
>;
export type HubSpotChangeEvent = Extract<ChangeEvent, { payload: { kind: `hubspot_${string}` } }>;
export type HubSpotCompanyChangeEvent = z.infer<typeof HubSpotCompanyChanged>;

export type ParseResult<T> =
  { readonly ok: true; readonly event: T } | { readonly ok: false; readonly reason: string };

const parseChangeEventSchema = exactParser(ChangeEvent);

/**
 * Parses an untrusted message (already JSON-decoded) into a change event. The consumer edge sends
 * `{ ok: false }` to the dead letter with `reason`; it never lets it reach the rules.
 */
export function parseChangeEvent(input: unknown): ParseResult<ChangeEvent> {
  const result = parseChangeEventSchema(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, reason: z.prettifyError(result.error) };
}

/** Decodes raw Kafka bytes/text, then parses; JSON errors become reasons too. */
export function decodeChangeEvent(raw: string): ParseResult<ChangeEvent> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return parseChangeEvent(json);
}

/**
 * Which record each kind of change is keyed by. Associations go with their contact: a contact's
 * changes and its associations then share one partition and stay in order, so whoever reads the
 * stream sees a contact's lifecycle stage and its companies consistently (R6, R7).
 */
const CHANGE_SUBJECT = {
  salesforce_account: { system: 'salesforce', object: 'Account' },
  salesforce_contact: { system: 'salesforce', object: 'Contact' },
  salesforce_lead: { system: 'salesforce', object: 'Lead' },
  hubspot_company: { system: 'hubspot', object: 'company' },
  hubspot_contact: { system: 'hubspot', object: 'contact' },
  hubspot_association: { system: 'hubspot', object: 'contact' },
} as const satisfies Record<ChangePayload['kind'], Omit<RecordRef, 'recordId'>>;

/** The Kafka key of a change event (see `recordKey`). */
export function changeEventKey(event: ChangeEvent): string {
  const p = event.payload;
  const recordId = p.kind === 'hubspot_association' ? p.contactId : p.recordId;
  return recordKey(event.connectionId, { ...CHANGE_SUBJECT[p.kind], recordId });
}
