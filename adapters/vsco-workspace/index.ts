import {
  AdapterError, ReadBackCache, parseAdapterConfig,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type OutboundChange,
  type PullOptions, type PullPage, type WebhookRequest, type WebhookVerdict, testedRemote,
} from '../core/index.ts';
import { positionAt, positioned } from '../core/snapshot-position.ts';
import { VscoClient } from './client.ts';
import { VSCO_HOOK_EVENTS, VscoConfiguration, VscoCredentials } from './config.ts';
import { VSCO_FIELDS, coupleNames, galleryNotice, mapJob, mapPayment, mapSession, sessionTimes, zoneOf } from './mappers.ts';
import type { VscoContact, VscoEvent, VscoGallery, VscoJob, VscoJobContact, VscoList, VscoOrder, VscoPayment, VscoRestHook } from './wire.ts';
import { tokenMatches } from '../core/secret-token.ts';
import { hookToken, parseHookDelivery, type HookDelivery } from './hooks.ts';

export const SYSTEM = 'vsco-workspace';

interface VscoState {
  hooks?: Record<string, string>;
  /**
   * Sessions we wrote, to be read again: `from` the earliest `modified` VSCO answered our writes with
   * (its clock, ms), until a pull begun after `answeredAt` (the hub's clock, ms) has read from there.
   */
  reread?: { from: number; answeredAt: number };
}

/**
 * VSCO Workspace (formerly Táve) as a studio's CRM: one connection serves every wedding the
 * studio shoots. Inbound: REST hooks (`job.created`, `order.booked`, `payment.created`; a delivery
 * names the target only, so `verifyWebhook` reads the target back and keeps the mapped records in
 * the adapter state for `parseWebhook`) and a scheduled pull of jobs, sessions, payments and
 * galleries changed since the cursor (sessions and galleries have no hooks). Each record carries
 * its job id as `reference`: a job stands for a wedding. Outbound: a linked session's start and
 * end follow the wedding's timeline event (`PUT /event/{id}`). See README.md.
 */
export function createVscoAdapter(input: AdapterInput): Adapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', VscoConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', VscoCredentials, input.credentials);
  const { runtime } = input;
  const client = new VscoClient(config.apiBaseUrl, credentials, runtime.fetch);
  const readBacks = new ReadBackCache(runtime.state);
  const outbound = config.direction === 'bidirectional';
  const capabilities: Capability[] = ['webhook', 'pull', ...(outbound ? ['push' as const] : [])];
  const state = () => runtime.state.get() as VscoState;
  const token = hookToken(runtime.webhookSecret);
  const hookUrl = () => {
    const url = new URL(runtime.webhookUrl);
    url.searchParams.set('token', token);
    return url.toString();
  };

  /** A 404 on a read-back: the target was deleted since the hook fired. */
  const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
    try {
      return await p;
    } catch (error) {
      if (error instanceof AdapterError && error.extra.status === 404) return null;
      throw error;
    }
  };

  async function couple(jobId: string): Promise<string> {
    const list = await orNull(client.get<VscoList<VscoJobContact>>(`/job/${encodeURIComponent(jobId)}/contact`));
    const contacts = Array.isArray(list?.items) ? list.items : [];
    const filled = await Promise.all(contacts.map(async (c) => (c.contact ? c : { ...c, contact: await orNull(client.get<VscoContact>(`/address-book/${encodeURIComponent(c.contactId)}`)) })));
    return coupleNames(filled);
  }

  const wanted = (job: VscoJob) => !job.stage || (config.stages as readonly string[]).includes(job.stage);

  async function jobChanges(job: VscoJob): Promise<InboundChange[]> {
    return wanted(job) ? mapJob(job, await couple(job.id), config.timeZone) : [];
  }

  /** What a hook delivery stands for, read back from VSCO. */
  async function readBack(d: HookDelivery): Promise<{ changes: InboundChange[] } | { ignore: string; notice?: string }> {
    const id = encodeURIComponent(d.targetId);
    switch (d.event) {
      case 'job.created': {
        const job = await orNull(client.get<VscoJob>(`/job/${id}`));
        if (!job) return { ignore: 'job no longer exists', notice: `job ${d.targetId} of a job.created hook no longer exists` };
        const changes = await jobChanges(job);
        return changes.length ? { changes } : { ignore: `job stage ${job.stage} is not synced` };
      }
      case 'order.booked': {
        const order = await orNull(client.get<VscoOrder>(`/order/${id}`));
        const job = order?.jobId ? await orNull(client.get<VscoJob>(`/job/${encodeURIComponent(order.jobId)}`)) : null;
        if (!job) return { ignore: 'order of no job' };
        const changes = await jobChanges(job);
        return changes.length ? { changes } : { ignore: `job stage ${job.stage} is not synced` };
      }
      case 'payment.created': {
        const payment = await orNull(client.get<VscoPayment>(`/payment/${id}`));
        const change = payment ? mapPayment(payment, config.vendorId) : null;
        return change ? { changes: [change] } : { ignore: 'payment of no job' };
      }
      default:
        // contact.created: a contact alone is no wedding; it reaches one with its job (job.created).
        return { ignore: `${d.event} carries nothing a wedding holds` };
    }
  }

  return {
    system: SYSTEM,
    category: 'photography_crm',
    capabilities,
    fields: VSCO_FIELDS,

    async testConnection() {
      const studio = await client.get<{ id?: string | number; name?: string }>('/studio/me');
      return studio.id === undefined ? undefined : testedRemote(String(studio.id), studio.name);
    },

    async verifyWebhook(request: WebhookRequest): Promise<WebhookVerdict> {
      // VSCO does not sign hook deliveries: the URL it was given carries a secret token.
      let given: string | null = null;
      try {
        given = new URL(request.url).searchParams.get('token');
      } catch { /* an unreadable URL has no token */ }
      if (!tokenMatches(given, token)) return { ok: false, code: 'signature_invalid', message: 'the hook URL\'s token is missing or wrong' };
      const delivery = parseHookDelivery(request.rawBody);
      if (!delivery) return { ok: false, code: 'invalid_payload', message: 'not a VSCO Workspace REST hook delivery: an event and a target id are needed' };
      // A failed read-back throws: answered 5xx, and VSCO delivers again.
      const found = await readBack(delivery);
      if ('ignore' in found) {
        return {
          ok: true, eventId: delivery.eventId, ignore: true, ...(found.notice ? { notice: found.notice } : {}),
          reply: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, ignored: found.ignore }) },
        };
      }
      readBacks.set(delivery.eventId, found.changes);
      return { ok: true, eventId: delivery.eventId };
    },

    parseWebhook(request: WebhookRequest) {
      const delivery = parseHookDelivery(request.rawBody);
      const changes = delivery ? readBacks.get(delivery.eventId) : undefined;
      return changes ? { changes } : { changes: [], pull: true };
    },

    async pull({ cursor, full }: PullOptions): Promise<PullPage> {
      const began = runtime.now();
      const reread = state().reread;
      const since = full || !cursor ? null : Date.parse(cursor);
      // A read of a session taken before our write is skipped (older than the write), and the cursor
      // may pass the write: the sessions we wrote are read again from the write on (see push).
      const stopAt = since !== null && Number.isFinite(since) ? Math.min(since, reread?.from ?? Infinity) : null;
      const opts = { pageSize: config.pageSize, stopAt };
      const [jobs, events, payments, galleries] = [
        await client.list<VscoJob>('/job', opts),
        await client.list<VscoEvent>('/event', opts),
        await client.list<VscoPayment>('/payment', opts),
        await client.list<VscoGallery>('/gallery', opts),
      ];
      const changes: InboundChange[] = [];
      for (const job of jobs) changes.push(...await jobChanges(job));
      for (const e of events) {
        const c = mapSession(e, config.timeZone);
        // VSCO's `modified` orders a session's snapshots (a read taken before our write is older than it).
        if (c) changes.push(positioned(c, Date.parse(e.modified ?? '')));
      }
      for (const p of payments) {
        const c = mapPayment(p, config.vendorId);
        if (c) changes.push(c);
      }
      for (const g of galleries) {
        const notice = galleryNotice(g);
        if (notice) changes.push(notice);
      }
      // The newest change VSCO reported (its clock, not ours): the next pull starts there.
      const newest = [...jobs, ...events, ...payments, ...galleries].map((x) => Date.parse(x.modified ?? '')).filter(Number.isFinite);
      const next = newest.length ? new Date(Math.max(...newest, stopAt ?? 0)).toISOString() : cursor;
      const now = state().reread;
      if (reread && now && now.from === reread.from && now.answeredAt === reread.answeredAt && began > reread.answeredAt) {
        runtime.state.set({ ...runtime.state.get(), reread: undefined });
      }
      return { changes, cursor: next, more: false };
    },

    accepts(change: OutboundChange) {
      return outbound && change.entity === 'timeline' && change.op === 'upsert' && !!change.externalId && !!change.data;
    },

    async push(change: OutboundChange) {
      if (!(outbound && change.entity === 'timeline' && change.op === 'upsert' && change.externalId && change.data)) return { externalId: change.externalId };
      const id = encodeURIComponent(change.externalId);
      const session = await client.get<VscoEvent>(`/event/${id}`);
      const times = sessionTimes(change.data, zoneOf(session, config.timeZone));
      if (!times) throw new AdapterError('invalid_payload', `timeline event ${change.entityId} has no readable start and end`);
      // PUT /event/{id} (updateResourceEvent) takes the fields it is given; only the times are sent.
      const written = await client.request<VscoEvent>('PUT', `/event/${id}`, session.allDay ? { ...times, allDay: false } : times);
      // The session as the write left it (its `modified`): a read taken before it is skipped when
      // applied after it. What that read held beyond our times (a renamed session) is read again by
      // the next pull begun after now, from the write's `modified` on, whatever the cursor says.
      const modified = Date.parse(written?.modified ?? '');
      if (Number.isFinite(modified)) {
        const before = state().reread;
        runtime.state.set({ ...runtime.state.get(), reread: { from: Math.min(before?.from ?? Infinity, modified), answeredAt: runtime.now() } });
      }
      return { externalId: change.externalId, ...positionAt(modified) };
    },

    async activate() {
      if (!config.registerHooks) return;
      const url = hookUrl();
      const existing = await client.list<VscoRestHook & { modified?: string }>('/rest-hook', { pageSize: config.pageSize });
      const hooks: Record<string, string> = { ...state().hooks };
      for (const event of VSCO_HOOK_EVENTS) {
        const same = existing.find((h) => h.event === event && h.url === url);
        if (same) {
          hooks[event] = same.id;
          continue;
        }
        const made = await client.request<VscoRestHook>('POST', '/rest-hook', { event, url });
        hooks[event] = made.id;
      }
      runtime.state.set({ ...runtime.state.get(), hooks });
    },

    async deactivate() {
      const hooks = state().hooks ?? {};
      for (const id of Object.values(hooks)) {
        try {
          await client.request('DELETE', `/rest-hook/${encodeURIComponent(id)}`);
        } catch (error) {
          if (!(error instanceof AdapterError && (error.extra.status === 404 || error.code === 'gone'))) throw error;
        }
      }
      runtime.state.set({ ...runtime.state.get(), hooks: {} });
    },
  };
}

export const vscoWorkspaceAdapter: AdapterDefinition = {
  namesRemote: true,
  system: SYSTEM,
  category: 'photography_crm',
  capabilities: ['webhook', 'pull', 'push'],
  description: 'VSCO Workspace (formerly Táve): jobs become weddings (couple, date, guest count), sessions the timeline, payments the budget; moved sessions are written back.',
  configuration: VscoConfiguration,
  create: createVscoAdapter,
  servesManyWeddings: true,
  fields: VSCO_FIELDS,
};
