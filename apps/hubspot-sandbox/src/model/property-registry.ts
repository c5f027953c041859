import { HubSpotApiError, type PropertyValueProblem } from '../hubspot-errors.js';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES, type PropertySeed } from './default-properties.js';
import type { ObjectType } from './object-types.js';

export type PropertyType =
  'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';

export interface PropertyOption {
  readonly label: string;
  readonly value: string;
  readonly displayOrder: number;
  readonly hidden: boolean;
}

/** A property definition as the Properties API returns it. */
export interface PropertyDefinition {
  readonly name: string;
  readonly label: string;
  readonly type: PropertyType;
  readonly fieldType: string;
  readonly groupName: string;
  readonly description: string;
  readonly options: readonly PropertyOption[];
  readonly hasUniqueValue: boolean;
  readonly hubspotDefined: boolean;
  readonly calculated: boolean;
  readonly hidden: boolean;
  readonly formField: boolean;
  readonly displayOrder: number;
  readonly readOnlyValue: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly archived: boolean;
}

/** Written only by the sandbox itself: a client write is refused with READ_ONLY_VALUE. */
const SYSTEM_MANAGED = new Set(['hs_object_id', 'hs_lastmodifieddate', 'lastmodifieddate']);

const EPOCH = '2019-08-06T02:41:08.000Z';

function fromSeed(seed: PropertySeed): PropertyDefinition {
  return {
    name: seed.name,
    label: seed.label,
    type: seed.type as PropertyType,
    fieldType: seed.fieldType,
    groupName: seed.groupName,
    description: '',
    options: (seed.options ?? []).map(([value, label], i) => ({
      value,
      label,
      displayOrder: i,
      hidden: false,
    })),
    hasUniqueValue: seed.hasUniqueValue ?? false,
    hubspotDefined: seed.name !== 'salesforceaccountid' && !seed.name.startsWith('salesforce'),
    calculated: seed.calculated ?? false,
    hidden: false,
    formField: false,
    displayOrder: -1,
    readOnlyValue: SYSTEM_MANAGED.has(seed.name) || (seed.readOnlyValue ?? false),
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archived: false,
  };
}

/** Property definitions per object type, validation of written values and value normalisation. */
export class PropertyRegistry {
  private readonly byType: Record<ObjectType, Map<string, PropertyDefinition>> = {
    companies: new Map(COMPANY_PROPERTIES.map((s) => [s.name, fromSeed(s)])),
    contacts: new Map(CONTACT_PROPERTIES.map((s) => [s.name, fromSeed(s)])),
  };

  list(type: ObjectType): PropertyDefinition[] {
    return [...this.byType[type].values()];
  }

  get(type: ObjectType, name: string): PropertyDefinition | undefined {
    return this.byType[type].get(name);
  }

  uniqueNames(type: ObjectType): string[] {
    return this.list(type)
      .filter((p) => p.hasUniqueValue)
      .map((p) => p.name);
  }

  create(type: ObjectType, def: PropertyDefinition): PropertyDefinition {
    if (this.byType[type].has(def.name)) {
      throw new HubSpotApiError(
        409,
        'OBJECT_ALREADY_EXISTS',
        `Property named '${def.name}' already exists.`,
      );
    }
    this.byType[type].set(def.name, def);
    return def;
  }

  /**
   * Checks one write and returns normalised values (datetimes as ISO-8601 UTC, dates as
   * YYYY-MM-DD, booleans lower case); HubSpot stores every value as a string.
   */
  normalise(
    type: ObjectType,
    input: Readonly<Record<string, unknown>>,
  ): { values: Record<string, string>; problems: PropertyValueProblem[] } {
    const values: Record<string, string> = {};
    const problems: PropertyValueProblem[] = [];
    const defs = this.byType[type];
    for (const name of Object.keys(input)) {
      const raw = input[name];
      const def = defs.get(name);
      if (def === undefined) {
        problems.push(problem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
        continue;
      }
      if (def.readOnlyValue && SYSTEM_MANAGED.has(name)) {
        problems.push(
          problem(
            name,
            'READ_ONLY_VALUE',
            `"${name}" is a read only property; its value cannot be set.`,
          ),
        );
        continue;
      }
      const text =
        raw === null || raw === undefined
          ? ''
          : typeof raw === 'string'
            ? raw
            : typeof raw === 'number' || typeof raw === 'boolean'
              ? String(raw)
              : JSON.stringify(raw);
      if (text === '') {
        values[name] = '';
        continue;
      }
      const checked = checkValue(def, text);
      if (typeof checked === 'string') values[name] = checked;
      else problems.push(checked);
    }
    return { values, problems };
  }
}

function problem(
  name: string,
  error: PropertyValueProblem['error'],
  message: string,
): PropertyValueProblem {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

function checkValue(def: PropertyDefinition, text: string): string | PropertyValueProblem {
  switch (def.type) {
    case 'number': {
      const trimmed = text.trim();
      if (trimmed !== text || !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) {
        return problem(def.name, 'INVALID_LONG', `${text} was not a valid number.`);
      }
      return trimmed;
    }
    case 'bool': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        return problem(def.name, 'INVALID_BOOLEAN', `${text} was not a valid boolean value.`);
      }
      return lower;
    }
    case 'datetime': {
      const ms = toEpochMillis(text);
      if (ms === undefined)
        return problem(
          def.name,
          'INVALID_DATE',
          `${text} was not a valid long. Use a millisecond timestamp or ISO 8601.`,
        );
      return new Date(ms).toISOString();
    }
    case 'date': {
      const ms = toEpochMillis(text);
      if (ms === undefined)
        return problem(def.name, 'INVALID_DATE', `${text} was not a valid date.`);
      if (ms % 86_400_000 !== 0) {
        return problem(
          def.name,
          'INVALID_DATE',
          `${text} is at ${new Date(ms).toISOString()}, which isn't midnight UTC.`,
        );
      }
      return new Date(ms).toISOString().slice(0, 10);
    }
    case 'enumeration': {
      const allowed = def.options.map((o) => o.value);
      // checkbox enumerations hold several options separated by ';'
      const parts = def.fieldType === 'checkbox' ? text.split(';') : [text];
      const bad = parts.find((p) => !allowed.includes(p));
      if (bad !== undefined) {
        return problem(
          def.name,
          'INVALID_OPTION',
          `${bad} was not one of the allowed options: [${def.options.map((o) => `label: "${o.label}"\nvalue: "${o.value}"\n`).join(', ')}]`,
        );
      }
      return text;
    }
    default:
      return text;
  }
}

/** Epoch millis from a millisecond timestamp string or an ISO-8601 date/datetime. */
export function toEpochMillis(text: string): number | undefined {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
