import { SCHEMA_DATA } from './schema-data.js';

export interface RawField {
  name: string;
  label: string;
  type: string;
  soapType?: string;
  length?: number;
  nillable?: boolean;
  createable?: boolean;
  updateable?: boolean;
  defaultedOnCreate?: boolean;
  idLookup?: boolean;
  referenceTo?: string[];
  relationshipName?: string;
  restrictedPicklist?: boolean;
  picklistValues?: { value: string; label: string; defaultValue?: boolean }[];
  compoundFieldName?: string;
  nameField?: boolean;
  precision?: number;
  scale?: number;
  digits?: number;
  extraTypeInfo?: string;
  externalId?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
  custom?: boolean;
}

export interface RawObject {
  keyPrefix: string;
  label: string;
  labelPlural: string;
  fieldCount?: number;
  fields: RawField[];
}

export interface FieldDef extends RawField {
  /** For address/name components: the compound field and the key inside it (`BillingAddress`, `City`). */
  compound?: { field: string; key: string };
  picklistSet?: ReadonlySet<string>;
}

export type SObjectType = 'Account' | 'Contact' | 'Lead';
export const SOBJECT_TYPES: readonly SObjectType[] = ['Account', 'Contact', 'Lead'];

export interface ObjectSchema {
  readonly name: SObjectType;
  readonly keyPrefix: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly fields: readonly FieldDef[];
  /** Lower-cased field name to field: Salesforce field names are case-insensitive. */
  readonly byLower: ReadonlyMap<string, FieldDef>;
  /** Fields required on create (not nillable, createable, not defaulted). */
  readonly required: readonly FieldDef[];
  /** Unique fields (indexed by the store). */
  readonly uniqueFields: readonly FieldDef[];
  /** Address compound fields and their components. */
  readonly addresses: ReadonlyMap<string, readonly FieldDef[]>;
}

/** Custom fields the emulated org has, beyond the standard describe. */
const CUSTOM_FIELDS: Partial<Record<SObjectType, RawField[]>> = {
  Account: [
    {
      name: 'HubSpot_Company_Id__c',
      label: 'HubSpot Company Id',
      type: 'string',
      soapType: 'xsd:string',
      length: 255,
      nillable: true,
      createable: true,
      updateable: true,
      defaultedOnCreate: false,
      externalId: true,
      unique: true,
      caseSensitive: false,
      idLookup: true,
      custom: true,
    },
  ],
};

function buildSchema(name: SObjectType): ObjectSchema {
  const raw = SCHEMA_DATA[name];
  const fields: FieldDef[] = [...raw.fields, ...(CUSTOM_FIELDS[name] ?? [])].map((f) => {
    const def: FieldDef = { ...f };
    if (f.compoundFieldName && f.compoundFieldName !== f.name) {
      const compound = f.compoundFieldName;
      const base = compound.endsWith('Address') ? compound.slice(0, -'Address'.length) : '';
      def.compound = {
        field: compound,
        key: base && f.name.startsWith(base) ? f.name.slice(base.length) : f.name,
      };
    }
    if (f.picklistValues) def.picklistSet = new Set(f.picklistValues.map((p) => p.value));
    return def;
  });
  const byLower = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const addresses = new Map<string, FieldDef[]>();
  for (const f of fields) {
    if (f.type === 'address') addresses.set(f.name, []);
  }
  for (const f of fields) {
    if (f.compound) addresses.get(f.compound.field)?.push(f);
  }
  return {
    name,
    keyPrefix: raw.keyPrefix,
    label: raw.label,
    labelPlural: raw.labelPlural,
    fields,
    byLower,
    required: fields.filter(
      (f) =>
        f.createable &&
        !f.nillable &&
        !f.defaultedOnCreate &&
        f.type !== 'boolean' &&
        f.name !== 'OwnerId',
    ),
    uniqueFields: fields.filter((f) => f.unique),
    addresses,
  };
}

export const SCHEMAS: Readonly<Record<SObjectType, ObjectSchema>> = {
  Account: buildSchema('Account'),
  Contact: buildSchema('Contact'),
  Lead: buildSchema('Lead'),
};

const TYPES_LOWER = new Map(SOBJECT_TYPES.map((t) => [t.toLowerCase(), t]));

/** Resolves an sObject name case-insensitively. */
export function resolveType(name: string): SObjectType | undefined {
  return TYPES_LOWER.get(name.toLowerCase());
}

export function typeForIdPrefix(id: string): SObjectType | undefined {
  const p = id.slice(0, 3);
  return SOBJECT_TYPES.find((t) => SCHEMAS[t].keyPrefix === p);
}

/** Default values Salesforce fills on create (boolean fields false, Lead.Status first value). */
const defaultsCache = new Map<string, Readonly<Record<string, unknown>>>();
export function createDefaults(schema: ObjectSchema): Readonly<Record<string, unknown>> {
  const cached = defaultsCache.get(schema.name);
  if (cached) return cached;
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    if (f.type === 'boolean' && f.name !== 'IsDeleted') out[f.name] = false;
  }
  for (const f of schema.fields) {
    const d = f.picklistValues?.find((p) => p.defaultValue);
    if (d && f.createable) out[f.name] = d.value;
  }
  defaultsCache.set(schema.name, out);
  return out;
}

/** The `describe` response for one sObject (the subset of attributes the reference data has). */
export function describe(schema: ObjectSchema, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${schema.name}`;
  return {
    name: schema.name,
    label: schema.label,
    labelPlural: schema.labelPlural,
    keyPrefix: schema.keyPrefix,
    custom: false,
    createable: true,
    updateable: true,
    deletable: true,
    undeletable: true,
    mergeable: schema.name !== 'Lead' || true,
    queryable: true,
    retrieveable: true,
    searchable: true,
    replicateable: true,
    triggerable: true,
    urls: {
      sobject: base,
      describe: `${base}/describe`,
      rowTemplate: `${base}/{ID}`,
    },
    childRelationships:
      schema.name === 'Account'
        ? [
            {
              childSObject: 'Contact',
              field: 'AccountId',
              relationshipName: 'Contacts',
              cascadeDelete: true,
            },
          ]
        : [],
    recordTypeInfos: [],
    fields: schema.fields.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      soapType: f.soapType ?? 'xsd:string',
      length: f.length ?? 0,
      byteLength: (f.length ?? 0) * 3,
      precision: f.precision ?? 0,
      scale: f.scale ?? 0,
      digits: f.digits ?? 0,
      nillable: f.nillable ?? false,
      createable: f.createable ?? false,
      updateable: f.updateable ?? false,
      defaultedOnCreate: f.defaultedOnCreate ?? false,
      externalId: f.externalId ?? false,
      unique: f.unique ?? false,
      caseSensitive: f.caseSensitive ?? false,
      idLookup: f.idLookup ?? false,
      custom: f.custom ?? false,
      nameField: f.nameField ?? false,
      filterable: f.type !== 'textarea' || (f.length ?? 0) <= 255,
      sortable: f.type !== 'textarea' || (f.length ?? 0) <= 255,
      groupable: f.type !== 'textarea',
      calculated: false,
      autoNumber: false,
      compoundFieldName: f.compoundFieldName ?? null,
      extraTypeInfo: f.extraTypeInfo ?? null,
      referenceTo: f.referenceTo ?? [],
      relationshipName: f.relationshipName ?? null,
      restrictedPicklist: f.restrictedPicklist ?? false,
      picklistValues: (f.picklistValues ?? []).map((p) => ({
        active: true,
        defaultValue: p.defaultValue ?? false,
        label: p.label,
        validFor: null,
        value: p.value,
      })),
    })),
  };
}
