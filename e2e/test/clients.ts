/** Thin HTTP clients for the e2e tests: the settings API as a user, both CRMs as their users. */
import { SANDBOX_HUBSPOT } from '@crm-sync/testing';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly body: T;
}

async function call<T>(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<HttpResult<T>> {
  const send = () =>
    fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  let res = await send();
  // The test shares the CRMs' rate limits (e.g. HubSpot search, 5/s) with the connectors: a
  // person would try again a moment later too.
  for (let attempt = 1; res.status === 429 && attempt <= 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    res = await send();
  }
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** The settings API with an API key. */
export function settingsApi(baseUrl: string, key: string) {
  const auth = { authorization: `Bearer ${key}` };
  return {
    get: <T = Record<string, unknown>>(path: string) => call<T>(baseUrl + path, { headers: auth }),
    send: <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
      call<T>(baseUrl + path, { method, headers: auth, body }),
  };
}

/** Salesforce REST as a person using the org (no `Sforce-Call-Options`: not one of our writes). */
export async function salesforce(baseUrl: string) {
  const res = await fetch(`${baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'sandbox-client-id',
      client_secret: 'sandbox-client-secret',
    }),
  });
  const { access_token: accessToken, instance_url: instance } = (await res.json()) as {
    access_token: string;
    instance_url: string;
  };
  const auth = { authorization: `Bearer ${accessToken}` };
  const data = `${instance}/services/data/v62.0`;
  return {
    create: async (sobject: string, fields: Record<string, unknown>) => {
      const r = await call<{ id: string; success: boolean }>(`${data}/sobjects/${sobject}`, {
        method: 'POST',
        headers: auth,
        body: fields,
      });
      if (r.status !== 201)
        throw new Error(`create ${sobject}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    update: async (sobject: string, id: string, fields: Record<string, unknown>) => {
      const r = await call(`${data}/sobjects/${sobject}/${id}`, {
        method: 'PATCH',
        headers: auth,
        body: fields,
      });
      if (r.status >= 300)
        throw new Error(`update ${sobject}: ${r.status} ${JSON.stringify(r.body)}`);
    },
    query: async <T>(soql: string) =>
      (
        await call<{ records: T[] }>(`${data}/query?q=${encodeURIComponent(soql)}`, {
          headers: auth,
        })
      ).body.records,
  };
}

/**
 * HubSpot CRM v3 as a person using the portal: with a token of no app (`changeSource: API`, no
 * `sourceId`), so the connector takes their writes for news, not for its own.
 */
export function hubspot(baseUrl: string, token: string = SANDBOX_HUBSPOT.userToken) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    createCompany: async (properties: Record<string, string>) =>
      (
        await call<{ id: string }>(`${baseUrl}/crm/v3/objects/companies`, {
          method: 'POST',
          headers: auth,
          body: { properties },
        })
      ).body.id,
    createContact: async (properties: Record<string, string>, companyId?: string) => {
      const id = (
        await call<{ id: string }>(`${baseUrl}/crm/v3/objects/contacts`, {
          method: 'POST',
          headers: auth,
          body: { properties },
        })
      ).body.id;
      if (companyId) {
        const r = await call(
          `${baseUrl}/crm/v4/objects/contacts/${id}/associations/default/companies/${companyId}`,
          { method: 'PUT', headers: auth },
        );
        if (r.status >= 300) throw new Error(`associate: ${r.status} ${JSON.stringify(r.body)}`);
      }
      return id;
    },
    updateContact: async (id: string, properties: Record<string, string>) => {
      await call(`${baseUrl}/crm/v3/objects/contacts/${id}`, {
        method: 'PATCH',
        headers: auth,
        body: { properties },
      });
    },
    company: async (id: string, properties = ['name', 'lifecyclestage', 'salesforceaccountid']) =>
      (
        await call<{ properties: Record<string, string | null> }>(
          `${baseUrl}/crm/v3/objects/companies/${id}?properties=${properties.join(',')}`,
          { headers: auth },
        )
      ).body,
    companiesWithAccount: async (accountId: string) =>
      (
        await call<{ results: { id: string; properties: Record<string, string | null> }[] }>(
          `${baseUrl}/crm/v3/objects/companies/search`,
          {
            method: 'POST',
            headers: auth,
            body: {
              filterGroups: [
                {
                  filters: [
                    { propertyName: 'salesforceaccountid', operator: 'EQ', value: accountId },
                  ],
                },
              ],
              properties: ['name', 'salesforceaccountid', 'lifecyclestage'],
            },
          },
        )
      ).body.results,
  };
}
