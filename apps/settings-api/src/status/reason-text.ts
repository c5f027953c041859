import type { ReasonCode } from '@crm-sync/domain';

/**
 * Every reason code in plain words, for "why did (or didn't) this sync?". A `Record` over the
 * domain's enum: a new code without a sentence here does not compile.
 */
export const REASON_TEXT: Readonly<Record<ReasonCode, string>> = {
  SYNC_DISABLED: 'Company sync is off for this connection.',
  CREATED_BEFORE_SYNC_ENABLED:
    'The account existed before company sync was turned on and has not changed since; import it or edit it to sync it.',
  NEW_ACCOUNT_AFTER_SYNC_ENABLED: 'The account was created after company sync was turned on.',
  CHANGED_AFTER_SYNC_ENABLED: 'The account changed after company sync was turned on.',
  IMPORTED: 'The account came in through an import.',
  LINKED_RECORD_CHANGED: 'A linked record changed.',
  NOT_LINKED: 'The record is not linked to a record in the other CRM.',
  ALREADY_LINKED: 'The record is linked already.',
  DELETE_NOT_PROPAGATED:
    'The record was deleted; the delete policy records it on the link without deleting the other side.',
  DELETE_PROPAGATED: 'The record was deleted and the delete policy deletes the other side too.',
  RESTORED: 'The record was restored after a delete.',
  MERGED_INTO_OTHER_RECORD: 'The record was merged into another record, which keeps the link.',
  MANUAL_RESYNC: 'Someone asked for a manual resync.',
  MASS_SYNC: 'A mass sync applied new or changed mappings to existing records.',
  JOB_CANCELLED: 'The job that would have handled this record was cancelled first.',
  RECORD_UNKNOWN: 'A resync named this record, but the sync engine has never seen it.',
  DEDUPE_BY_ACCOUNT_ID:
    'A company already named this account in its "salesforceaccountid" property, so they were linked.',
  DEDUPE_BY_DOMAIN: 'A company with the same website domain existed, so they were linked.',
  DEDUPE_BY_SHARED_CONTACTS:
    'A company sharing contacts with the account existed, so they were linked.',
  POSSIBLE_DUPLICATE:
    'Several existing records could be this one; nothing was created until a person links one or forces a create.',
  NO_DUPLICATE_FOUND: 'No existing record matched, so a new one was created.',
  FORCED_CREATE: 'A person forced a create despite possible duplicates.',
  NO_ASSOCIATED_CONTACTS: 'The company has no associated contacts.',
  ALL_CONTACTS_SYNC_WITH_LEADS:
    'All of the company’s contacts sync with Salesforce leads (unlinked contacts count as the default object for new contacts).',
  NO_CONTACT_QUALIFIES: 'None of the company’s contacts qualifies for the inclusion list.',
  AUTO_CREATED_AND_DEFAULT_CONTACT:
    'HubSpot created the company automatically from a contact and new contacts sync as Salesforce contacts.',
  CONTACT_SYNCS_WITH_PRIVATE_CONTACT:
    'One of its contacts syncs with a Salesforce contact that has no account.',
  CONTACT_QUALIFIES_FOR_INCLUSION: 'One of its contacts qualifies for the inclusion list.',
  NO_CREATION_CRITERION_MET: 'No rule for creating a Salesforce account applied.',
  LIFECYCLE_ROLLUP_OFF: 'Lifecycle stage roll-up is off for this connection.',
  LIFECYCLE_ROLLED_FORWARD:
    'The lifecycle stage moved forward to the furthest stage among its contacts.',
  LIFECYCLE_NOT_FORWARD: 'No contact is further along, and stages never move backward.',
  NO_KNOWN_CONTACT_STAGE: 'None of its contacts has a known lifecycle stage.',
  COMPANY_STAGE_UNKNOWN: 'The company’s current lifecycle stage is unknown.',
  RULE_DONT_SYNC: 'The mapping’s rule is "don’t sync".',
  RULE_ALWAYS_USE_SALESFORCE: 'The mapping’s rule is "always use Salesforce".',
  SALESFORCE_VALUE_OVERWRITES:
    'The Salesforce value overwrites the HubSpot value under the mapping’s rule.',
  CLEARED_IN_SALESFORCE: 'The value was cleared in Salesforce, so it is cleared in HubSpot.',
  SALESFORCE_FIELD_BLANK: 'The Salesforce field was empty, so the HubSpot value fills it.',
  SALESFORCE_FIELD_NOT_BLANK: 'The Salesforce field has a value, which HubSpot does not overwrite.',
  CLEARING_NOT_PROPAGATED: 'Clearing this value does not propagate under the mapping’s rule.',
  NEWER_IN_SALESFORCE: 'The Salesforce value is newer.',
  NEWER_IN_HUBSPOT: 'The HubSpot value is newer.',
  TIE_GOES_TO_SALESFORCE: 'Both changed at the same time; a tie goes to Salesforce.',
  VALUES_EQUAL: 'Both sides hold the same value.',
  NOT_CHANGED: 'Nothing changed.',
  VALUE_UNKNOWN: 'The value on one side is not known yet.',
  BLANK_VALUE: 'The value is blank.',
  PROPERTY_VALUE_ERROR: 'A value has no entry in the mapping’s value map.',
  AWAITING_LINKED_RECORD:
    'The linked record’s current values are not known yet; the change is merged as soon as they arrive.',
  ECHO_OF_OWN_WRITE:
    'This change was the sync engine’s own write coming back, so it was not synced again.',
};
