import { vendorFootprint, type Vendor, type WeddingDoc } from '../../../sdk/index.ts';
import { money } from '../budget/payment-state.ts';

/** `1 event`, `3 events`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `Ceremony, Group photos and Dinner`. */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** What a vendor has in the wedding, in the wedding's words: its events by title, its payments by amount. */
export function describeFootprint(doc: WeddingDoc, vendor: Vendor) {
  const f = vendorFootprint(doc, vendor.id);
  const events = f.eventIds.map((id) => doc.getEvent(id)?.title ?? 'an event');
  const payments = f.paymentIds.map((id) => doc.getPayment(id)).filter((p) => p !== undefined);
  const paid = new Map<string, number>();
  for (const p of payments) if (p.amountPaid > 0) paid.set(p.currency, (paid.get(p.currency) ?? 0) + p.amountPaid);
  return {
    events, payments, tasks: f.taskIds.length, crew: f.crewEventIds.length, comments: f.commentIds.length,
    paidWords: listWords([...paid].map(([currency, n]) => money(n, currency))),
  };
}

/** The list shown in the remove confirmation: everything that goes with the vendor. */
export function RemovalList({ doc, vendor }: { doc: WeddingDoc; vendor: Vendor }) {
  const d = describeFootprint(doc, vendor);
  return (
    <ul class="footprint">
      <li>{d.events.length ? `It is taken off ${count(d.events.length, 'event')}: ${listWords(d.events)}.` : 'It is on no event.'}</li>
      {d.crew > 0 && <li>Its own arrival times and notes on {count(d.crew, 'event')} are deleted.</li>}
      <li>{d.payments.length
        ? `Its ${count(d.payments.length, 'payment')} ${d.payments.length === 1 ? 'stays' : 'stay'} in the budget, shown as a removed vendor's${d.paidWords ? ` (${d.paidWords} already paid)` : ''}.`
        : 'It has no payments.'}</li>
      {d.comments > 0 && <li>{count(d.comments, 'comment')} about it {d.comments === 1 ? 'is' : 'are'} deleted.</li>}
      {d.tasks > 0 && <li>{count(d.tasks, 'task')} about it stay, no longer naming a vendor.</li>}
      <li>People who joined the wedding as {vendor.name} lose access (their open app is closed at once), and its open invitations, share links, calendar feeds and API keys stop working.</li>
      <li>Connected calendars and systems acting for {vendor.name} are unbound from this wedding; each keeps or deletes what it pushed as its connection says.</li>
    </ul>
  );
}

/** The list shown in the merge confirmation: what moves from the duplicate to the kept vendor. */
export function MergeList({ doc, dup, keep }: { doc: WeddingDoc; dup: Vendor; keep: Vendor }) {
  const d = describeFootprint(doc, dup);
  return (
    <ul class="footprint">
      <li>{d.events.length ? `${count(d.events.length, 'event')} ${d.events.length === 1 ? 'moves' : 'move'} to ${keep.name}: ${listWords(d.events)}.` : `${dup.name} is on no event.`}</li>
      <li>{d.payments.length ? `${count(d.payments.length, 'payment')} ${d.payments.length === 1 ? 'moves' : 'move'} to ${keep.name}${d.paidWords ? ` (${d.paidWords} already paid)` : ''}.` : `${dup.name} has no payments.`}</li>
      {d.tasks > 0 && <li>{count(d.tasks, 'task')} {d.tasks === 1 ? 'moves' : 'move'} to {keep.name}.</li>}
      {d.comments > 0 && <li>{count(d.comments, 'comment')} about {dup.name} {d.comments === 1 ? 'is' : 'are'} then about {keep.name}.</li>}
      <li>People who joined as {dup.name} act for {keep.name} (within 10 minutes), and its open invitations invite to {keep.name}.</li>
      <li>{dup.name}’s e-mail, phone and channels fill in what {keep.name} lacks; {keep.name}’s own details stay.</li>
    </ul>
  );
}
