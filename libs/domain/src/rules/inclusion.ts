import type { HubSpotProperties } from '../contracts/common.js';
import type { InclusionFilter, InclusionList } from '../contracts/settings.js';

function matches(filter: InclusionFilter, properties: HubSpotProperties): boolean {
  const raw = properties[filter.property];
  const present = raw !== undefined && raw !== null && raw.trim() !== '';
  const value = present ? raw.trim().toLowerCase() : '';
  // Multi-select values are `;`-separated; equality holds when any part equals.
  const parts = value.split(';').map((p) => p.trim());
  switch (filter.operator) {
    case 'has_property':
      return present;
    case 'not_has_property':
      return !present;
    case 'eq':
      return present && parts.includes(filter.value.toLowerCase());
    case 'neq':
      return !parts.includes(filter.value.toLowerCase());
    case 'contains':
      return present && value.includes(filter.value.toLowerCase());
    case 'not_contains':
      return !value.includes(filter.value.toLowerCase());
    case 'in':
      return present && filter.values.some((v) => parts.includes(v.toLowerCase()));
    case 'not_in':
      return !filter.values.some((v) => parts.includes(v.toLowerCase()));
  }
}

/**
 * Does a HubSpot contact qualify for the inclusion list? No list → every contact qualifies.
 * Groups are OR-ed, filters in a group AND-ed; negative operators match contacts without the
 * property, as HubSpot's "is not" filters do.
 */
export function contactQualifies(
  list: InclusionList | null,
  properties: HubSpotProperties,
): boolean {
  if (list === null) return true;
  return list.groups.some((g) => g.filters.every((f) => matches(f, properties)));
}
