import { normaliseWebsiteHost, type HubSpotProperties } from '@crm-sync/domain';

/** A company's hosts for R4 step 2: primary `domain` and `hs_additional_domains` (`;`-separated). */
export function companyHosts(properties: HubSpotProperties): string[] {
  const raw = [
    properties['domain'] ?? '',
    ...(properties['hs_additional_domains'] ?? '').split(';'),
  ];
  return [
    ...new Set(raw.map((d) => normaliseWebsiteHost(d)).filter((h): h is string => h !== null)),
  ];
}
