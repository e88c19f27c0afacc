/**
 * Contact addresses compared as the messaging systems compare them: an e-mail address without regard
 * to case (RFC 5321 leaves the local part's case to the receiving host, and every provider we send
 * through ignores it), a phone number as E.164 digits (ITU-T E.164: `+`, country code, subscriber
 * number). Two vendors with one address would receive every message twice.
 */

/** `Ana@Example.COM ` → `ana@example.com`; `''` when empty. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * `+44 (0)7700 900-123`, `0044 7700 900123` → `+447700900123`. A number written without its country
 * code (`07700 900123`) keeps its national digits: without the country it cannot be made E.164, so it
 * only equals the same national number. `''` when empty.
 */
export function normalizePhone(phone: string): string {
  let digits = phone.trim().replace(/\(0\)/g, '').replace(/[\s().-]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  return digits;
}

/** The keys under which a person's addresses are compared (`email:…`, `phone:…`). */
export function addressKeys(person: { email?: string; phone?: string }): string[] {
  const keys: string[] = [];
  const email = normalizeEmail(person.email ?? '');
  const phone = normalizePhone(person.phone ?? '');
  if (email) keys.push(`email:${email}`);
  if (phone) keys.push(`phone:${phone}`);
  return keys;
}
