import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../adapters/registry.ts';
import { adaptersUsed, catalog, type CatalogEntry } from '../../adapters/catalog.ts';
import { ADAPTER_SCHEMAS } from '../../adapters/catalog-forms.ts';
import { catalogTable } from '../../adapters/catalog-doc.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { signedIn } from '../helpers/people.ts';

const root = new URL('../../', import.meta.url);

/** The systems the brief names (/work/shared/brief: VendorSystemType comments, CRMType, CommunicationChannel, CalendarType), by catalogue id. */
const BRIEF = [
  'vsco-workspace', 'studio-ninja', 'sprout-studio', 'pixieset', 'honeybook', 'dubsado', '17hats', 'shootq', 'iris-works',
  'event-temple', 'planning-pod', 'catertrax', 'gather', 'flowermate', 'team-flower', 'aisle-planner', 'the-knot-pro',
  'acuity', 'calendly', 'stripe', 'square', 'paypal', 'slack', 'teams', 'email', 'sms', 'whatsapp',
  'google-calendar', 'outlook', 'apple-calendar', 'ical',
];

describe('catalogue of every system the brief names', () => {
  it('the endpoint answers every system to a signed-in person, with a form whose secrets are flagged', async () => {
    const t = await startTestServer();
    expect((await t.fetch('/api/integrations/catalog')).status).toBe(401);
    expect((await t.fetch('/api/integrations/catalog', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    for (const role of ['viewer', 'vendor', 'planner'] as const) {
      const res = await t.fetch('/api/integrations/catalog', { token: await t.token(role, ['w1'], role === 'vendor' ? { vendorId: 'photo' } : {}) });
      expect({ role, status: res.status }).toEqual({ role, status: 200 });
    }
    const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
    const res = await pat.fetch('/api/integrations/catalog');
    expect(res.status).toBe(200);
    const { systems } = (await res.json()) as { systems: CatalogEntry[] };
    const ids = systems.map((s) => s.id);
    expect(BRIEF.filter((id) => !ids.includes(id))).toEqual([]);
    for (const id of BRIEF) expect({ id, brief: systems.find((s) => s.id === id)!.brief }).toEqual({ id, brief: true });
    expect(new Set(ids).size).toBe(ids.length);

    for (const s of systems) {
      expect({ id: s.id, connects: s.connects.length > 0, tests: s.tests.length > 0 }).toEqual({ id: s.id, connects: true, tests: true });
      expect({ id: s.id, says: s.inbound.length + s.outbound.length > 0 }).toEqual({ id: s.id, says: true });
      expect({ id: s.id, cannot: s.cannot.every((c) => c.length > 10) && s.cannot.length > 0 }).toEqual({ id: s.id, cannot: true });
      expect({ id: s.id, form: s.form !== null && s.form.fields.length > 0 }).toEqual({ id: s.id, form: true });
      const form = s.form!;
      // What is pasted is flagged: every credential, and secret configuration such as a catch-hook URL.
      for (const f of form.fields.filter((f) => f.in === 'credentials')) expect({ id: s.id, field: f.name, secret: f.secret }).toEqual({ id: s.id, field: f.name, secret: true });
      if (form.auth === 'oauth') expect({ id: s.id, provider: form.oauthProvider, endpoint: form.endpoint }).toEqual({ id: s.id, provider: s.id === 'outlook' ? 'microsoft' : 'google', endpoint: 'POST /api/connections/oauth/{provider}/start' });
    }
    const by = (id: string) => systems.find((s) => s.id === id)!.form!;
    expect(by('stripe').fields.find((f) => f.name === 'secretKey')).toMatchObject({ in: 'credentials', secret: true, required: true });
    expect(by('stripe').fields.filter((f) => f.in === 'configuration' && f.secret)).toEqual([]);
    expect(by('honeybook')).toMatchObject({ system: 'preset', auth: 'secret_url', fixed: { configuration: { preset: 'honeybook' } } });
    // The server makes the secret URL token at connect: the form never asks for it.
    expect(by('honeybook').fields.some((f) => f.name === 'secretUrlToken')).toBe(false);
    expect(by('webhooks').fields.some((f) => f.name === 'secretUrlToken')).toBe(false);
    // Nor the previous signing secret and its end, which only a rotation sets.
    for (const system of ['webhooks', 'honeybook']) expect(by(system).fields.filter((f) => f.name.startsWith('previousWebhookSecret'))).toEqual([]);
    expect(by('honeybook').fields.find((f) => f.name === 'url')).toMatchObject({ in: 'configuration', secret: true });
    expect(by('honeybook').fields.some((f) => f.name === 'preset')).toBe(false);
    expect((by('honeybook').schemas.configuration as { properties: Record<string, { writeOnly?: boolean }> }).properties.secretUrlToken!.writeOnly).toBe(true);
    expect(by('vsco-workspace').fields.filter((f) => f.in === 'credentials').map((f) => [f.name, f.alternative])).toEqual([['apiKey', 0], ['accessToken', 1]]);
    expect(by('google-calendar').fields.some((f) => f.in === 'credentials')).toBe(false);
    expect(by('apple-calendar')).toMatchObject({ system: 'caldav', auth: 'basic' });
    expect(by('ical')).toMatchObject({ endpoint: 'POST /api/calendar/feeds', auth: 'secret_url' });
  });

  it('every listed test file exists, and every adapter and preset of the repository is in the catalogue', async () => {
    const entries = catalog();
    const missing = entries.flatMap((e) => e.tests.filter((p) => !existsSync(new URL(p, root))).map((p) => `${e.id}: ${p}`));
    expect(missing).toEqual([]);
    const used = new Set(entries.flatMap(adaptersUsed));
    expect(ADAPTERS.map((a) => a.system).filter((s) => !used.has(s))).toEqual([]);
    const presets = readdirSync(new URL('adapters/presets/', root)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    const presetIds = new Set(entries.flatMap((e) => e.connects.flatMap((c) => ('preset' in c ? [c.preset] : []))));
    expect(presets.filter((p) => !presetIds.has(p))).toEqual([]);
    // The forms are derived from the schemas the adapters themselves validate with.
    for (const a of ADAPTERS) {
      const definition = await a.load();
      expect({ system: a.system, same: ADAPTER_SCHEMAS[a.system]?.configuration === definition.configuration }).toEqual({ system: a.system, same: true });
    }
  });

  it('docs/integrations.md holds the table generated from the catalogue, listing every entry', () => {
    const doc = readFileSync(new URL('docs/integrations.md', root), 'utf8');
    expect(doc).toContain('## Every system the brief names');
    expect(doc).toContain(catalogTable());
    for (const e of catalog()) expect(doc).toContain(`| \`${e.id}\` | ${e.name}`);
  });
});
