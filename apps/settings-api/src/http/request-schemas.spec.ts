import { describe, expect, it } from '@jest/globals';
import type { ArgumentMetadata } from '@nestjs/common';
import { CreateConnectionBody, PageQuery } from '../connections/connection.schemas.js';
import { AddMappingBody } from '../connections/mappings.schemas.js';
import { PatchSettingsBody, PutSettingsBody } from '../connections/settings.schemas.js';
import { ImportBody, ReplayBody, ResyncBody } from '../jobs/job.schemas.js';
import { ErrorListQuery } from '../status/status.schemas.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.error?.issues.map((i) => i.message) ?? [];

describe('request schemas', () => {
  it('CreateConnectionBody: bounded, strict, and credentials need at least one value', () => {
    expect(CreateConnectionBody.safeParse({ name: 'ACME' }).data).toEqual({
      name: 'ACME',
      hubspot: {},
      salesforce: {},
    });
    expect(CreateConnectionBody.safeParse({ name: 'x', extra: 1 }).success).toBe(false);
    expect(CreateConnectionBody.safeParse({ name: 'x', id: 'a:b' }).success).toBe(false);
    expect(CreateConnectionBody.safeParse({ name: 'x'.repeat(201) }).success).toBe(false);
    expect(
      messages(CreateConnectionBody.safeParse({ name: 'x', hubspot: { credentials: {} } })),
    ).toEqual(['give at least one credential']);
    expect(
      CreateConnectionBody.safeParse({
        name: 'x',
        salesforce: { instanceUrl: 'javascript:alert(1)' },
      }).success,
    ).toBe(false);
  });

  it('settings: PUT needs syncCompanies; neither accepts syncEnabledAt (the server sets it)', () => {
    expect(PutSettingsBody.safeParse({ lifecycleRollup: true }).success).toBe(false);
    expect(PutSettingsBody.safeParse({ syncCompanies: false }).success).toBe(true);
    expect(
      messages(PatchSettingsBody.safeParse({ syncEnabledAt: '2026-01-01T00:00:00Z' })),
    ).toEqual(['Unrecognized key: "syncEnabledAt"']);
    expect(PatchSettingsBody.safeParse({ apiBudget: { hubspotDailyShare: 1.5 } }).success).toBe(
      false,
    );
    expect(PatchSettingsBody.safeParse({ massSyncLimit: 0 }).success).toBe(false);
  });

  it('mappings: value-map keys the sync engine cannot store are refused with a reason', () => {
    const mapping = {
      hubspotProperty: 'industry',
      hubspotType: 'enumeration',
      salesforceField: 'Industry',
      salesforceType: 'picklist',
      rule: 'two_way',
      valueMap: { hubspotToSalesforce: { 'v1.0': 'One' }, salesforceToHubspot: {} },
    };
    expect(messages(AddMappingBody.safeParse({ mapping }))).toEqual([
      'a value-map key cannot contain "." or start with "$" (sync engine storage limit)',
    ]);
    expect(
      AddMappingBody.safeParse({ mapping: { ...mapping, valueMap: undefined } }).data,
    ).toMatchObject({
      applyToExisting: false,
    });
  });

  it('resync: a company filter maps property names to a value or a list of values', () => {
    const filter = (f: unknown) => ResyncBody.safeParse({ kind: 'company_filter', filter: f });
    expect(filter({ city: 'Paris', industry: ['BANKING', 'INSURANCE'] }).success).toBe(true);
    expect(messages(filter({}))).toEqual(['give 1 to 20 properties']);
    expect(messages(filter({ 'City.Name': 'x' }))).toEqual([
      'a HubSpot internal property name: lower-case letters, digits, "_"',
    ]);
    expect(filter({ city: { $ne: null } }).success).toBe(false);
    expect(filter({ city: [] }).success).toBe(false);
    expect(
      ResyncBody.safeParse({ kind: 'companies', companyIds: Array(1001).fill('1') }).success,
    ).toBe(false);
    expect(ResyncBody.safeParse({ kind: 'account', accountId: '001' }).success).toBe(false);
  });

  it('query strings: numbers come as digits only; unknown parameters are refused', () => {
    expect(PageQuery.safeParse({ limit: '20' }).data).toEqual({ limit: 20 });
    expect(PageQuery.safeParse({ limit: ['1', '2'] }).success).toBe(false);
    expect(PageQuery.safeParse({ limit: '1e3' }).success).toBe(false);
    expect(ErrorListQuery.safeParse({ category: 'nope' }).success).toBe(false);
    expect(ErrorListQuery.safeParse({ page: '1' }).success).toBe(false);
  });

  it('import and replay bodies', () => {
    expect(ImportBody.safeParse(undefined).data).toEqual({ object: 'Account' });
    expect(ImportBody.safeParse({ object: 'Lead' }).success).toBe(false);
    expect(ReplayBody.safeParse({ from: 'yesterday', reason: 'x' }).success).toBe(false);
    expect(ReplayBody.safeParse({ from: '2026-01-01T00:00:00Z', reason: '  ' }).success).toBe(
      false,
    );
  });
});

describe('SchemaValidationPipe', () => {
  const pipe = new SchemaValidationPipe();
  const body = (schema: ArgumentMetadata['schema']): ArgumentMetadata => ({
    type: 'body',
    ...(schema ? { schema } : {}),
  });

  it('returns the parsed value', async () => {
    await expect(
      pipe.transform({ limit: '5' }, { type: 'query', schema: PageQuery }),
    ).resolves.toEqual({ limit: 5 });
  });

  it('refuses with 400, where and what, without echoing values', async () => {
    const error = await pipe
      .transform({ name: 'x', hubspot: { portalId: 'secret-ish' } }, body(CreateConnectionBody))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      message: 'Invalid request body: hubspot.portalId: not a HubSpot record id',
      details: {
        issues: [
          { location: 'body', path: 'hubspot.portalId', message: 'not a HubSpot record id' },
        ],
      },
    });
    expect(JSON.stringify(error)).not.toContain('secret-ish');
  });

  it('fails loudly on an argument without a schema (a programming error, never silently unchecked)', async () => {
    await expect(pipe.transform({}, body(undefined))).rejects.toThrow('has no schema');
  });
});
