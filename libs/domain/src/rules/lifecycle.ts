import { skip, type DecisionOf } from '../contracts/decisions.js';
import type { ConnectionSettings } from '../contracts/settings.js';

/** HubSpot's lifecycle order (SPEC R7); later is further. */
export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

function rank(stage: string | null): number {
  return stage === null
    ? -1
    : (LIFECYCLE_STAGES as readonly string[]).indexOf(stage.trim().toLowerCase());
}

export type LifecycleDecision = DecisionOf<'update' | 'skip'>;

/**
 * R7: move a company's `lifecyclestage` forward to the furthest stage among its contacts. Unknown
 * (custom) contact stages are ignored; a company on an unknown stage is left alone because
 * "forward" from it is undefined; never backward.
 */
export function decideLifecycleRollup(input: {
  readonly settings: Pick<ConnectionSettings, 'syncCompanies' | 'lifecycleRollup'>;
  readonly companyStage: string | null;
  readonly contactStages: readonly (string | null)[];
}): LifecycleDecision {
  const { settings, companyStage } = input;
  if (!settings.syncCompanies) return skip('SYNC_DISABLED');
  if (!settings.lifecycleRollup) return skip('LIFECYCLE_ROLLUP_OFF');
  const furthest = Math.max(-1, ...input.contactStages.map(rank));
  const target = LIFECYCLE_STAGES[furthest];
  if (target === undefined) return skip('NO_KNOWN_CONTACT_STAGE');
  const current = rank(companyStage);
  if (companyStage !== null && companyStage.trim() !== '' && current === -1)
    return skip('COMPANY_STAGE_UNKNOWN');
  if (furthest <= current) return skip('LIFECYCLE_NOT_FORWARD');
  return {
    kind: 'update',
    target: 'hubspot',
    reasons: ['LIFECYCLE_ROLLED_FORWARD'],
    values: { lifecyclestage: target },
  };
}
