import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../adapters/catalog.ts';
import { z } from 'zod';
import { fieldKey, fieldLabel, initialValues, issuesAtFields, plainIssue, requestParts, vendorRecords } from '../../client/app/src/catalog/form-fields.ts';
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

  it('says what each calendar\'s import and direction choices mean, not only their defaults', () => {
    for (const id of ['google-calendar', 'outlook', 'apple-calendar']) {
      const fields = catalog().find((e) => e.id === id)!.form!.fields;
      const importEvents = fields.find((f) => f.name === 'importEvents')!;
      expect(importEvents, id).toMatchObject({ default: 'linked', enum: ['linked', 'all'] });
      expect(importEvents.description, id).toMatch(/^linked: .*busy time; all: every event in the calendar comes in/);
      expect(fields.find((f) => f.name === 'syncDirection')!.description, id).toMatch(/^bidirectional: .*; outbound: .*; inbound: /);
    }
  });

  it('names what a binding\'s vendor owns by what the system brings: a calendar\'s events, a processor\'s payments, a CRM\'s payments and bookings, nothing for a lead source', () => {
    const of = (id: string) => vendorRecords(catalog().find((e) => e.id === id)!);
    expect(of('google-calendar')).toBe('events');
    expect(of('outlook')).toBe('events');
    expect(of('stripe')).toBe('payments');
    expect(of('vsco-workspace')).toBe('payments and bookings');
    expect(of('calendly')).toBe('bookings');
    expect(of('webhooks')).toBe('payments and timeline events');
    // Pixieset connects through a Google Calendar feed (its CSV import brings payments, not this form).
    expect(of('pixieset')).toBe('events');
    expect(of('the-knot-pro')).toBeNull();
    // Of the forms that ask for a vendor, only a lead source's brings nothing the vendor owns.
    const asking = catalog().filter((e) => e.form?.fields.some((f) => f.in === 'configuration' && f.name === 'vendorId'));
    expect(asking.length).toBeGreaterThan(10);
    expect(asking.filter((e) => vendorRecords(e) === null).map((e) => e.id)).toEqual(['the-knot-pro']);
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
      'configuration.scope': 'Choose one of: user, organization.',
      'configuration.conflictStrategies': 'Invalid option.',
    });
    expect(at.rest).toEqual(['workspaceId: Required']);
    expect(issuesAtFields(calendly.fields, undefined)).toEqual({ byField: {}, rest: [] });
  });

  it('words each kind of zod refusal a form can meet as a person would, from zod’s own messages', () => {
    const said = (schema: z.ZodType, value: unknown) => plainIssue(schema.safeParse(value).error!.issues[0]!.message);
    expect(said(z.number().min(30), 5)).toBe('At least 30.');
    expect(said(z.number().int().min(0).max(3650), 4000)).toBe('At most 3650.');
    expect(said(z.number().gt(0), 0)).toBe('More than 0.');
    expect(said(z.number().lt(1), 1)).toBe('Less than 1.');
    expect(said(z.number().int(), 1.5)).toBe('Enter a whole number.');
    expect(said(z.number(), 'ten')).toBe('Enter a number.');
    expect(said(z.string(), 5)).toBe('Enter text.');
    expect(said(z.boolean(), 'yes')).toBe('Choose yes or no.');
    expect(said(z.string().min(8), 'short')).toBe('Too short: at least 8 characters.');
    expect(said(z.string().min(1), '')).toBe('Too short: at least 1 character.');
    expect(said(z.string().max(100), 'x'.repeat(101))).toBe('Too long: at most 100 characters.');
    expect(said(z.array(z.string()).max(2), ['a', 'b', 'c'])).toBe('Too many: at most 2 items.');
    expect(said(z.array(z.string()).min(1), [])).toBe('Too few: at least 1 item.');
    expect(said(z.enum(['user', 'organization']), 'team')).toBe('Choose one of: user, organization.');
    expect(said(z.url(), 'kew barn')).toBe('Enter a full web address (https://…).');
    expect(said(z.email(), 'alex')).toBe('Enter an e-mail address (name@example.com).');
    expect(said(z.string().regex(/^[a-z]+$/), 'A1')).toBe('This is not in the expected form.');
    expect(said(z.object({ a: z.string() }), {})).toBe('This is required.');
    // No bound of any size reaches a person as zod's symbols.
    assertProperty(fc.property(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom('min', 'max', 'gt', 'lt'), (n, bound) => {
      const schema = bound === 'min' ? z.number().min(n) : bound === 'max' ? z.number().max(n) : bound === 'gt' ? z.number().gt(n) : z.number().lt(n);
      const bad = bound === 'min' || bound === 'gt' ? n - 1 : n + 1;
      expect(said(schema, bad)).toMatch(/^(At least|At most|More than|Less than) -?\d+\.$/);
    }));
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
