import {
  CommandResult,
  exactParser,
  parseChangeEvent,
  parseRecordKey,
  SalesforceId,
  type ChangeEvent,
  type HubSpotContactChange,
  type SalesforceContactChange,
} from '@crm-sync/domain';
import type { InboundMessage } from '@crm-sync/kafka';
import type { SyncStore } from '../store/sync-store.port.js';
import type { SyncRulesTopics } from '../topics.js';
import { accountChangeItem, workItem, type Subject, type WorkItem } from '../work/work-item.js';

const parseCommandResult = exactParser(CommandResult);

export type RouteOutcome =
  | { readonly kind: 'work'; readonly items: readonly WorkItem[] }
  | { readonly kind: 'dead-letter'; readonly reason: string };

/**
 * Stage one of sync-rules: reads the CRMs' change topics and the command results, keyed by record,
 * and re-keys each to its sync subject (see `Subject`). Contact and lead changes are folded into
 * contact state here — this partition owns that contact — and fanned out as "re-evaluate" items
 * to the contact's companies (R6, R7).
 */
export class Router {
  constructor(
    private readonly store: SyncStore,
    private readonly topics: SyncRulesTopics,
  ) {}

  async route(message: InboundMessage): Promise<RouteOutcome> {
    if (message.value === null) return { kind: 'dead-letter', reason: 'empty message value' };
    let json: unknown;
    try {
      json = JSON.parse(message.value);
    } catch (e) {
      return {
        kind: 'dead-letter',
        reason: `not JSON: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    if (message.topic === this.topics.commandResults) return this.routeResult(json, message.key);
    const parsed = parseChangeEvent(json);
    if (!parsed.ok) return { kind: 'dead-letter', reason: parsed.reason };
    return { kind: 'work', items: await this.routeChange(parsed.event) };
  }

  private async routeChange(event: ChangeEvent): Promise<WorkItem[]> {
    const c = event.connectionId;
    const p = event.payload;
    switch (p.kind) {
      case 'salesforce_account':
        // Unless the decide stage reads account changes itself (co-partitioned topics).
        return [accountChangeItem(event, p.recordId)];
      case 'hubspot_company':
        return [
          workItem(
            event.id,
            c,
            await this.companySubject(c, p.recordId, p.properties['salesforceaccountid']),
            { kind: 'change', event },
          ),
        ];
      case 'hubspot_association':
        // Associations travel with their contact (same partition, in order with its changes):
        // recorded here, a contact change routed after it always finds its companies.
        await this.store.setAssociation(c, p.companyId, p.contactId, p.changeType === 'added');
        return [
          workItem(event.id, c, await this.companySubject(c, p.companyId), {
            kind: 'change',
            event,
          }),
        ];
      case 'hubspot_contact':
        return this.onHubSpotContact(event.id, c, p);
      case 'salesforce_contact':
        return this.onSalesforceContact(event.id, c, p);
      case 'salesforce_lead':
        // Leads matter only through the HubSpot contact that syncs with them (salesforceleadid).
        return [];
    }
  }

  private async onHubSpotContact(
    eventId: string,
    c: string,
    p: HubSpotContactChange,
  ): Promise<WorkItem[]> {
    const [before] = await this.store.getHubSpotContacts(c, [p.recordId]);
    await this.store.putHubSpotContact(c, {
      contactId: p.recordId,
      properties: { ...(before?.properties ?? {}), ...p.properties },
    });
    return this.fanOut(eventId, c, [p.recordId], p.changedAt);
  }

  private async onSalesforceContact(
    eventId: string,
    c: string,
    p: SalesforceContactChange,
  ): Promise<WorkItem[]> {
    const [before] = await this.store.getSalesforceContacts(c, [p.recordId]);
    // A create (CDC lists the fields set at creation) or a snapshot holds every non-empty
    // field: no AccountId there means none, a private contact. An update without it says nothing.
    const complete = p.changeType === 'created' || p.changeType === 'snapshot';
    const accountId =
      'AccountId' in p.fields ? p.fields['AccountId'] : complete ? null : before?.accountId;
    if (accountId === undefined) return []; // privacy unknown: keep it unknown
    await this.store.putSalesforceContact(c, {
      contactId: p.recordId,
      accountId: typeof accountId === 'string' && accountId.length > 0 ? accountId : null,
    });
    const hubspot = await this.store.hubSpotContactsSyncingWith(c, [p.recordId]);
    return this.fanOut(
      eventId,
      c,
      hubspot.map((h) => h.contactId),
      p.changedAt,
    );
  }

  /** One re-evaluation item per company of these contacts. */
  private async fanOut(
    eventId: string,
    c: string,
    contactIds: readonly string[],
    changedAt: string,
  ): Promise<WorkItem[]> {
    const pairs = await this.store.companiesOfContacts(c, contactIds);
    const items: WorkItem[] = [];
    for (const { companyId, contactId } of pairs) {
      items.push(
        workItem(eventId, c, await this.companySubject(c, companyId), {
          kind: 'contact',
          companyId,
          contactId,
          causationId: eventId,
          changedAt,
        }),
      );
    }
    return items;
  }

  private async routeResult(json: unknown, key: string | null): Promise<RouteOutcome> {
    const parsed = parseCommandResult(json);
    if (!parsed.success)
      return { kind: 'dead-letter', reason: `not a command result: ${parsed.error.message}` };
    const subject = key === null ? undefined : parseRecordKey(key);
    if (!subject) return { kind: 'dead-letter', reason: 'command result without a record key' };
    const result = parsed.data;
    const c = result.connectionId;
    const ref = subject.ref;
    let target: Subject | undefined;
    if (ref.system === 'salesforce' && ref.object === 'Account')
      target = { kind: 'account', accountId: ref.recordId };
    else if (ref.system === 'hubspot' && ref.object === 'company')
      target = await this.companySubject(c, ref.recordId);
    if (!target) return { kind: 'work', items: [] }; // contact re-parenting: nothing to update on a subject
    if (result.type !== 'sync.command-succeeded.v1' || result.payload.written === undefined)
      return { kind: 'work', items: [workItem(result.id, c, target, { kind: 'result', result })] };
    // The written company, as HubSpot answered the write: decided after its result, like a read
    // of it (its own event id), on the same subject.
    const { written, ...payload } = result.payload;
    return {
      kind: 'work',
      items: [
        workItem(result.id, c, target, { kind: 'result', result: { ...result, payload } }),
        workItem(written.id, c, target, { kind: 'change', event: written }),
      ],
    };
  }

  /** The linked account owns a company; so does the account a company names in `salesforceaccountid`. */
  private async companySubject(
    c: string,
    companyId: string,
    accountIdProperty?: string | null,
  ): Promise<Subject> {
    const [link] = await this.store.linksByCompany(c, [companyId]);
    if (link) return { kind: 'account', accountId: link.accountId };
    if (accountIdProperty && SalesforceId.safeParse(accountIdProperty).success) {
      return { kind: 'account', accountId: accountIdProperty };
    }
    return { kind: 'company', companyId };
  }
}
