import { addressKeys, type SchemaError, type Vendor } from '../../../sdk/index.ts';

const nameKey = (name: string) => name.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '');

/** Pairs that look like one vendor twice: the same e-mail or phone, or the same name written differently. */
export function likelyDuplicates(vendors: readonly Vendor[]): { keep: Vendor; dup: Vendor; why: string }[] {
  const out: { keep: Vendor; dup: Vendor; why: string }[] = [];
  for (let i = 0; i < vendors.length; i++) {
    for (let j = i + 1; j < vendors.length; j++) {
      const [a, b] = [vendors[i]!, vendors[j]!];
      const shared = addressKeys(a).find((k) => addressKeys(b).includes(k));
      const why = shared ? `same ${shared.startsWith('email:') ? 'e-mail address' : 'phone number'}` : nameKey(a.name) === nameKey(b.name) ? 'same name' : null;
      if (why) out.push({ keep: a, dup: b, why });
    }
  }
  return out;
}

/**
 * What the planner reads when the document refuses a vendor write as a `duplicate`: the other
 * vendor by name (never its id) and what to do: on adding, open that vendor instead; on editing,
 * merge the two. `other` is that vendor when it is still in `vendors`, for the offered button.
 */
export function duplicateRefusal(err: SchemaError, vendors: readonly Vendor[], mode: 'add' | 'edit'): { text: string; other: Vendor | undefined } {
  const issue = err.issues[0];
  const other = vendors.find((v) => v.id === issue?.vendorId);
  const what = issue?.path === 'phone' ? 'phone number' : 'e-mail address';
  const who = other?.name ?? 'another vendor of this wedding';
  const text = mode === 'add'
    ? `${who} already has this ${what}; if it is the same vendor, change ${other ? 'that vendor' : 'it'} instead of adding another.`
    : `${who} already has this ${what}; if they are one vendor, merge the two.`;
  return { text, other };
}
