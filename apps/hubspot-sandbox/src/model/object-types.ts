/** The CRM object types the sandbox emulates, with HubSpot's ids and default returned properties. */
export type ObjectType = 'companies' | 'contacts';

export const OBJECT_TYPE_IDS: Readonly<Record<ObjectType, string>> = {
  contacts: '0-1',
  companies: '0-2',
};

/** HubSpot accepts plural names, singular names and object type ids in paths. */
export function parseObjectType(raw: string): ObjectType | undefined {
  switch (raw.toLowerCase()) {
    case 'companies':
    case 'company':
    case '0-2':
      return 'companies';
    case 'contacts':
    case 'contact':
    case '0-1':
      return 'contacts';
    default:
      return undefined;
  }
}

/** Singular form used in webhook subscription types (`company.creation`) and v3 association types. */
export const SINGULAR: Readonly<Record<ObjectType, 'company' | 'contact'>> = {
  companies: 'company',
  contacts: 'contact',
};

/** Properties returned when a read names none (HubSpot's documented defaults). */
export const DEFAULT_READ_PROPERTIES: Readonly<Record<ObjectType, readonly string[]>> = {
  companies: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  contacts: ['firstname', 'lastname', 'email', 'createdate', 'lastmodifieddate', 'hs_object_id'],
};

/** Always-returned system properties when a read names its properties. */
export const ALWAYS_RETURNED = ['createdate', 'hs_lastmodifieddate', 'hs_object_id'] as const;

/** Properties searched by a free-text `query` (HubSpot's default searchable properties). */
export const QUERY_PROPERTIES: Readonly<Record<ObjectType, readonly string[]>> = {
  companies: ['name', 'domain', 'website', 'phone'],
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
};
