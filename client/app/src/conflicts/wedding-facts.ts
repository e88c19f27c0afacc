import type { WeddingDoc } from '../../../sdk/index.ts';
import { humanize } from '../ui/labels.ts';
import type { EventFacts } from './conflict-words.ts';
import { moneyWords } from './value-words.ts';

/** The look-ups the conflict and activity words need, read from the open wedding's document. */
export function weddingFacts(doc: WeddingDoc, timeZone: string, weddingDate: string | undefined): EventFacts {
  return {
    timeZone,
    weddingDate,
    event: (id) => doc.getEvent(id),
    eventTitle: (id) => doc.getEvent(id)?.title,
    // A vendor merged or removed since reads as such: `Lens and Light (merged into Lens & Light)`.
    vendorName: (id) => doc.vendorDisplayName(id),
    paymentCurrency: (id) => doc.getPayment(id)?.currency,
    paymentWords(id) {
      const p = doc.getPayment(id);
      if (!p) return undefined;
      const vendor = doc.getVendor(p.vendorId)?.name;
      const what = p.description || `${humanize(p.milestone).toLowerCase()} payment`;
      return `${vendor ? `${vendor}’s ` : 'the '}${what} (${moneyWords(p.amount, p.currency)})`;
    },
  };
}
