import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../adapters/catalog.ts';
import { fieldKey, fieldLabel, initialValues, issuesAtFields, requestParts } from '../../client/app/src/catalog/form-fields.ts';
import { matchesSearch, matchRank } from '../../client/app/src/catalog/catalog-api.ts';
import { assertProperty } from '../helpers/property.ts';

const calendly = catalog().find((e) => e.id === 'calendly')!.form!;

describe('connect forms generated from the catalogue', () => {
  it('labels every field of every form in words, with the acronyms people write', () => {
    expect(fieldLabel('apiBaseUrl')).toBe('API base URL');
    expect(fieldLabel('accessToken')).toBe('Access token');
    expect(fieldLabel('calendarId')).toBe('Calendar ID');
    for (const entry of catalog()) for (const f of entry.form?.fields ?? []) expect(fieldLabel(f.name), `${entry.id}.${f.name}`).toMatch(/^[A-Z][^_A-Z]*(?:[A-Z]+[^_A-Z]*)*$/);
  });

  it('sends what was filled in by type, leaves empty inputs out, and refuses JSON that does not parse at its field', () => {
    const values = { ...initialValues(calendly.fields), 'credentials.accessToken': ' tok_123456789 ', 'configuration.pastDays': '7', 'configuration.registerWebhook': false, 'configuration.conflictStrategies': '{"timeline":"manual"}' };
    const parts = requestParts(calendly.fields, values);
    expect(parts).toEqual({ ok: true, credentials: { accessToken: 'tok_123456789' }, configuration: { pastDays: 7, registerWebhook: false, conflictStrategies: { timeline: 'manual' } }, body: {} });
    expect(requestParts(calendly.fields, { ...values, 'configuration.conflictStrategies': '{nope' })).toEqual({ ok: false, errors: { 'configuration.conflictStrategies': 'Enter a JSON object, e.g. {"key": "value"}.' } });
    // A preset's id is sent as it is fixed.
    const honeybook = catalog().find((e) => e.id === 'honeybook')!.form!;
    expect(requestParts(honeybook.fields, initialValues(honeybook.fields), honeybook.fixed?.configuration)).toMatchObject({ ok: true, configuration: { preset: 'honeybook' } });
  });

  it('any JSON object typed into an object field is sent as that object (round trip)', () => {
    const field = calendly.fields.find((f) => f.name === 'conflictStrategies')!;
    assertProperty(fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue()), (value) => {
      const parts = requestParts([field], { [fieldKey(field)]: JSON.stringify(value) });
      expect(parts.ok && parts.configuration.conflictStrategies).toEqual(JSON.parse(JSON.stringify(value)));
    }));
  });

  it('puts the server’s issues at their fields, in plain words, and keeps the rest apart', () => {
    const at = issuesAtFields(calendly.fields, { issues: [
      { path: 'credentials.accessToken', message: 'Too small: expected string to have >=8 characters' },
      { path: 'configuration.scope', message: 'Invalid option: expected one of "user"|"organization"' },
      { path: 'configuration.conflictStrategies.timeline', message: 'Invalid option' },
      { path: 'workspaceId', message: 'Required' },
    ] });
    expect(at.byField).toEqual({
      'credentials.accessToken': 'Too short: at least 8 characters.',
      'configuration.scope': 'Invalid option: expected one of "user"|"organization".',
      'configuration.conflictStrategies': 'Invalid option.',
    });
    expect(at.rest).toEqual(['workspaceId: Required']);
    expect(issuesAtFields(calendly.fields, undefined)).toEqual({ byField: {}, rest: [] });
  });

  it('search finds systems by name, other names and category, names first', () => {
    const systems = catalog();
    const found = (q: string) => systems.filter((s) => matchesSearch(s, q)).sort((a, b) => matchRank(a, q) - matchRank(b, q)).map((s) => s.id);
    expect(found('tave')).toEqual(['vsco-workspace']);
    expect(found('calend')[0]).toBe('calendly');
    expect(found('payments').sort()).toEqual(['paypal', 'square', 'stripe']);
    expect(found('')).toHaveLength(systems.length);
  });
});
