import { addressKeys, type Vendor } from '../../../sdk/index.ts';

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
