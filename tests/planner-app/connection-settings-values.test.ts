import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../adapters/catalog.ts';
import { fieldKey } from '../../client/app/src/catalog/form-fields.ts';
import { changedSettings, formOfConnection, settingsFields, storedValues } from '../../client/app/src/connections/settings-values.ts';
import { mergePatch } from '../../server/bridge/connection-values.ts';
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
    expect(initial).toMatchObject({ 'configuration.apiBase': 'http://127.0.0.1:9/', 'configuration.pastDays': '30', 'configuration.registerWebhook': true, 'credentials.accessToken': '' });
    expect(changedSettings(fields, initial, initial)).toEqual({ ok: true, patch: { configuration: {}, credentials: {} } });
    const edited = { ...initial, 'configuration.pastDays': '', 'configuration.toleranceSeconds': '300', 'configuration.registerWebhook': false, 'credentials.accessToken': 'pat_new_token' };
    expect(changedSettings(fields, initial, edited)).toEqual({ ok: true, patch: { configuration: { pastDays: null, toleranceSeconds: 300, registerWebhook: false }, credentials: { accessToken: 'pat_new_token' } } });
    // A key typed and then emptied again keeps the saved one.
    expect(changedSettings(fields, initial, { ...initial, 'credentials.accessToken': '  ' })).toEqual({ ok: true, patch: { configuration: {}, credentials: {} } });
    expect(changedSettings(fields, initial, { ...initial, 'configuration.pastDays': 'a week' })).toEqual({ ok: false, errors: { 'configuration.pastDays': 'Enter a number.' } });
  });

  it('shows an address saved with a secret in it blank (editing the redacted text would store the word), and keeps it unless a whole new one is typed', () => {
    const fields = settingsFields(formOf('calendly'));
    const apiBase = fields.find((f) => f.name === 'apiBase')!;
    // An API base with a key in its query: the server shows it redacted.
    const initial = storedValues(fields, { apiBase: 'https://proxy.example.com/calendly?key=redacted' });
    expect(initial[fieldKey(apiBase)]).toBe('');
    expect(changedSettings(fields, initial, initial)).toEqual({ ok: true, patch: { configuration: {}, credentials: {} } });
    expect(changedSettings(fields, initial, { ...initial, [fieldKey(apiBase)]: 'https://proxy.example.com/v2?key=abc' })).toMatchObject({ ok: true, patch: { configuration: { apiBase: 'https://proxy.example.com/v2?key=abc' } } });
    // An address with nothing secret is shown as it is; a declared secret address (the webhooks destination) always blank.
    expect(storedValues(fields, { apiBase: 'https://proxy.example.com/calendly' })[fieldKey(apiBase)]).toBe('https://proxy.example.com/calendly');
    const hooks = settingsFields(formOf('webhooks'));
    const url = hooks.find((f) => f.name === 'url')!;
    expect(url.secret).toBe(true);
    expect(storedValues(hooks, { url: 'https://hooks.example.com/in' })[fieldKey(url)]).toBe('');
  });

  it('round trip: whatever is stored and however it is edited, the merge patch sent makes the stored settings what the form shows', () => {
    const fields = settingsFields(formOf('calendly')).filter((f) => f.in === 'configuration' && !f.secret);
    const setting = fc.record({
      referenceQuestion: fc.option(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== ''), { nil: undefined }),
      pastDays: fc.option(fc.integer({ min: 0, max: 3650 }), { nil: undefined }),
      scope: fc.option(fc.constantFrom('user', 'organization'), { nil: undefined }),
      registerWebhook: fc.option(fc.boolean(), { nil: undefined }),
      conflictStrategies: fc.option(fc.constant({ timeline: 'manual' }), { nil: undefined }),
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
      expect(storedValues(fields, mergePatch(stored, changed.patch.configuration))).toEqual(wanted);
    }));
  });
});
