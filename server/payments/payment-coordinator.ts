import * as Y from 'yjs';
import {
  MAX_MINOR_UNITS, WeddingDoc, adminOrigin, canOpenWedding, computeBudget, dateInZone, decimalFromMinorUnits, formatMoney, instantInZone, outstandingByPayment,
  splitAmount, systemOrigin, weddingIdOf,
  type BudgetResponse, type BudgetSummary, type Payment, type PaymentPlanBody, type PaymentTransactionBody, type TxOrigin,
} from '../../schema/index.ts';
import { AuthError, assertApiReader } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { PaymentsBridge } from '../bridge/bridge-context.ts';
import { describeOrigin } from '../collab/origin.ts';
import { describeChanger } from '../comms/cascades.ts';
import { CommsError } from '../comms/comms-error.ts';
import type { CommsService } from '../comms/comms-service.ts';
import type { CommsWrites } from '../comms/comms-writes.ts';
import type { NotificationItem } from '../comms/notifier.ts';
import { activeVendors, contactsWithRole, findPerson, type Person } from '../comms/recipients.ts';
import { rootInTransaction, type YType } from '../comms/y-roots.ts';
import { longDate } from '../../schema/document/date-words.ts';
import { ownValue } from '../../schema/own-keys.ts';

export const PAYMENT_JOBS = {
  received: 'cascade.payment_received',
  added: 'cascade.payment_added',
  reminder: 'payment.reminder',
  budget: 'payment.budget_refresh',
} as const;

export interface PaymentSettings {
  /** Days before a due date on which the couple and planner are reminded (e.g. [7, 1]). */
  reminderDays: number[];
}

interface ReceivedPayload { paymentId: string; previousPaid: number; amountPaid: number; changedBy: string }
interface AddedPayload { paymentId: string; changedBy: string }
interface ReminderPayload { paymentId: string; due: string; daysBefore: number }

/** Statuses in which nothing more is expected. */
const CLOSED: ReadonlySet<Payment['status']> = new Set(['paid', 'cancelled', 'refunded', 'partially_refunded']);

/** Reminders go out at this local time. */
const REMINDER_TIME = '09:00';

const milestoneName = (p: Payment) => (p.milestone === 'other' ? (p.description || 'payment') : p.milestone);

/**
 * Payment coordination: milestones per vendor, the wedding's budget derived from `payments` and kept
 * in the document (so every peer sees the same totals), reminders before due dates, and the brief's
 * payment cascades (payment received → couple and planner, and the vendor once paid in full; a
 * payment a vendor's system adds → couple and planner). Everything is in integer minor units.
 * The notices and reminders are automatic messages: batched, and held, sent or dropped as the
 * wedding's mode says (comms/notifier.ts); vendors among their recipients must be booked.
 * What a payment change causes (the amount last seen, reminder jobs, notices) is written with it
 * (CommsWrites, on either backend), decided from what is read of the document in its transaction.
 */
export class PaymentCoordinator {
  private readonly budgetDue = new Set<string>();

  constructor(private readonly bridge: PaymentsBridge, private readonly comms: CommsService, private readonly settings: PaymentSettings) {
    comms.changes.onUpdate('payments', this.onDocumentUpdate);
    // Payment notices go to the couple and the planners: those who only joined through the app too.
    const people = ['couple', 'planner'] as const;
    comms.notifier.register<ReceivedPayload>(PAYMENT_JOBS.received, { people, compose: (w, p) => this.composeReceived(w, p), merge: (older, newer) => ({ ...newer, previousPaid: older.previousPaid }) });
    comms.notifier.register<AddedPayload>(PAYMENT_JOBS.added, { people, compose: (w, p) => this.composeAdded(w, p) });
    // A reminder is a job due at its time of day; it then joins the wedding's batch.
    comms.notifier.register<ReminderPayload>(PAYMENT_JOBS.reminder, { people, compose: (w, p) => this.composeReminder(w, p) });
    comms.jobs.register(PAYMENT_JOBS.budget, async (job) => { await this.refreshBudget(job.weddingId); });
  }

  // ── budget ────────────────────────────────────────────────────────────────────────────────────
  private budgetOf(w: WeddingDoc): BudgetSummary {
    const now = this.bridge.clock();
    return computeBudget(w.listPayments(), dateInZone(now, w.getMeta().timezone), new Date(now).toISOString());
  }

  /** Recomputes the wedding's budget and writes it when the totals changed. */
  async refreshBudget(weddingId: string): Promise<BudgetSummary> {
    return this.bridge.withDocument(weddingId, (doc) => this.writeBudget(new WeddingDoc(doc)));
  }

  private writeBudget(w: WeddingDoc): BudgetSummary {
    const next = this.budgetOf(w);
    const current = w.getBudget();
    const same = current && JSON.stringify({ ...current, updatedAt: '' }) === JSON.stringify({ ...next, updatedAt: '' });
    if (!same) w.setBudget(next, systemOrigin('payments.budget'));
    return same ? current : next;
  }

  /** Budget writes happen just after the change (never inside another document update), once per burst. */
  private scheduleBudget(weddingId: string): void {
    if (this.budgetDue.has(weddingId)) return;
    this.budgetDue.add(weddingId);
    setImmediate(() => {
      this.budgetDue.delete(weddingId);
      this.refreshBudget(weddingId).catch(() => undefined);
    });
  }

  // ── the document listener ─────────────────────────────────────────────────────────────────────
  private readonly onDocumentUpdate = (documentName: string, doc: Y.Doc, tr: Y.Transaction, writes: CommsWrites): void => {
    const weddingId = weddingIdOf(documentName);
    if (!weddingId || !doc.share.has('payments')) return;
    const root = doc.getMap<Y.Map<unknown>>('payments');
    const recorded = rootInTransaction(tr, root);
    if (!recorded) return;
    this.scheduleBudget(weddingId);
    const origin = describeOrigin(tr.origin);
    const w = new WeddingDoc(doc);
    for (const { id, created } of changedPayments(root, recorded, tr)) this.afterChange(writes, weddingId, w, id, created, origin);
  };

  private afterChange(writes: CommsWrites, weddingId: string, w: WeddingDoc, paymentId: string, created: boolean, origin: TxOrigin): void {
    const { notifier } = this.comms;
    const payment = w.getPayment(paymentId);
    // Read now: on PostgreSQL the swap's step runs after the Yjs transaction.
    const by = payment ? describeChanger(this.bridge, w, origin).label : '';
    const tz = w.getMeta().timezone;
    writes.swapLastSeen<number>(weddingId, `payment.${paymentId}.paid`, payment?.amountPaid ?? 0, (seen) => {
      const previousPaid = seen ?? 0;
      this.syncReminders(writes, weddingId, tz, paymentId, payment);
      if (!payment) return;
      if (payment.amountPaid > previousPaid) {
        notifier.collect<ReceivedPayload>(writes, weddingId, PAYMENT_JOBS.received, `paid:${paymentId}`, { paymentId, previousPaid, amountPaid: payment.amountPaid, changedBy: by });
      }
      // "Venue requires additional payment": a payment a vendor's system adds is news for the couple.
      if (created && origin.kind === 'adapter' && payment.amountPaid === 0) {
        // Once per payment, even if it is seen created again (a restore).
        writes.swapLastSeen<boolean>(weddingId, `payment.${paymentId}.added`, true, (added) => {
          if (added === undefined) notifier.collect<AddedPayload>(writes, weddingId, PAYMENT_JOBS.added, `added:${paymentId}`, { paymentId, changedBy: by });
        });
      }
    });
  }

  /** Reminder jobs for the payment's current due date; those for another date (or a settled payment) are cancelled. */
  private syncReminders(writes: CommsWrites, weddingId: string, tz: string | undefined, paymentId: string, payment: Payment | undefined): void {
    const prefix = `${weddingId}:remind:${paymentId}:`;
    const wanted: string[] = [];
    if (payment && payment.due && !CLOSED.has(payment.status) && payment.amount > payment.amountPaid) {
      const now = this.bridge.clock();
      for (const daysBefore of [...this.settings.reminderDays, -1]) {
        const key = `${prefix}${payment.due}:${daysBefore}`;
        const day = new Date(Date.parse(`${payment.due}T00:00:00Z`) - daysBefore * 86_400_000).toISOString().slice(0, 10);
        const at = instantInZone(day, REMINDER_TIME, tz);
        if (at <= now) continue;
        wanted.push(key);
        writes.enqueueOnce<ReminderPayload>({ weddingId, kind: PAYMENT_JOBS.reminder, key, payload: { paymentId, due: payment.due, daysBefore }, notBefore: at });
      }
      // The day after the due date the unpaid part becomes overdue in the budget.
      const overdueFrom = instantInZone(new Date(Date.parse(`${payment.due}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), '00:00', tz);
      if (overdueFrom > now) writes.enqueueOnce({ weddingId, kind: PAYMENT_JOBS.budget, key: `${weddingId}:budget:${payment.due}`, payload: {}, notBefore: overdueFrom });
    }
    writes.cancelJobs(weddingId, prefix, wanted);
  }

  // ── notifications ─────────────────────────────────────────────────────────────────────────────
  private couplePlanners(w: WeddingDoc): Person[] {
    const people = new Map<string, Person>();
    for (const p of contactsWithRole(w, ['couple', 'planner'])) people.set(p.id, p);
    for (const v of activeVendors(w).filter((v) => v.role === 'planner')) people.set(v.id, v);
    return [...people.values()];
  }

  private composeReceived(w: WeddingDoc, p: ReceivedPayload): NotificationItem | null {
    const payment = w.getPayment(p.paymentId);
    if (!payment) return null;
    const vendor = findPerson(w, payment.vendorId);
    const amountPaid = Math.max(p.amountPaid, payment.amountPaid);
    const received = Math.max(0, amountPaid - p.previousPaid);
    if (received === 0) return null;
    const left = outstandingByPayment(w.listPayments()).get(payment.id) ?? 0;
    const budget = this.budgetOf(w).totals[payment.currency];
    const fully = left === 0;
    const money = (n: number) => formatMoney(n, payment.currency);
    const recipients = this.couplePlanners(w);
    // Paid in full: the vendor hears it too ("all vendors receive payment confirmations").
    if (fully && vendor && vendor.kind === 'vendor') recipients.push(vendor);
    return {
      recipients,
      subject: `Payment received: ${money(received)} to ${vendorName(w, payment.vendorId)}`,
      body: [
        `${money(received)} was paid to ${vendorName(w, payment.vendorId)} for the ${milestoneName(payment)} (${p.changedBy}).`,
        fully ? `This ${milestoneName(payment)} is now paid in full.` : `${money(left)} of it is still to pay.`,
        budget ? `Wedding budget (${payment.currency}): ${money(budget.paid - budget.refunded)} paid, ${money(budget.outstanding)} outstanding.` : '',
      ].filter(Boolean).join('\n'),
      priority: 'normal', type: 'payment.received',
      reason: `${money(received)} received for ${vendorName(w, payment.vendorId)}'s ${milestoneName(payment)} (${p.changedBy}); sent to the couple and planners${fully ? ', and the vendor as it is paid in full' : ''}`,
      context: { paymentId: payment.id, amount: decimalFromMinorUnits(received, payment.currency), currency: payment.currency },
    };
  }

  private composeAdded(w: WeddingDoc, p: AddedPayload): NotificationItem | null {
    const payment = w.getPayment(p.paymentId);
    if (!payment || payment.status === 'cancelled') return null;
    const money = formatMoney(payment.amount, payment.currency);
    return {
      recipients: this.couplePlanners(w),
      subject: `New payment requested: ${money} by ${vendorName(w, payment.vendorId)}`,
      body: `${vendorName(w, payment.vendorId)} added a ${milestoneName(payment)} of ${money}${payment.due ? ` due ${longDate(payment.due)}` : ''} (${p.changedBy}). The wedding budget has been updated.`,
      priority: 'normal', type: 'payment.added',
      reason: `${vendorName(w, payment.vendorId)}'s system added a ${milestoneName(payment)}; sent to the couple and planners`,
      context: { paymentId: payment.id },
    };
  }

  private composeReminder(w: WeddingDoc, p: ReminderPayload): NotificationItem | null {
    const payment = w.getPayment(p.paymentId);
    // Paid, cancelled or moved since: nothing to remind of (a moved date has its own reminders).
    const left = payment ? outstandingByPayment(w.listPayments()).get(payment.id) ?? 0 : 0;
    if (!payment || payment.due !== p.due || CLOSED.has(payment.status) || left === 0) return null;
    const money = formatMoney(left, payment.currency);
    const overdue = p.daysBefore < 0;
    const when = overdue ? `was due on ${longDate(p.due)}` : p.daysBefore === 0 ? 'is due today' : `is due on ${longDate(p.due)} (in ${p.daysBefore} day${p.daysBefore === 1 ? '' : 's'})`;
    return {
      recipients: this.couplePlanners(w),
      subject: `${overdue ? 'Overdue' : 'Reminder'}: ${milestoneName(payment)} for ${vendorName(w, payment.vendorId)}, ${money}`,
      body: `The ${milestoneName(payment)} of ${money} for ${vendorName(w, payment.vendorId)} ${when}.${payment.requestUrl ? `\nPay here: ${payment.requestUrl}` : ''}`,
      priority: overdue ? 'high' : 'normal', type: 'payment.reminder',
      reason: `${vendorName(w, payment.vendorId)}'s ${milestoneName(payment)} ${when}, unpaid; sent to the couple and planners`,
      context: { paymentId: payment.id, due: p.due },
    };
  }

  // ── the API ───────────────────────────────────────────────────────────────────────────────────
  private assertRead(p: Principal, weddingId: string): void {
    if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    assertApiReader(p.role, 'payments API');
  }

  private assertManage(p: Principal, weddingId: string): void {
    this.assertRead(p, weddingId);
    if (p.role !== 'planner' && p.role !== 'admin') throw new AuthError('role_forbidden', 'only planners and admins manage payments');
  }

  /** `GET /api/weddings/:id/budget`: the totals (fresh) and each vendor's milestones. */
  async budget(p: Principal, weddingId: string): Promise<BudgetResponse> {
    this.assertRead(p, weddingId);
    return this.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const budget = this.writeBudget(w);
      const payments = w.listPayments().sort((a, b) => (a.due || '9999').localeCompare(b.due || '9999') || a.id.localeCompare(b.id));
      const vendorIds = [...new Set(payments.map((x) => x.vendorId))];
      const vendors = vendorIds
        .filter((id) => p.role !== 'vendor' || id === p.vendorId)
        .map((id) => ({ vendorId: id, vendorName: w.vendorDisplayName(id) ?? 'Removed vendor', vendorRemoved: !w.getVendor(id), totals: ownValue(budget.vendors, id) ?? {}, milestones: payments.filter((x) => x.vendorId === id) }));
      const own = p.vendorId ? ownValue(budget.vendors, p.vendorId) : undefined;
      return { budget: p.role === 'vendor' ? { ...budget, totals: {}, vendors: own && p.vendorId ? { [p.vendorId]: own } : {}, nextDue: null } : budget, vendors };
    });
  }

  /** `POST /api/weddings/:id/payments/plan`: a vendor's milestones, splitting the total exactly. */
  async plan(p: Principal, weddingId: string, body: PaymentPlanBody): Promise<Payment[]> {
    this.assertManage(p, weddingId);
    const parts = splitAmount(body.total, body.milestones.map((m) => m.weight));
    let processor = body.processor ?? '';
    const connected = processor === '' || this.bridge.registry.forWedding(weddingId).some((l) => l.integration.system === processor && l.integration.status !== 'disabled');
    if (!connected) {
      if (!body.manualIfNotConnected) throw new CommsError('processor_not_connected', `${processor} is not connected to wedding ${weddingId}: connect it under Integrations, or plan without a processor`);
      processor = '';
    }
    const payments = await this.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      if (!w.getVendor(body.vendorId)) throw new CommsError('vendor_not_found', `wedding ${weddingId} has no vendor ${body.vendorId}`);
      const origin = adminOrigin('payments.plan', p.sub, p);
      const ids = body.milestones.map((m, i) => `${body.vendorId}-${m.milestone}${m.milestone === 'other' ? `-${i + 1}` : ''}`.slice(0, 128));
      // Re-planning keeps the money a milestone has received: its currency stays, and its status
      // follows its amounts instead of going back to planned.
      for (const id of ids) {
        const held = w.getPayment(id);
        if (held && held.currency !== body.currency && (held.amountPaid > 0 || held.amountRefunded > 0)) {
          throw new CommsError('currency_mismatch', `payment ${id} has ${decimalFromMinorUnits(held.amountPaid, held.currency)} ${held.currency} paid: it cannot be re-planned in ${body.currency}`);
        }
      }
      const now = new Date(this.bridge.clock()).toISOString();
      return w.transact(() => body.milestones.map((m, i) => {
        const held = w.getPayment(ids[i]!);
        const status = held ? statusFor(parts[i]!, held.amountPaid, held.amountRefunded, 'planned') : 'planned';
        // Paid in full: when it became so (now, if the re-plan did it); no longer: not paid.
        const paidAt = !held ? undefined : status === 'paid' ? held.paidAt || now : status === 'partially_paid' || status === 'planned' ? '' : undefined;
        return w.upsertPayment({
          id: ids[i]!, vendorId: body.vendorId, milestone: m.milestone,
          description: m.description ?? '', amount: parts[i]!, currency: body.currency, due: m.due, status, processor,
          ...(paidAt === undefined ? {} : { paidAt }),
        }, origin);
      }), origin);
    });
    this.bridge.outboxWorker.kick();
    return payments;
  }

  /** `POST /api/weddings/:id/payments/:paymentId/transactions`: a payment or refund made outside any processor. */
  async recordTransaction(p: Principal, weddingId: string, paymentId: string, body: PaymentTransactionBody): Promise<Payment> {
    this.assertManage(p, weddingId);
    const payment = await this.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const current = w.getPayment(paymentId);
      if (!current) throw new CommsError('payment_not_found', `wedding ${weddingId} has no payment ${paymentId}`);
      if (current.currency !== body.currency) throw new CommsError('currency_mismatch', `payment ${paymentId} is in ${current.currency}, not ${body.currency}`);
      const origin = adminOrigin('payments.transaction', p.sub, p);
      const now = new Date(this.bridge.clock()).toISOString();
      if (body.type === 'refund') return applyTransaction(w, current, 0, body.amount, now, origin);
      const left = Math.max(0, current.amount - current.amountPaid);
      if (body.amount <= left || body.excess === 'overpayment') return applyTransaction(w, current, body.amount, 0, now, origin);
      if (!body.excess) {
        throw new CommsError('amount_above_outstanding', `${decimalFromMinorUnits(body.amount, body.currency)} is more than the ${decimalFromMinorUnits(left, body.currency)} left on payment ${paymentId}: send excess "next_milestone" or "overpayment"`);
      }
      // next_milestone: fill this one, then the vendor's next open milestones in due order; what no
      // milestone can take stays on the last one as an overpayment.
      const open = outstandingByPayment(w.listPayments());
      const next = w.listPayments()
        .filter((x) => x.id !== current.id && x.vendorId === current.vendorId && x.currency === current.currency && (open.get(x.id) ?? 0) > 0)
        .sort((a, b) => (a.due || '9999').localeCompare(b.due || '9999') || a.id.localeCompare(b.id));
      return w.transact(() => {
        let rest = body.amount - left;
        const first = applyTransaction(w, current, left, 0, now, origin);
        let last: Payment = first;
        for (const x of next) {
          if (rest === 0) break;
          const take = Math.min(rest, Math.max(0, x.amount - x.amountPaid));
          if (take === 0) continue;
          last = applyTransaction(w, x, take, 0, now, origin);
          rest -= take;
        }
        if (rest > 0) applyTransaction(w, w.getPayment(last.id)!, rest, 0, now, origin);
        return w.getPayment(current.id)!;
      }, origin);
    });
    this.bridge.outboxWorker.kick();
    return payment;
  }
}

/** Adds money received (`paid`) or refunded (`refunded`, minor units) to one payment and sets its status. */
function applyTransaction(w: WeddingDoc, current: Payment, paid: number, refunded: number, now: string, origin: TxOrigin): Payment {
  const totalPaid = current.amountPaid + paid;
  const totalRefunded = current.amountRefunded + refunded;
  if (totalRefunded > totalPaid) throw new CommsError('amount_too_large', `a refund of ${decimalFromMinorUnits(refunded, current.currency)} is more than was paid and not yet refunded`);
  if (totalPaid > MAX_MINOR_UNITS) {
    throw new CommsError('amount_too_large', `${decimalFromMinorUnits(paid, current.currency)} more would take payment ${current.id} past the largest amount one payment holds (${decimalFromMinorUnits(MAX_MINOR_UNITS, current.currency)} ${current.currency})`);
  }
  const status = statusFor(current.amount, totalPaid, totalRefunded, current.status);
  return w.upsertPayment({ id: current.id, amountPaid: totalPaid, amountRefunded: totalRefunded, status, ...(status === 'paid' && !current.paidAt ? { paidAt: now } : {}) }, origin);
}

/**
 * A payment's status from its amounts (integer minor units of one currency): refunded in part or in
 * whole, paid in full (at least `amount`), paid in part, or else `unpaid` (what it was: planned,
 * requested, overdue, cancelled).
 */
function statusFor(amount: number, paid: number, refunded: number, unpaid: Payment['status']): Payment['status'] {
  if (refunded > 0) return refunded >= paid ? 'refunded' : 'partially_refunded';
  return paid >= amount && paid > 0 ? 'paid' : paid > 0 ? 'partially_paid' : unpaid;
}

/** Payments a transaction created or changed (a change anywhere inside a payment counts). */
function changedPayments(root: Y.Map<Y.Map<unknown>>, recorded: YType, tr: Y.Transaction): { id: string; created: boolean }[] {
  const out = new Map<string, boolean>();
  const rootKeys = tr.changed.get(recorded);
  for (const key of rootKeys ?? []) {
    if (key === null) continue;
    const m = root.get(key);
    const item = m instanceof Y.Map ? m._item : null;
    out.set(key, !!item && item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0));
  }
  for (const [type] of tr.changed) {
    let t: Y.AbstractType<unknown> = type as Y.AbstractType<unknown>;
    while (t._item && t._item.parent !== root) t = t._item.parent as Y.AbstractType<unknown>;
    if (t._item?.parent === root && t._item.parentSub && !out.has(t._item.parentSub)) out.set(t._item.parentSub, false);
  }
  return [...out.entries()].map(([id, created]) => ({ id, created }));
}

/**
 * A payment's vendor as people read it: its name, the name it had (merged or removed since), or "a
 * vendor"; never its internal id (vendor trial: "£720.00 received for ven_629d…-deposit").
 */
function vendorName(w: WeddingDoc, vendorId: string): string {
  return w.vendorDisplayName(vendorId) ?? 'a vendor';
}
