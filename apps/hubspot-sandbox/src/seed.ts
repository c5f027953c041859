import type { CrmStore } from './store/crm-store.js';

const PREFIXES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Cyberdyne',
  'Tyrell',
  'Wonka',
  'Aperture',
  'Massive',
  'Dunder',
  'Gringotts',
  'Oscorp',
  'Pied Piper',
  'Monarch',
  'Nakatomi',
  'Blue Sun',
  'Virtucon',
  'Gekko',
  'Sterling',
  'Prestige',
  'Bluth',
  'Duff',
  'Krusty',
  'Ollivander',
  'Zorg',
];
const SUFFIXES = [
  'Labs',
  'Systems',
  'Industries',
  'Group',
  'Analytics',
  'Logistics',
  'Foods',
  'Media',
  'Health',
  'Energy',
  'Partners',
  'Software',
];
const INDUSTRIES = [
  'COMPUTER_SOFTWARE',
  'FOOD_BEVERAGES',
  'HOSPITAL_HEALTH_CARE',
  'LOGISTICS_AND_SUPPLY_CHAIN',
  'OIL_ENERGY',
  'MARKETING_AND_ADVERTISING',
];
const CITIES = ['Boston', 'Berlin', 'Paris', 'London', 'Austin', 'Dublin', 'Sydney', 'Toronto'];
const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
  'Hedy',
  'John',
  'Katherine',
  'Guido',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'McCarthy',
  'Johnson',
  'van Rossum',
];
const STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];

/** mulberry32: a small deterministic PRNG, so the same seed always gives the same portal. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SeedRequest {
  readonly seed: number;
  readonly companies: number;
  readonly contacts: number;
  /** Also give each company a `salesforceaccountid` (`001SEED` + 11 digits), as if already linked. */
  readonly salesforceIds?: boolean;
}

/** Fills the store with generated companies and contacts (contacts associated to companies, as primary). */
export function seed(
  store: CrmStore,
  req: SeedRequest,
): { companies: string[]; contacts: string[] } {
  const rnd = prng(req.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const source = { changeSource: 'IMPORT' };
  const companies: { id: string; domain: string }[] = [];
  for (let i = 0; i < req.companies; i++) {
    const prefix = pick(PREFIXES);
    const suffix = pick(SUFFIXES);
    const domain = `${prefix}${suffix}${i}.example.com`.toLowerCase().replace(/\s+/g, '');
    const values: Record<string, string> = {
      name: `${prefix} ${suffix}${i > PREFIXES.length * SUFFIXES.length ? ` ${i}` : ''}`,
      domain,
      city: pick(CITIES),
      industry: pick(INDUSTRIES),
      numberofemployees: String(1 + Math.floor(rnd() * 5000)),
      lifecyclestage: pick(STAGES),
    };
    if (req.salesforceIds === true)
      values['salesforceaccountid'] = `001SEED${String(i).padStart(11, '0')}`;
    const c = store.create('companies', values, source);
    companies.push({ id: c.id, domain });
  }
  const contacts: string[] = [];
  for (let i = 0; i < req.contacts; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const company = companies.length > 0 ? pick(companies) : undefined;
    const domain = company?.domain ?? 'example.org';
    const c = store.create(
      'contacts',
      {
        firstname: first,
        lastname: last,
        email: `${first}.${last}.${i}@${domain}`.toLowerCase().replace(/\s+/g, ''),
        lifecyclestage: pick(STAGES),
      },
      source,
    );
    if (company !== undefined)
      store.associate('contacts', c.id, 'companies', company.id, [1, 279], source);
    contacts.push(c.id);
  }
  return { companies: companies.map((c) => c.id), contacts };
}
