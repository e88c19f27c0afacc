import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findSecretValues, redactUrl, secret } from '../../adapters/core/index.ts';
import { ADAPTERS } from '../../adapters/registry.ts';
import { configurationView, mergeKeepingSecrets, openConfiguration, sealConfiguration, SECRET_SET } from '../../server/bridge/configuration-secrets.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { maskingErrors, secretStrings } from '../../server/bridge/secret-masking.ts';
import type { Adapter } from '../../adapters/core/index.ts';
import { assertProperty } from '../helpers/property.ts';

const definition = async (system: string) => ADAPTERS.find((a) => a.system === system)!.load();

describe('secret configuration fields', () => {
  it('every adapter declares its configuration schema on its definition', async () => {
    for (const module of ADAPTERS) {
      const d = await module.load();
      expect({ system: module.system, schema: d.configuration instanceof z.ZodType }).toEqual({ system: module.system, schema: true });
    }
  });

  it('a Zapier catch-hook URL in the universal adapter is a declared secret, with or without a query', async () => {
    const { configuration } = await definition('webhooks');
    expect(findSecretValues(configuration, { url: 'https://hooks.zapier.com/hooks/catch/1/abc/?zapier-secret=s3cr3t' })).toEqual([{ path: ['url'], kind: 'secret' }]);
    expect(findSecretValues(configuration, { url: 'https://hooks.zapier.com/hooks/catch/1/abc/' })).toEqual([{ path: ['url'], kind: 'secret' }]);
    expect(findSecretValues(configuration, { direction: 'inbound' })).toEqual([]);
  });

  it('any URL field whose value carries userinfo, a query or a fragment is secret; a bare URL is not', async () => {
    const cases: [string, Record<string, unknown>, string[][]][] = [
      ['stripe', { apiBase: 'https://proxy.example/?api-key=k' }, [['apiBase']]],
      ['stripe', { apiBase: 'https://proxy.example/' }, []],
      ['caldav', { serverUrl: 'https://ana:app-password@caldav.icloud.com/' }, [['serverUrl']]],
      ['caldav', { serverUrl: 'https://caldav.icloud.com/', calendarUrl: 'https://caldav.example/cal/#token' }, [['calendarUrl']]],
      ['paypal', { returnUrl: 'https://site.example/thanks?sig=abc', cancelUrl: 'https://site.example/' }, [['returnUrl']]],
      ['google-calendar', { tokenUrl: 'https://oauth.example/token?key=1' }, [['tokenUrl']]],
      ['twilio', { smsFrom: '+447700900001', apiBase: 'https://u:p@twilio.proxy/' }, [['apiBase']]],
      ['slack', { recipients: { a: 'C0123ABCD' }, apiUrl: 'https://slack.proxy/api/?t=1' }, [['apiUrl']]],
    ];
    for (const [system, value, paths] of cases) {
      const found = findSecretValues((await definition(system)).configuration, value);
      expect({ system, value, paths: found.map((f) => f.path) }).toEqual({ system, value, paths });
      expect(found.every((f) => f.kind === 'url')).toBe(true);
    }
  });

  it('walks records, arrays, unions and wrappers to find secrets', () => {
    const schema = z.object({
      hooks: z.record(z.string(), secret(z.string())).optional(),
      mirrors: z.array(z.url()).default([]),
      auth: z.union([z.object({ token: secret(z.string()) }).strict(), z.object({ user: z.string() }).strict()]).optional(),
      nested: z.object({ key: secret(z.string().min(1)).nullable() }).optional(),
    }).strict();
    const value = { hooks: { a: 'x', b: 'y' }, mirrors: ['https://m.example/', 'https://m.example/?k=1'], auth: { token: 't' }, nested: { key: 'k' } };
    expect(findSecretValues(schema, value)).toEqual([
      { path: ['hooks', 'a'], kind: 'secret' }, { path: ['hooks', 'b'], kind: 'secret' },
      { path: ['mirrors', 1], kind: 'url' }, { path: ['auth', 'token'], kind: 'secret' }, { path: ['nested', 'key'], kind: 'secret' },
    ]);
    expect(findSecretValues(schema, { auth: { user: 'u' }, nested: { key: null } })).toEqual([]);
  });

  it('redacts userinfo, fragment and every query value of a URL, keeping the parameter names', () => {
    expect(redactUrl('https://hooks.zapier.com/hooks/catch/1/abc/?zapier-secret=s3cr3t')).toBe('https://hooks.zapier.com/hooks/catch/1/abc/?zapier-secret=redacted');
    expect(redactUrl('https://ana:pw@caldav.example:8443/dav/?a=1&b=2&a=3#frag')).toBe('https://caldav.example:8443/dav/?a=redacted&b=redacted&a=redacted');
    expect(redactUrl('not a url')).toBeNull();
  });

  it('seals secret values at rest, shows them as { set: true } or a redacted URL, and opens them again', async () => {
    const cipher = createCredentialCipher(crypto.randomBytes(32));
    const plain = { url: 'https://hooks.zapier.com/hooks/catch/1/abc/?zapier-secret=MARK-1', direction: 'outbound' };
    const stored = sealConfiguration(plain, findSecretValues((await definition('webhooks')).configuration, plain), cipher, 'int_1');
    expect(JSON.stringify(stored)).not.toContain('MARK-1');
    expect(JSON.stringify(stored)).not.toContain('hooks.zapier.com');
    expect(configurationView(stored)).toEqual({ url: SECRET_SET, direction: 'outbound' });
    expect(openConfiguration(stored, cipher, 'int_1')).toEqual(plain);
    // Bound to the integration: a sealed value copied to another row does not open.
    expect(() => openConfiguration(stored, cipher, 'int_2')).toThrow();

    const stripe = { apiBase: 'https://proxy.example/v1?api-key=MARK-2', vendorId: 'photo' };
    const sealedStripe = sealConfiguration(stripe, findSecretValues((await definition('stripe')).configuration, stripe), cipher, 'int_3');
    expect(JSON.stringify(sealedStripe)).not.toContain('MARK-2');
    expect(configurationView(sealedStripe)).toEqual({ apiBase: 'https://proxy.example/v1?api-key=redacted', vendorId: 'photo' });
    // Defence in depth: a plain URL with a query (adapter unknown) is redacted when shown.
    expect(configurationView({ legacy: 'https://x.example/?token=MARK-3' })).toEqual({ legacy: 'https://x.example/?token=redacted' });
  });

  it('an update that leaves secrets out, or sends them back as shown, keeps them; null removes; new values replace', () => {
    const current = { url: 'https://hooks.example/?s=1', events: ['timeline.upserted'], direction: 'bidirectional', apiBase: 'https://p.example/?k=2' };
    const shown = { url: SECRET_SET, events: ['timeline.upserted'], direction: 'bidirectional', apiBase: 'https://p.example/?k=redacted' };
    expect(mergeKeepingSecrets(current, { direction: 'outbound' }, shown)).toEqual({ ...current, direction: 'outbound' });
    expect(mergeKeepingSecrets(current, { ...shown, events: null }, shown)).toEqual({ url: current.url, direction: 'bidirectional', apiBase: current.apiBase });
    expect(mergeKeepingSecrets(current, { url: 'https://new.example/' }, shown)).toEqual({ ...current, url: 'https://new.example/' });
  });

  it('sealing then opening is the identity for any configuration, and nothing secret is shown', () => {
    const cipher = createCredentialCipher(crypto.randomBytes(32));
    const schema = z.object({ token: secret(z.string()).optional(), hooks: z.record(z.string(), z.url()).optional(), name: z.string().optional() }).strict();
    const url = fc.webUrl({ withQueryParameters: true, withFragments: true });
    assertProperty(fc.property(fc.record({ token: fc.string(), hooks: fc.dictionary(fc.string({ minLength: 1 }), url), name: fc.string() }, { requiredKeys: [] }), (value) => {
      const stored = sealConfiguration(value, findSecretValues(schema, value), cipher, 'int_p');
      expect(openConfiguration(stored, cipher, 'int_p')).toEqual(value);
      // The oracle reads what is shown by place, not by searching the text: a secret may equal a
      // key or a host name ("name", "http"), and then a text search reports a leak that is not one.
      const shown = configurationView(stored) as { token?: unknown; hooks?: Record<string, string>; name?: string };
      if (value.token !== undefined) expect(shown.token).toEqual(SECRET_SET);
      expect(shown.name).toEqual(value.name);
      for (const [key, u] of Object.entries(value.hooks ?? {})) {
        const plainUrl = new URL(u);
        const carries = plainUrl.username !== '' || plainUrl.password !== '' || plainUrl.search !== '' || plainUrl.hash !== '';
        const seen = shown.hooks![key]!;
        if (!carries) { expect(seen).toEqual(u); continue; }
        const parsed = new URL(seen);
        expect({ username: parsed.username, password: parsed.password, hash: parsed.hash }).toEqual({ username: '', password: '', hash: '' });
        for (const v of parsed.searchParams.values()) expect(v).toEqual('redacted');
        expect([...parsed.searchParams.keys()]).toEqual([...plainUrl.searchParams.keys()]);
      }
      // And a secret that cannot collide with anything else is absent from the text.
      if (value.token !== undefined) {
        const markedValue = { token: `MARK-${value.token}-END` };
        const marked = sealConfiguration(markedValue, findSecretValues(schema, markedValue), cipher, 'int_p');
        expect(JSON.stringify(configurationView(marked))).not.toContain(`MARK-${value.token}-END`);
      }
    }));
  });

  it("an adapter's errors, and their causes, have the integration's secrets masked, whatever method threw", async () => {
    const configuration = { serverUrl: 'https://ana:app-pw-1@caldav.example/dav/?key=k-2' };
    const secrets = secretStrings({ credentials: { password: 'hunter22', nested: ['tok-3333'] }, webhookSecret: 'whsec_abcdefgh', configuration }, findSecretValues((await definition('caldav')).configuration, configuration));
    const quote = `${configuration.serverUrl} hunter22 tok-3333 whsec_abcdefgh ${encodeURIComponent('hunter22')}`;
    const fake = {
      system: 'x', category: 'calendar_system', capabilities: [], fields: {},
      testConnection: () => Promise.reject(new Error(`discovery failed at ${quote}`, { cause: new TypeError(`bad url ${configuration.serverUrl}`) })),
      verifyWebhook: () => { throw new Error(`sync ${quote}`); },
    } as unknown as Adapter;
    const adapter = maskingErrors(fake, secrets);
    const rejected = await adapter.testConnection().then(() => new Error('resolved'), (e: Error) => e);
    for (const text of [rejected.message, (rejected.cause as Error).message, (() => { try { void adapter.verifyWebhook!({} as never); return ''; } catch (e) { return (e as Error).message; } })()]) {
      for (const s of ['app-pw-1', 'k-2', 'hunter22', 'tok-3333', 'whsec_abcdefgh']) expect({ text, s, found: text.includes(s) }).toEqual({ text, s, found: false });
      expect(text).toContain('[redacted]');
    }
    expect(rejected.message).toMatch(/^discovery failed at \[redacted\] /);
  });
});
