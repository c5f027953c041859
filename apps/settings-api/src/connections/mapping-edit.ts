import {
  checkMappingEditAllowed,
  validateMappingSet,
  type ConnectionSettings,
  type FieldMapping,
  type MappingProblem,
} from '@crm-sync/domain';

export type MappingEdit =
  | { readonly kind: 'replace'; readonly mappings: readonly FieldMapping[] }
  | { readonly kind: 'add'; readonly mapping: FieldMapping }
  | { readonly kind: 'remove'; readonly hubspotProperty: string };

export type MappingEditOutcome =
  | { readonly ok: true; readonly mappings: readonly FieldMapping[] }
  | { readonly ok: false; readonly refusal: 'COMPANY_SYNC_DISABLED'; readonly message: string }
  | { readonly ok: false; readonly refusal: 'NO_SUCH_MAPPING'; readonly message: string }
  | {
      readonly ok: false;
      readonly refusal: 'INVALID_MAPPINGS';
      readonly message: string;
      readonly problems: readonly MappingProblem[];
    };

/**
 * The mapping set after an edit, or why it is refused: while company sync is off (R1), when the
 * mapping to remove does not exist, or when the resulting set breaks a rule (one-to-one, type
 * compatibility, value maps, engine-owned fields; every problem at once, R9).
 */
export function editMappings(
  settings: ConnectionSettings,
  current: readonly FieldMapping[],
  edit: MappingEdit,
): MappingEditOutcome {
  const allowed = checkMappingEditAllowed(settings);
  if (!allowed.ok) {
    return { ok: false, refusal: 'COMPANY_SYNC_DISABLED', message: allowed.error.message };
  }
  if (edit.kind === 'remove' && !current.some((m) => sameProperty(m, edit.hubspotProperty))) {
    return {
      ok: false,
      refusal: 'NO_SUCH_MAPPING',
      message: `No mapping for HubSpot property "${edit.hubspotProperty}".`,
    };
  }
  const next = nextSet(current, edit);
  const check = validateMappingSet(next, settings);
  if (!check.ok) {
    return {
      ok: false,
      refusal: 'INVALID_MAPPINGS',
      message: describeProblems(check.problems),
      problems: check.problems,
    };
  }
  return { ok: true, mappings: next };
}

function nextSet(current: readonly FieldMapping[], edit: MappingEdit): readonly FieldMapping[] {
  switch (edit.kind) {
    case 'replace':
      return edit.mappings;
    case 'add':
      return [...current, edit.mapping];
    case 'remove':
      return current.filter((m) => !sameProperty(m, edit.hubspotProperty));
  }
}

/** HubSpot property names are compared without case, as `validateMappingSet` does. */
function sameProperty(m: FieldMapping, hubspotProperty: string): boolean {
  return m.hubspotProperty.toLowerCase() === hubspotProperty.toLowerCase();
}

/** One sentence per problem, so the 4xx message alone tells the user everything to fix. */
export function describeProblems(problems: readonly MappingProblem[]): string {
  const shown = problems.slice(0, 10).map((p) => p.message);
  const more = problems.length - shown.length;
  return `The mappings were refused: ${shown.join(' ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}
