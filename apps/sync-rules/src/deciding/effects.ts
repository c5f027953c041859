import {
  COMMAND_TYPES,
  commandSubject,
  idempotencyKey,
  type CommandType,
  type DecisionRecord,
  type HubSpotCommand,
  type RecordRef,
  type RuleId,
  type SalesforceCommand,
  type SyncDecision,
} from '@crm-sync/domain';
import type { WorkItem } from '../work/work-item.js';

type PayloadOf<T extends CommandType> = Extract<
  SalesforceCommand | HubSpotCommand,
  { type: T }
>['payload'];
type CommandFields<T extends CommandType> = Omit<
  PayloadOf<T>,
  'commandId' | 'idempotencyKey' | 'causationId'
>;

const SALESFORCE_TYPES: ReadonlySet<string> = new Set([
  COMMAND_TYPES.upsertSalesforceAccount,
  COMMAND_TYPES.updateSalesforceAccount,
  COMMAND_TYPES.linkSalesforceAccount,
  COMMAND_TYPES.reparentSalesforceContact,
]);

/**
 * What processing one work item decided to do, collected before anything is sent: commands per
 * CRM, decisions for the history, and items forwarded to another subject. The pipeline sends
 * them in one Kafka transaction with the consumed offsets.
 *
 * Command ids are derived from the work item and a sequence number, so processing the same item
 * again (after an aborted transaction) yields the very same commands.
 */
export class Effects {
  readonly salesforceCommands: SalesforceCommand[] = [];
  readonly hubspotCommands: HubSpotCommand[] = [];
  readonly decisions: DecisionRecord[] = [];
  readonly forwards: WorkItem[] = [];
  private seq = 0;

  constructor(
    private readonly item: WorkItem,
    private readonly now: Date,
  ) {}

  get causationId(): string {
    return this.item.cause.kind === 'change'
      ? this.item.cause.event.id
      : this.item.cause.kind === 'result'
        ? this.item.cause.result.id
        : this.item.cause.causationId;
  }

  /** The processing time as ISO text, formatted once per item (every command and decision has it). */
  get at(): string {
    return (this.atText ??= this.now.toISOString());
  }
  private atText: string | undefined;

  /** Builds a command envelope; `create` commands get a cause-free idempotency key (same record → same effect). */
  command<T extends CommandType>(
    type: T,
    fields: CommandFields<T>,
    options: { readonly create?: boolean } = {},
  ): PayloadOf<T> {
    const commandId = `${this.item.id}#${this.seq++}`;
    const draft = {
      id: commandId,
      type,
      connectionId: this.item.connectionId,
      occurredAt: this.at,
      source: 'sync-rules' as const,
      payload: { ...fields, commandId, idempotencyKey: '', causationId: this.causationId },
    } as unknown as SalesforceCommand | HubSpotCommand;
    const key = idempotencyKey({
      type,
      connectionId: this.item.connectionId,
      subject: commandSubject(draft),
      ...(options.create === true ? {} : { causationId: this.causationId }),
      effect: fields,
    });
    const envelope = { ...draft, payload: { ...draft.payload, idempotencyKey: key } } as
      SalesforceCommand | HubSpotCommand;
    if (SALESFORCE_TYPES.has(type)) this.salesforceCommands.push(envelope as SalesforceCommand);
    else this.hubspotCommands.push(envelope as HubSpotCommand);
    return envelope.payload as PayloadOf<T>;
  }

  decide(subject: RecordRef, rule: RuleId, decision: SyncDecision): void {
    this.decisions.push({
      subject,
      rule,
      decision,
      causationId: this.causationId,
      decidedAt: this.at,
    });
  }

  forward(item: WorkItem): void {
    this.forwards.push(item);
  }
}
