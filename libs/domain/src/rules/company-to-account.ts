import type { HubSpotProperties } from '../contracts/common.js';
import { skip, type DecisionOf, type ReasonCode } from '../contracts/decisions.js';
import type { ConnectionSettings } from '../contracts/settings.js';
import { contactQualifies } from './inclusion.js';

/** Who a HubSpot contact syncs with; `accountId: null` is a private Salesforce contact. */
export type ContactSyncTarget =
  | { readonly object: 'Contact'; readonly id: string; readonly accountId: string | null }
  | { readonly object: 'Lead'; readonly id: string };

export interface AssociatedContact {
  readonly contactId: string;
  /** Properties the inclusion list reads. */
  readonly properties: HubSpotProperties;
  /** null: not linked yet (counts as the connection's default object for new contacts). */
  readonly syncsWith: ContactSyncTarget | null;
}

/**
 * Reads a contact's link from `salesforcecontactid` / `salesforceleadid`. A converted lead keeps
 * both ids; the contact wins. `accountId` of a Contact is not on the HubSpot side: the caller adds it.
 */
export function linkedSalesforceRecord(
  properties: HubSpotProperties,
): { readonly object: 'Contact' | 'Lead'; readonly id: string } | null {
  const contactId = properties['salesforcecontactid']?.trim();
  if (contactId) return { object: 'Contact', id: contactId };
  const leadId = properties['salesforceleadid']?.trim();
  return leadId ? { object: 'Lead', id: leadId } : null;
}

export type CompanyToAccountDecision = DecisionOf<'create' | 'skip'>;

/**
 * R6: does an unlinked HubSpot company create a Salesforce account? Exclusions first (every one
 * that holds is reported), then criteria (every one that holds is reported). `create` carries the
 * private Salesforce contacts to re-parent onto the new account. `manual` (R8) skips the criteria
 * and exclusions, never the toggle; dedupe still runs at the edge via upsert.
 *
 * Note, read literally: criterion (c) always holds once exclusion 3 does not (some contact
 * qualifies), so "otherwise do nothing" (NO_CREATION_CRITERION_MET) cannot occur today; it stays
 * in the code for when the criteria change.
 */
export function decideCompanyToAccount(input: {
  readonly settings: Pick<
    ConnectionSettings,
    'syncCompanies' | 'defaultSalesforceObjectForNewContacts' | 'inclusionList'
  >;
  readonly company: { readonly linked: boolean; readonly autoCreated: boolean };
  readonly contacts: readonly AssociatedContact[];
  readonly manual?: boolean;
}): CompanyToAccountDecision {
  const { settings, company, contacts } = input;
  if (!settings.syncCompanies) return skip('SYNC_DISABLED');
  if (company.linked) return skip('ALREADY_LINKED');
  const reparentContactIds = [
    ...new Set(
      contacts.flatMap((c) =>
        c.syncsWith?.object === 'Contact' && c.syncsWith.accountId === null ? [c.syncsWith.id] : [],
      ),
    ),
  ];
  if (input.manual === true)
    return { kind: 'create', target: 'salesforce', reasons: ['MANUAL_RESYNC'], reparentContactIds };

  const objectOf = (c: AssociatedContact) =>
    c.syncsWith?.object ?? settings.defaultSalesforceObjectForNewContacts;
  const qualifying = contacts.filter((c) => contactQualifies(settings.inclusionList, c.properties));

  const exclusions: ReasonCode[] = [];
  if (contacts.length === 0) exclusions.push('NO_ASSOCIATED_CONTACTS');
  if (contacts.length > 0 && contacts.every((c) => objectOf(c) === 'Lead'))
    exclusions.push('ALL_CONTACTS_SYNC_WITH_LEADS');
  if (contacts.length > 0 && qualifying.length === 0) exclusions.push('NO_CONTACT_QUALIFIES');
  const [firstExclusion, ...moreExclusions] = exclusions;
  if (firstExclusion !== undefined)
    return { kind: 'skip', reasons: [firstExclusion, ...moreExclusions] };

  const criteria: ReasonCode[] = [];
  if (company.autoCreated && settings.defaultSalesforceObjectForNewContacts === 'Contact') {
    criteria.push('AUTO_CREATED_AND_DEFAULT_CONTACT');
  }
  if (reparentContactIds.length > 0) criteria.push('CONTACT_SYNCS_WITH_PRIVATE_CONTACT');
  if (qualifying.length > 0) criteria.push('CONTACT_QUALIFIES_FOR_INCLUSION');
  const [firstCriterion, ...moreCriteria] = criteria;
  if (firstCriterion === undefined) return skip('NO_CREATION_CRITERION_MET');
  return {
    kind: 'create',
    target: 'salesforce',
    reasons: [firstCriterion, ...moreCriteria],
    reparentContactIds,
  };
}
