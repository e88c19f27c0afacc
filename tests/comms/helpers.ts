import type { ConnectResult, ContactInput, VendorInput, WeddingMetaPatch } from '../../schema/index.ts';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { SlackSandbox } from '../../adapters/slack/sandbox.ts';
import { TeamsSandbox } from '../../adapters/teams/sandbox.ts';
import { TwilioSandbox } from '../../adapters/twilio/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import type { TestServer } from '../helpers/test-server.ts';

export interface CommsSandboxes {
  smtp: SmtpSandbox;
  twilio: TwilioSandbox;
  slack: SlackSandbox;
  teams: TeamsSandbox;
}

/** The four messaging sandboxes, stopped at teardown. */
export async function startCommsSandboxes(): Promise<CommsSandboxes> {
  const [smtp, twilio, slack, teams] = await Promise.all([new SmtpSandbox().start(), new TwilioSandbox().start(), new SlackSandbox().start(), new TeamsSandbox().start()]);
  registerTeardown(() => Promise.all([smtp.stop(), twilio.stop(), slack.stop(), teams.stop()]));
  return { smtp, twilio, slack, teams };
}

/** What these helpers need of a server: its HTTP API (and, for seeding, a client connection). */
type Api = Pick<TestServer, 'fetch'>;

/** `POST /api/integrations/vendor/connect` as a user would, failing the test on anything but 201. */
export async function connectIntegration(t: Api, token: string, body: { weddingId: string; system: string; vendorId?: string; credentials?: Record<string, unknown>; configuration?: Record<string, unknown> }): Promise<ConnectResult> {
  const res = await t.fetch('/api/integrations/vendor/connect', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credentials: {}, configuration: {}, ...body }) });
  if (res.status !== 201) throw new Error(`connect ${body.system} failed: ${res.status} ${await res.text()}`);
  return await res.json() as ConnectResult;
}

export const SMS_FROM = '+447700900001';
export const WHATSAPP_FROM = '+447700900002';

/**
 * Connects e-mail, SMS/WhatsApp, Slack and Teams for a wedding, pointed at the sandboxes.
 * `slackChannels` and `teamsFlows` map people to where they watch (created in the sandboxes here).
 */
export async function connectMessaging(t: Api, token: string, weddingId: string, sb: CommsSandboxes, people: { slack?: string[]; teams?: string[] } = {}): Promise<{ email: ConnectResult; twilio: ConnectResult; slack: ConnectResult | null; teams: ConnectResult | null; slackChannel: Record<string, string>; teamsFlow: Record<string, string> }> {
  const email = await connectIntegration(t, token, { weddingId, system: 'email', configuration: { host: '127.0.0.1', port: sb.smtp.port, tls: 'none', from: { name: 'Ana & Ben', address: 'wedding@example.com' } } });
  const twilio = await connectIntegration(t, token, {
    weddingId, system: 'twilio', credentials: { accountSid: sb.twilio.accountSid, authToken: sb.twilio.authToken },
    configuration: { apiBase: sb.twilio.url, smsFrom: SMS_FROM, whatsappFrom: WHATSAPP_FROM, defaultCountryCode: '44' },
  });
  const slackChannel: Record<string, string> = {};
  for (const id of people.slack ?? []) slackChannel[id] = sb.slack.addChannel();
  const slack = people.slack?.length
    ? await connectIntegration(t, token, { weddingId, system: 'slack', credentials: { botToken: sb.slack.token }, configuration: { apiUrl: sb.slack.apiUrl, recipients: slackChannel } })
    : null;
  const teamsFlow: Record<string, string> = {};
  const teamsUrls: Record<string, string> = {};
  for (const id of people.teams ?? []) {
    const flow = sb.teams.createWorkflow();
    teamsFlow[id] = flow.id;
    teamsUrls[id] = flow.url;
  }
  const teams = people.teams?.length ? await connectIntegration(t, token, { weddingId, system: 'teams', credentials: { webhookUrls: teamsUrls } }) : null;
  return { email, twilio, slack, teams, slackChannel, teamsFlow };
}

/** Writes vendors, contacts and meta through a connected client, as the planner app would, and waits until the server has them. */
export async function seedWedding(t: Pick<TestServer, 'connect'>, token: string, weddingId: string, seed: { meta?: WeddingMetaPatch; vendors?: VendorInput[]; contacts?: ContactInput[] }): Promise<void> {
  const client = await t.connect(weddingId, token);
  await client.whenSynced();
  client.doc.transact(() => {
    if (seed.meta) client.doc.setMeta(seed.meta);
    for (const v of seed.vendors ?? []) client.doc.upsertVendor(v);
    for (const c of seed.contacts ?? []) client.doc.upsertContact(c);
  });
  await client.whenAcknowledged();
  await client.destroy();
}

/** JSON POST with a token; returns status and parsed body. */
export async function postJson<T = unknown>(t: Api, path: string, token: string | null, body: unknown): Promise<{ status: number; body: T }> {
  const res = await t.fetch(path, { method: 'POST', ...(token ? { token } : {}), headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function getJson<T = unknown>(t: Api, path: string, token: string): Promise<{ status: number; body: T }> {
  const res = await t.fetch(path, { token, headers: { accept: 'application/json' } });
  return { status: res.status, body: await res.json() as T };
}

/** `PUT /api/weddings/:id/notifications/settings`: what the wedding does with automatic messages. */
export async function setNotificationMode(t: Api, token: string, weddingId: string, mode: 'off' | 'ask' | 'automatic'): Promise<void> {
  const res = await t.fetch(`/api/weddings/${weddingId}/notifications/settings`, { method: 'PUT', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
  if (res.status !== 200) throw new Error(`setting notifications to ${mode} failed: ${res.status} ${await res.text()}`);
}
