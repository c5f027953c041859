import { SCHEMAS } from './schema.js';
import type { Store } from './store.js';

/** What to generate. All output is a pure function of `seed` (and the clock, for timestamps). */
export interface SeedOptions {
  readonly seed?: number;
  readonly accounts?: number;
  readonly contacts?: number;
  readonly leads?: number;
  /** Share of contacts with no AccountId (private contacts). Default 0.2. */
  readonly privateContactRatio?: number;
  /** Every generated record gets this CreatedDate/LastModifiedDate/SystemModstamp (ISO datetime). */
  readonly sharedModstamp?: string;
  /** Fill Account.HubSpot_Company_Id__c with a numeric id. Default false. */
  readonly withHubSpotIds?: boolean;
}

export interface SeedResult {
  accounts: number;
  contacts: number;
  leads: number;
  firstAccountId?: string | undefined;
  lastAccountId?: string | undefined;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJ = [
  'Blue',
  'Northern',
  'Silver',
  'Bright',
  'Summit',
  'Pioneer',
  'Evergreen',
  'Granite',
  'Harbor',
  'Crescent',
  'Atlas',
  'Vertex',
  'Golden',
  'Redwood',
  'Coastal',
  'Prairie',
  'Ironclad',
  'Lumen',
  'Nimbus',
  'Orchid',
  'Quantum',
  'Riverside',
  'Sterling',
  'Tidewater',
  'Union',
  'Vanguard',
  'Westfield',
  'Keystone',
  'Meridian',
  'Falcon',
];
const NOUN = [
  'Analytics',
  'Logistics',
  'Foods',
  'Robotics',
  'Health',
  'Capital',
  'Energy',
  'Media',
  'Labs',
  'Networks',
  'Apparel',
  'Motors',
  'Pharma',
  'Software',
  'Outfitters',
  'Dynamics',
  'Partners',
  'Systems',
  'Biotech',
  'Freight',
  'Studios',
  'Materials',
  'Insurance',
  'Textiles',
  'Solar',
  'Brewing',
  'Aerospace',
  'Consulting',
  'Hospitality',
  'Retail',
];
const SUFFIX = ['Inc.', 'LLC', 'Corp.', 'Group', 'Ltd.', 'Co.', 'GmbH', 'Holdings', 'PLC', 'SA'];
const TLD = ['com', 'io', 'net', 'co', 'org', 'de', 'co.uk'];
const CITIES: [string, string, string][] = [
  ['San Francisco', 'CA', 'United States'],
  ['New York', 'NY', 'United States'],
  ['Austin', 'TX', 'United States'],
  ['Chicago', 'IL', 'United States'],
  ['Seattle', 'WA', 'United States'],
  ['Boston', 'MA', 'United States'],
  ['Denver', 'CO', 'United States'],
  ['Atlanta', 'GA', 'United States'],
  ['Toronto', 'ON', 'Canada'],
  ['Vancouver', 'BC', 'Canada'],
  ['London', 'England', 'United Kingdom'],
  ['Manchester', 'England', 'United Kingdom'],
  ['Berlin', 'Berlin', 'Germany'],
  ['Munich', 'Bavaria', 'Germany'],
  ['Paris', 'Île-de-France', 'France'],
  ['Sydney', 'NSW', 'Australia'],
];
const FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Carlos',
  'Aiko',
  'Priya',
  'Wei',
  'Fatima',
  'Lars',
  'Sofia',
  'Mateo',
  'Chloe',
  'Noah',
  'Amara',
  'Yusuf',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Nakamura',
  'Patel',
  'Chen',
  'Okafor',
  'Schmidt',
  'Rossi',
  'Dubois',
  'Kowalski',
];
const TITLES = [
  'CEO',
  'CFO',
  'VP Sales',
  'Head of Marketing',
  'Procurement Manager',
  'Engineer',
  'Account Executive',
  'Operations Director',
  'IT Manager',
  'Office Manager',
];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'icloud.com'];

const picklist = (type: 'Account' | 'Contact' | 'Lead', field: string): string[] =>
  (SCHEMAS[type].byLower.get(field.toLowerCase())?.picklistValues ?? []).map((p) => p.value);

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** Generates accounts, then contacts (most linked to an account, some private), then leads. No change events. */
export function seed(store: Store, options: SeedOptions): SeedResult {
  const r = rng(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => {
    const x = xs[Math.floor(r() * xs.length)];
    if (x === undefined) throw new Error('seed: nothing to pick from an empty list');
    return x;
  };
  const shared =
    options.sharedModstamp !== undefined ? Date.parse(options.sharedModstamp) : undefined;
  if (shared !== undefined && Number.isNaN(shared))
    throw new Error('sharedModstamp must be an ISO-8601 datetime');
  const now = store.clock.now();
  const nAcc = options.accounts ?? 0;
  const nCon = options.contacts ?? 0;
  const nLead = options.leads ?? 0;
  const total = nAcc + nCon + nLead;
  // Without a shared stamp, records are spread one second apart, ending now.
  let k = 0;
  const at = () => shared ?? now - (total - ++k) * 1000;
  const industries = picklist('Account', 'Industry');
  const types = picklist('Account', 'Type');
  const sources = picklist('Account', 'AccountSource');
  const combos = ADJ.length * NOUN.length * SUFFIX.length;
  const accounts: { id: string; domain: string }[] = [];
  const result: SeedResult = { accounts: nAcc, contacts: nCon, leads: nLead };
  for (let i = 0; i < nAcc; i++) {
    const base = `${pick(ADJ)} ${pick(NOUN)}`;
    const name = `${base} ${pick(SUFFIX)}${i >= combos ? ` ${Math.floor(i / combos) + 1}` : ''}`;
    const domain = `${slug(base)}${i >= combos / 4 ? i : ''}.${pick(TLD)}`;
    const [city, state, country] = pick(CITIES);
    const rec = store.insertRaw(
      'Account',
      {
        Name: name,
        Website: `https://www.${domain}`,
        Industry: pick(industries),
        Type: pick(types),
        AccountSource: pick(sources),
        Phone: `+1 ${200 + Math.floor(r() * 800)} 555 ${String(Math.floor(r() * 10000)).padStart(4, '0')}`,
        BillingStreet: `${1 + Math.floor(r() * 9999)} ${pick(LAST)} Street`,
        BillingCity: city,
        BillingState: state,
        BillingPostalCode: String(10000 + Math.floor(r() * 89999)),
        BillingCountry: country,
        NumberOfEmployees: 1 + Math.floor(r() ** 3 * 50000),
        AnnualRevenue: Math.round(r() ** 2 * 5e8),
        ...(options.withHubSpotIds ? { HubSpot_Company_Id__c: String(9_000_000_000 + i) } : {}),
      },
      at(),
    );
    accounts.push({ id: rec['Id'] as string, domain });
  }
  result.firstAccountId = accounts[0]?.id;
  result.lastAccountId = accounts.at(-1)?.id;
  const privateRatio = options.privateContactRatio ?? 0.2;
  const salutations = picklist('Contact', 'Salutation');
  const leadSources = picklist('Contact', 'LeadSource');
  for (let i = 0; i < nCon; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const account = accounts.length > 0 && r() >= privateRatio ? pick(accounts) : undefined;
    const [city, state, country] = pick(CITIES);
    store.insertRaw(
      'Contact',
      {
        Salutation: pick(salutations),
        FirstName: first,
        LastName: last,
        Email: `${slug(first)}.${slug(last)}${i}@${account ? account.domain : pick(DOMAINS)}`,
        Title: pick(TITLES),
        Phone: `+1 ${200 + Math.floor(r() * 800)} 555 ${String(Math.floor(r() * 10000)).padStart(4, '0')}`,
        MailingCity: city,
        MailingState: state,
        MailingCountry: country,
        LeadSource: pick(leadSources),
        ...(account ? { AccountId: account.id } : {}),
      },
      at(),
    );
  }
  const statuses = picklist('Lead', 'Status');
  const leadIndustries = picklist('Lead', 'Industry');
  for (let i = 0; i < nLead; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const company = `${pick(ADJ)} ${pick(NOUN)} ${pick(SUFFIX)}`;
    const [city, state, country] = pick(CITIES);
    store.insertRaw(
      'Lead',
      {
        FirstName: first,
        LastName: last,
        Company: company,
        Email: `${slug(first)}.${slug(last)}${i}@${slug(company)}.com`,
        Status: pick(statuses),
        Industry: pick(leadIndustries),
        LeadSource: pick(picklist('Lead', 'LeadSource')),
        City: city,
        State: state,
        Country: country,
        Website: `https://www.${slug(company)}.com`,
      },
      at(),
    );
  }
  return result;
}
