import type { FieldMapping, ValueMap } from '../contracts/mappings.js';

/**
 * HubSpot `industry` (147 options) → Salesforce `Industry` (32 values), fields.json. Only values
 * with an obvious counterpart are mapped; the rest stay unmapped on purpose and become recorded
 * property-value errors, so a user adds the entry they want instead of us guessing.
 */
const HUBSPOT_TO_SALESFORCE_INDUSTRY: Readonly<Record<string, string>> = {
  // identical labels
  BANKING: 'Banking',
  BIOTECHNOLOGY: 'Biotechnology',
  CHEMICALS: 'Chemicals',
  CONSTRUCTION: 'Construction',
  ENTERTAINMENT: 'Entertainment',
  HOSPITALITY: 'Hospitality',
  INSURANCE: 'Insurance',
  MACHINERY: 'Machinery',
  RETAIL: 'Retail',
  TELECOMMUNICATIONS: 'Telecommunications',
  UTILITIES: 'Utilities',
  // a narrower HubSpot industry inside a broader Salesforce one
  FARMING: 'Agriculture',
  RANCHING: 'Agriculture',
  APPAREL_FASHION: 'Apparel',
  MANAGEMENT_CONSULTING: 'Consulting',
  EDUCATION_MANAGEMENT: 'Education',
  HIGHER_EDUCATION: 'Education',
  PRIMARY_SECONDARY_EDUCATION: 'Education',
  E_LEARNING: 'Education',
  ELECTRICAL_ELECTRONIC_MANUFACTURING: 'Electronics',
  CONSUMER_ELECTRONICS: 'Electronics',
  SEMICONDUCTORS: 'Electronics',
  OIL_ENERGY: 'Energy',
  CIVIL_ENGINEERING: 'Engineering',
  MECHANICAL_OR_INDUSTRIAL_ENGINEERING: 'Engineering',
  ENVIRONMENTAL_SERVICES: 'Environmental',
  FINANCIAL_SERVICES: 'Finance',
  CAPITAL_MARKETS: 'Finance',
  INVESTMENT_BANKING: 'Finance',
  INVESTMENT_MANAGEMENT: 'Finance',
  VENTURE_CAPITAL_PRIVATE_EQUITY: 'Finance',
  FOOD_BEVERAGES: 'Food & Beverage',
  FOOD_PRODUCTION: 'Food & Beverage',
  GOVERNMENT_ADMINISTRATION: 'Government',
  HOSPITAL_HEALTH_CARE: 'Healthcare',
  MEDICAL_PRACTICE: 'Healthcare',
  MENTAL_HEALTH_CARE: 'Healthcare',
  MEDIA_PRODUCTION: 'Media',
  BROADCAST_MEDIA: 'Media',
  ONLINE_MEDIA: 'Media',
  NEWSPAPERS: 'Media',
  NON_PROFIT_ORGANIZATION_MANAGEMENT: 'Not For Profit',
  RECREATIONAL_FACILITIES_AND_SERVICES: 'Recreation',
  PACKAGE_FREIGHT_DELIVERY: 'Shipping',
  INFORMATION_TECHNOLOGY_AND_SERVICES: 'Technology',
  COMPUTER_SOFTWARE: 'Technology',
  COMPUTER_HARDWARE: 'Technology',
  COMPUTER_NETWORKING: 'Technology',
  COMPUTER_NETWORK_SECURITY: 'Technology',
  INTERNET: 'Technology',
  WIRELESS: 'Telecommunications',
  TRANSPORTATION_TRUCKING_RAILROAD: 'Transportation',
  AIRLINES_AVIATION: 'Transportation',
};

/**
 * Salesforce `Industry` → one HubSpot option each. `Communications`, `Manufacturing` and `Other`
 * have no obvious single HubSpot option (HubSpot has no "Other" industry) and stay unmapped.
 */
const SALESFORCE_TO_HUBSPOT_INDUSTRY: Readonly<Record<string, string>> = {
  Agriculture: 'FARMING',
  Apparel: 'APPAREL_FASHION',
  Banking: 'BANKING',
  Biotechnology: 'BIOTECHNOLOGY',
  Chemicals: 'CHEMICALS',
  Construction: 'CONSTRUCTION',
  Consulting: 'MANAGEMENT_CONSULTING',
  Education: 'EDUCATION_MANAGEMENT',
  Electronics: 'ELECTRICAL_ELECTRONIC_MANUFACTURING',
  Energy: 'OIL_ENERGY',
  Engineering: 'MECHANICAL_OR_INDUSTRIAL_ENGINEERING',
  Entertainment: 'ENTERTAINMENT',
  Environmental: 'ENVIRONMENTAL_SERVICES',
  Finance: 'FINANCIAL_SERVICES',
  'Food & Beverage': 'FOOD_BEVERAGES',
  Government: 'GOVERNMENT_ADMINISTRATION',
  Healthcare: 'HOSPITAL_HEALTH_CARE',
  Hospitality: 'HOSPITALITY',
  Insurance: 'INSURANCE',
  Machinery: 'MACHINERY',
  Media: 'MEDIA_PRODUCTION',
  'Not For Profit': 'NON_PROFIT_ORGANIZATION_MANAGEMENT',
  Recreation: 'RECREATIONAL_FACILITIES_AND_SERVICES',
  Retail: 'RETAIL',
  Shipping: 'PACKAGE_FREIGHT_DELIVERY',
  Technology: 'INFORMATION_TECHNOLOGY_AND_SERVICES',
  Telecommunications: 'TELECOMMUNICATIONS',
  Transportation: 'TRANSPORTATION_TRUCKING_RAILROAD',
  Utilities: 'UTILITIES',
};

export const DEFAULT_INDUSTRY_VALUE_MAP: ValueMap = {
  hubspotToSalesforce: HUBSPOT_TO_SALESFORCE_INDUSTRY,
  salesforceToHubspot: SALESFORCE_TO_HUBSPOT_INDUSTRY,
};

/**
 * The mappings a new connection starts with (SPEC R9), types from fields.json. Rules default to
 * `prefer_salesforce_unless_blank`, HubSpot's own default for account fields.
 */
export const DEFAULT_FIELD_MAPPINGS: readonly FieldMapping[] = [
  {
    hubspotProperty: 'name',
    hubspotType: 'string',
    salesforceField: 'Name',
    salesforceType: 'string',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'domain',
    hubspotType: 'string',
    salesforceField: 'Website',
    salesforceType: 'url',
    rule: 'prefer_salesforce_unless_blank',
    transform: 'url_host',
  },
  {
    hubspotProperty: 'phone',
    hubspotType: 'string',
    salesforceField: 'Phone',
    salesforceType: 'phone',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'address',
    hubspotType: 'string',
    salesforceField: 'BillingStreet',
    salesforceType: 'textarea',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'city',
    hubspotType: 'string',
    salesforceField: 'BillingCity',
    salesforceType: 'string',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'state',
    hubspotType: 'string',
    salesforceField: 'BillingState',
    salesforceType: 'string',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'zip',
    hubspotType: 'string',
    salesforceField: 'BillingPostalCode',
    salesforceType: 'string',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'country',
    hubspotType: 'string',
    salesforceField: 'BillingCountry',
    salesforceType: 'string',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'industry',
    hubspotType: 'enumeration',
    salesforceField: 'Industry',
    salesforceType: 'picklist',
    rule: 'prefer_salesforce_unless_blank',
    valueMap: DEFAULT_INDUSTRY_VALUE_MAP,
  },
  {
    hubspotProperty: 'numberofemployees',
    hubspotType: 'number',
    salesforceField: 'NumberOfEmployees',
    salesforceType: 'int',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'annualrevenue',
    hubspotType: 'number',
    salesforceField: 'AnnualRevenue',
    salesforceType: 'currency',
    rule: 'prefer_salesforce_unless_blank',
  },
  {
    hubspotProperty: 'description',
    hubspotType: 'string',
    salesforceField: 'Description',
    salesforceType: 'textarea',
    rule: 'prefer_salesforce_unless_blank',
  },
];
