import { AUTOMATIC_SENDER_ID, WeddingDoc, systemOrigin, type Message } from '../../schema/index.ts';
import { ORIGIN_REASONS, type CommsContext } from './comms-context.ts';
import type { CommsWrites } from './comms-writes.ts';
import type { CommsJobs, Job } from './job-runs.ts';
import type { MessageWriter } from './message-writer.ts';
import type { ComposedNotification, NotificationRecords } from './notification-store.ts';
import { dedupeByAddress, findPerson, isBooked, type Person } from './recipients.ts';
import { clipWithEllipsis } from '../../schema/document/text.ts';
import { ensurePeopleContacts, removedContactsContext, type RemovedPerson, type WeddingPerson } from './wedding-people.ts';

/** One change worth telling people about, composed from the document as it stands when its batch is due. */
export interface NotificationItem {
  /** Everyone the change concerns. Vendors that are not booked are dropped afterwards, for every kind. */
  recipients: Person[];
  subject: string;
  body: string;
  type: string;
  priority: Message['priority'];
  /** Why it is sent, and why to these people: written to the log with the message (`context.reason`). */
  reason: string;
  context?: Record<string, string>;
}

/** A kind of automatic message: how to compose it, and how two changes of one key fold together. */
export interface NotificationKind<P> {
  /** The item for the document as it is now, or null when there is nothing to say any more. */
  compose(w: WeddingDoc, payload: P): NotificationItem | null;
  /** Folds a newer change into an older one of the same key (e.g. keep the older "was" value). @default the newer one */
  merge?(older: P, newer: P): P;
  /**
   * Roles whose people on the wedding (its workspace's planners, participants who joined as planner
   * or couple) become contacts before the kind composes, as for a message to those roles
   * (wedding-people.ts): a kind addressed to "the couple and the planners" then reaches those who
   * only joined through the app. @default none
   */
  people?: readonly WeddingPerson['role'][];
}

interface BatchItem { kind: string; key: string; payload: unknown }
interface BatchPayload { items: BatchItem[] }

export const NOTIFY_BATCH_KIND = 'notify.batch';
const CONTEXT_MAX = 300;
const PRIORITY_RANK: Record<Message['priority'], number> = { low: 0, normal: 1, high: 2, urgent: 3 };

const clip = clipWithEllipsis;

/**
 * Automatic messages: what the server tells people on its own (cascades, payment notices,
 * reminders). The promises:
 * - nothing goes to a vendor that is not booked, and each kind names only the people its change
 *   concerns (see cascades.ts and the payment coordinator);
 * - changes are gathered per wedding in one durable job, written in the transaction of the change,
 *   and composed once no further change came for the quiet period (at most the maximum delay after
 *   the first), so a burst of edits is one message per person, with the final values;
 * - each person gets one message per batch with every item that concerns them, and each address
 *   once (entries that share an e-mail or phone are merged);
 * - the wedding's mode decides what happens then: `off` nothing, `ask` a pending message a planner
 *   sends or discards, `automatic` a message in the wedding's log, with its reason, sent at once.
 */
export class Notifier {
  private readonly kinds = new Map<string, NotificationKind<unknown>>();

  constructor(private readonly ctx: CommsContext, private readonly jobs: CommsJobs, private readonly store: NotificationRecords, private readonly writer: MessageWriter) {
    jobs.register(NOTIFY_BATCH_KIND, (job) => this.flush(job as Job<BatchPayload>));
  }

  /**
   * Registers a kind. A job of the kind's name (a scheduled reminder, or a notification job written
   * before batching existed) joins the wedding's batch when it is due.
   */
  register<P>(kind: string, definition: NotificationKind<P>): void {
    this.kinds.set(kind, definition as NotificationKind<unknown>);
    this.jobs.register(kind, (job) => this.ctx.changes.alone((writes) => this.collect(writes, job.weddingId, kind, `job:${job.id}`, job.payload as P)));
  }

  /**
   * Adds a change to the wedding's batch, through `writes` (a document listener's: it is stored in
   * the change's durable transaction), unless the wedding's notifications are off. Changes with
   * the same `key` fold into one. Throws when `kind` is not registered.
   */
  collect<P>(writes: CommsWrites, weddingId: string, kind: string, key: string, payload: P): void {
    if (!this.kinds.has(kind)) throw new Error(`no notification kind ${kind}`);
    const { notifyQuietMs, notifyMaxDelayMs } = this.ctx.settings;
    const notBefore = this.ctx.clock() + Math.min(notifyQuietMs, notifyMaxDelayMs);
    writes.withMode(weddingId, (mode) => {
      if (mode === 'off') return;
      writes.enqueue<BatchPayload>(
        { weddingId, kind: NOTIFY_BATCH_KIND, key: `${weddingId}:notify`, payload: { items: [{ kind, key, payload }] }, notBefore },
        (older, newer) => this.fold(older, newer),
        { debounceMaxMs: notifyMaxDelayMs },
      );
    });
  }

  private fold(older: BatchPayload, newer: BatchPayload): BatchPayload {
    const items = [...older.items];
    for (const item of newer.items) {
      const i = items.findIndex((x) => x.kind === item.kind && x.key === item.key);
      if (i < 0) { items.push(item); continue; }
      const merge = this.kinds.get(item.kind)?.merge;
      items[i] = { ...item, payload: merge ? merge(items[i]!.payload, item.payload) : item.payload };
    }
    return { items };
  }

  /** A batch is due: compose it, then hold, send or drop it as the wedding's mode says. */
  private async flush(job: Job<BatchPayload>): Promise<void> {
    const batch = (await this.jobs.claim<BatchPayload>(job.id)) ?? job;
    const { weddingId } = batch;
    const mode = await this.store.mode(weddingId);
    if (mode === 'off') return;
    const roles = [...new Set(batch.payload.items.flatMap((i) => this.kinds.get(i.kind)?.people ?? []))];
    const onWedding = roles.length ? await this.ctx.storage.weddingPeople(weddingId) : () => [];
    const sent = await this.ctx.changes.inDocument(weddingId, (doc, writes) => {
      const w = new WeddingDoc(doc);
      const now = this.ctx.clock();
      const { removed } = roles.length ? ensurePeopleContacts(onWedding(), w, roles, systemOrigin(ORIGIN_REASONS.notify)) : { removed: [] };
      const drafts = this.compose(w, batch.payload.items, `notify-${batch.id}`, removed);
      for (const draft of drafts) {
        if (mode === 'ask') writes.addPending(weddingId, draft, now);
        else if (!w.getMessage(draft.id)) this.write(w, weddingId, draft, draft.recipientIds.map((id) => findPerson(w, id)).filter((p): p is Person => p !== null), { notify: 'automatic' });
      }
      return mode === 'automatic' && drafts.length > 0;
    });
    if (sent) this.ctx.bridge.outboxWorker.kick();
  }

  /**
   * The messages of a batch: each item composed, its recipients narrowed to booked people, people
   * who share an address merged, and one message for each set of people who get the same items.
   * People a planner removed (`removed`, from ensurePeopleContacts) stay out and are named
   * (`removedContacts`) on each message to their role's people (it holds an item of a kind addressed
   * to their role, and goes to contacts with one of its roles), as for any message to their role;
   * not on a vendor's (its cascade, or the payment notice a vendor paid in full also gets).
   */
  compose(w: WeddingDoc, items: readonly BatchItem[], idPrefix: string, removed: readonly RemovedPerson[] = []): ComposedNotification[] {
    const composed: NotificationItem[] = [];
    const rolesOf: (readonly WeddingPerson['role'][])[] = [];
    for (const item of items) {
      const kind = this.kinds.get(item.kind);
      const c = kind?.compose(w, item.payload);
      if (c) { composed.push(c); rolesOf.push(kind?.people ?? []); }
    }
    const pairs = composed.flatMap((c, index) => c.recipients.filter((p) => isBooked(w, p)).map((person) => ({ person, index })));
    const { people, merged } = dedupeByAddress(pairs.map((x) => x.person));
    const byId = new Map(people.map((p) => [p.id, p]));
    const itemsOf = new Map<string, Set<number>>();
    for (const { person, index } of pairs) {
      const id = merged.get(person.id) ?? person.id;
      if (!itemsOf.has(id)) itemsOf.set(id, new Set());
      itemsOf.get(id)!.add(index);
    }
    const groups = new Map<string, { indexes: number[]; people: Person[] }>();
    for (const [id, set] of itemsOf) {
      const indexes = [...set].sort((a, b) => a - b);
      const signature = indexes.join(',');
      if (!groups.has(signature)) groups.set(signature, { indexes, people: [] });
      groups.get(signature)!.people.push(byId.get(id)!);
    }
    return [...groups.values()].map((g, n) => {
      const draft = this.draftOf(`${idPrefix}-${n}`, g.indexes.map((i) => composed[i]!), g.people);
      // Say who was left out as a duplicate, as the message writer does.
      const dropped = [...merged].filter(([, into]) => g.people.some((p) => p.id === into));
      if (dropped.length) draft.context.mergedRecipients = clip(dropped.map(([from, into]) => `${from}>${into}`).join(','), CONTEXT_MAX);
      // The message to those roles: one holding their item, going to contacts of those roles (a
      // vendor paid in full gets the payment notice too, in a message of its own).
      const roles = new Set<string>(g.indexes.flatMap((i) => rolesOf[i]!));
      if (g.people.some((p) => p.kind === 'contact' && roles.has(p.role))) {
        Object.assign(draft.context, removedContactsContext(removed.filter((r) => roles.has(r.role))));
      }
      return draft;
    });
  }

  private draftOf(id: string, items: NotificationItem[], people: Person[]): ComposedNotification {
    const recipientIds = people.map((p) => p.id);
    if (items.length === 1) {
      const [item] = items as [NotificationItem];
      return { id, subject: item.subject, body: item.body, type: item.type, priority: item.priority, reason: item.reason, recipientIds, context: { ...item.context } };
    }
    const priority = items.reduce<Message['priority']>((top, i) => (PRIORITY_RANK[i.priority] > PRIORITY_RANK[top] ? i.priority : top), 'low');
    return {
      id, recipientIds, priority, type: 'notification.batch',
      subject: clip(`${items.length} updates: ${items.map((i) => i.subject).join(' · ')}`, 200),
      body: clip(items.map((i) => i.body).join('\n\n'), 10_000),
      reason: items.map((i) => i.reason).join(' | '),
      context: { items: clip(items.map((i) => i.type).join(','), CONTEXT_MAX) },
    };
  }

  /** Writes a composed message to the wedding's log, with its reason; the send planner queues its sends. */
  write(w: WeddingDoc, weddingId: string, draft: ComposedNotification, recipients: Person[], extra: Record<string, string>): Message {
    return this.writer.writeMessage(w, weddingId, {
      id: draft.id, senderId: AUTOMATIC_SENDER_ID, recipients, subject: draft.subject, body: draft.body, priority: draft.priority, type: draft.type,
      requiresAck: false, escalateAfterSeconds: null, broadcast: false,
      context: { ...draft.context, ...extra, reason: clip(draft.reason, CONTEXT_MAX) },
    }, systemOrigin(ORIGIN_REASONS.notify));
  }
}
