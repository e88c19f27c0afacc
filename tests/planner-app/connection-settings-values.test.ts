import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../adapters/catalog.ts';
import { fieldKey } from '../../client/app/src/catalog/form-fields.ts';
import { changedSettings, formOfConnection, objectPatch, settingsFields, storedValues } from '../../client/app/src/connections/settings-values.ts';
import { mergeKeepingSecrets } from '../../server/bridge/configuration-secrets.ts';
import { assertProperty } from '../helpers/property.ts';

const entries = catalog();
const formOf = (system: string, configuration: Record<string, unknown> = {}) => formOfConnection(entries, system, configuration)!;

describe('a connection’s settings form', () => {
  it('is its system’s connect form, a preset’s by its fixed id; the vendor, fixed values and issued secrets are not settings', () => {
    expect(formOf('calendly').system).toBe('calendly');
    expect(formOf('preset', { preset: 'honeybook' }).fixed).toEqual({ configuration: { preset: 'honeybook' } });
    expect(formOf('preset', { preset: 'dubsado' }).fixed).toEqual({ configuration: { preset: 'dubsado' } });
    expect(formOfConnection(entries, 'no-such-system', {})).toBeNull();

    const names = (system: string, configuration: Record<string, unknown> = {}) => settingsFields(formOf(system, configuration)).map(fieldKey);
    // A pasted key can be replaced; the vendor is chosen per wedding when binding.
    expect(names('calendly')).toContain('credentials.accessToken');
    expect(names('calendly')).not.toContain('configuration.vendorId');
    // A webhook signing secret is not pasted over (the server refuses one set by hand).
    expect(names('stripe')).toContain('credentials.secretKey');
    expect(names('stripe')).not.toContain('credentials.webhookSecret');
    // OAuth: the provider issues the credentials. Webhooks and presets: the secrets are ours, rotated by their own buttons.
    expect(names('google-calendar').filter((k) => k.startsWith('credentials.'))).toEqual([]);
    expect(names('webhooks').filter((k) => k.startsWith('credentials.'))).toEqual([]);
    expect(names('preset', { preset: 'honeybook' })).not.toContain('configuration.preset');
    for (const system of ['webhooks', 'preset']) {
      expect(names(system, { preset: 'honeybook' }).filter((k) => /secretUrlToken|previousWebhookSecret/.test(k))).toEqual([]);
    }
  });

  it('sends only what changed: an emptied setting as null (its default again), an emptied secret not at all, a number parsed', () => {
    const fields = settingsFields(formOf('calendly'));
    const stored = { apiBase: 'http://127.0.0.1:9/', pastDays: 30, registerWebhook: true };
    const initial = storedValues(fields, stored);
    // A saved address starts blank (kept when left so): the server shows it with its secret parts taken out.
    expect(initial).toMatchObject({ 'configuration.apiBase': '', 'configuration.pastDays': '30', 'configuration.registerWebhook': true, 'credentials.accessToken': '' });
    expect(changedSettings(fields, initial, initial)).toEqual({ ok: true, patch: { configuration: {}, credentials: {} } });
    const edited = { ...initial, 'configuration.pastDays': '', 'configuration.toleranceSeconds': '300', 'configuration.registerWebhook': false, 'credentials.accessToken': 'pat_new_token' };
    expect(changedSettings(fields, initial, edited)).toEqual({ ok: true, patch: { configuration: { pastDays: null, toleranceSeconds: 300, registerWebhook: false }, credentials: { accessToken: 'pat_new_token' } } });
    // A key typed and then emptied again keeps the saved one.
    expect(changedSettings(fields, initial, { ...initial, 'credentials.accessToken': '  ' })).toEqual({ ok: true, patch: { configuration: {}, credentials: {} } });
    expect(changedSettings(fields, initial, { ...initial, 'configuration.pastDays': 'a week' })).toEqual({ ok: false, errors: { 'configuration.pastDays': 'Enter a number.' } });
  });

  it('shows every saved address blank, kept unless a whole new one is typed (the server shows it without user, password, query values or fragment)', () => {
    const fields = settingsFields(formOf('calendly'));
    const apiBase = fields.find((f) => f.name === 'apiBase')!;
    for (const shown of ['https://proxy.example.com/calendly?key=redacted', 'https://dav.example.com/cal/', 'https://proxy.example.com/calendly']) {
      const initial = storedValues(fields, { apiBase: shown });
      expect(initial[fieldKey(apiBase)]).toBe('');
      expect(changedSettings(fields, initial, initial)).toEqual({ ok: true, patch: { configuration: {}, credentials: {} } });
      expect(changedSettings(fields, initial, { ...initial, [fieldKey(apiBase)]: 'https://proxy.example.com/v2?key=abc' })).toMatchObject({ ok: true, patch: { configuration: { apiBase: 'https://proxy.example.com/v2?key=abc' } } });
    }
    const hooks = settingsFields(formOf('webhooks'));
    const url = hooks.find((f) => f.name === 'url')!;
    expect(url.secret).toBe(true);
    expect(storedValues(hooks, { url: 'https://hooks.example.com/in' })[fieldKey(url)]).toBe('');
  });

  it('an object setting with keys taken out sends them as null, so the stored object loses them (the server merges objects, RFC 7396)', () => {
    const fields = settingsFields(formOf('calendly'));
    const strategies = fields.find((f) => f.name === 'conflictStrategies')!;
    const initial = storedValues(fields, { conflictStrategies: { timeline: 'manual', payments: 'ours' } });
    const edited = { ...initial, [fieldKey(strategies)]: '{"timeline": "theirs"}' };
    expect(changedSettings(fields, initial, edited)).toEqual({ ok: true, patch: { configuration: { conflictStrategies: { timeline: 'theirs', payments: null } }, credentials: {} } });
    expect(objectPatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 1 } })).toEqual({ a: { c: null }, d: null });
  });

  it('round trip: whatever is stored and however it is edited, the merge patch sent makes the stored settings what the form shows', () => {
    const fields = settingsFields(formOf('calendly')).filter((f) => f.in === 'configuration' && !f.secret && f.format !== 'uri');
    const setting = fc.record({
      referenceQuestion: fc.option(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== ''), { nil: undefined }),
      pastDays: fc.option(fc.integer({ min: 0, max: 3650 }), { nil: undefined }),
      scope: fc.option(fc.constantFrom('user', 'organization'), { nil: undefined }),
      registerWebhook: fc.option(fc.boolean(), { nil: undefined }),
      conflictStrategies: fc.option(fc.dictionary(fc.constantFrom('timeline', 'payments', 'vendors', 'meta'), fc.oneof(fc.constantFrom('manual', 'ours', 'theirs'), fc.dictionary(fc.constantFrom('start', 'end'), fc.constantFrom('ours', 'theirs'), { minKeys: 1 })), { minKeys: 1 }), { nil: undefined }),
    }, { requiredKeys: [] });
    const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    assertProperty(fc.property(setting, setting, (before, after) => {
      const stored = defined(before);
      const initial = storedValues(fields, stored);
      const wanted = storedValues(fields, defined(after));
      // Booleans left unset show their default: what is wanted of them is what the form shows.
      const changed = changedSettings(fields, initial, wanted);
      expect(changed.ok).toBe(true);
      if (!changed.ok) return;
      // Applied as the server applies a PATCH (its merge keeping secrets; none here).
      // (An object's keys may come in another order: compared as values.)
      const asValues = (v: Record<string, unknown>) => ({ ...v, 'configuration.conflictStrategies': v['configuration.conflictStrategies'] ? JSON.parse(String(v['configuration.conflictStrategies'])) : '' });
      expect(asValues(storedValues(fields, mergeKeepingSecrets(stored, changed.patch.configuration, stored)))).toEqual(asValues(wanted));
    }));
  });
});
