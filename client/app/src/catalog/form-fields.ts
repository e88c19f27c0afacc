import type { FormField } from './catalog-api.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/**
 * Turning a catalogue form description (adapters/catalog-forms.ts) into inputs and back into a
 * request, and a refusal's `details.issues` into messages at their fields.
 */

const WORDS = lookupTable<string>({ api: 'API', url: 'URL', id: 'ID', ics: 'ICS', smtp: 'SMTP', sms: 'SMS', oauth: 'OAuth' });

/** `apiBaseUrl` → "API base URL"; `secretKey` → "Secret key". */
export function fieldLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase().split(' ').filter(Boolean);
  const text = words.map((w) => WORDS[w] ?? w).join(' ');
  return text ? text[0]!.toUpperCase() + text.slice(1) : name;
}

/** The key of a field in form state and in issue paths: `credentials.accessToken`. */
export const fieldKey = (f: FormField) => `${f.in}.${f.name}`;

/** The value types a form holds: text for strings, numbers and JSON; checked for booleans. */
export type FormValues = Record<string, string | boolean>;

export function initialValues(fields: FormField[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    if (f.type === 'boolean') values[fieldKey(f)] = typeof f.default === 'boolean' ? f.default : false;
    else values[fieldKey(f)] = '';
  }
  return values;
}

/**
 * The request's parts from what was filled in; empty inputs are left out (the server's defaults
 * apply). A JSON input that does not parse is an error at its field, and nothing is sent.
 */
export function requestParts(fields: FormField[], values: FormValues, fixed?: Record<string, unknown>):
  { ok: true; credentials: Record<string, unknown>; configuration: Record<string, unknown>; body: Record<string, unknown> } | { ok: false; errors: Record<string, string> } {
  const parts = { credentials: {} as Record<string, unknown>, configuration: { ...(fixed ?? {}) } as Record<string, unknown>, body: {} as Record<string, unknown> };
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const value = values[fieldKey(f)];
    if (f.type === 'boolean') {
      if (value !== (f.default ?? false)) parts[f.in][f.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (!text) continue;
    if (f.type === 'integer' || f.type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) { errors[fieldKey(f)] = 'Enter a number.'; continue; }
      parts[f.in][f.name] = n;
    } else if (f.type === 'array' || f.type === 'object') {
      try {
        parts[f.in][f.name] = JSON.parse(text);
      } catch {
        errors[fieldKey(f)] = f.type === 'array' ? 'Enter a JSON list, e.g. ["a", "b"].' : 'Enter a JSON object, e.g. {"key": "value"}.';
      }
    } else {
      parts[f.in][f.name] = text;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, ...parts };
}

/**
 * The server's `error.details.issues` (`{ path, message }`, paths like `credentials.accessToken` or
 * `configuration.apiBase`) as messages at the form's fields; issues naming no field are returned apart.
 */
export function issuesAtFields(fields: FormField[], details: unknown): { byField: Record<string, string>; rest: string[] } {
  const issues = (details as { issues?: unknown } | undefined)?.issues;
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  if (!Array.isArray(issues)) return { byField, rest };
  const keys = new Set(fields.map(fieldKey));
  for (const issue of issues as { path?: unknown; message?: unknown }[]) {
    const path = typeof issue.path === 'string' ? issue.path : '';
    const message = typeof issue.message === 'string' ? issue.message : 'is not valid';
    // `credentials.stages.0` belongs to `credentials.stages`.
    const key = path.split('.').slice(0, 2).join('.');
    const plain = plainIssue(message);
    if (keys.has(key)) byField[key] = byField[key] ? `${byField[key]} ${plain}` : plain;
    else rest.push(path ? `${path}: ${message}` : message);
  }
  return { byField, rest };
}

const TYPE_WORDS = lookupTable<string>({ number: 'Enter a number.', int: 'Enter a whole number.', string: 'Enter text.', boolean: 'Choose yes or no.', array: 'Enter a JSON list, e.g. ["a", "b"].', object: 'Enter a JSON object, e.g. {"key": "value"}.' });
const BOUND_WORDS = lookupTable<string>({ '>=': 'at least', '>': 'more than', '<=': 'at most', '<': 'less than' });

/**
 * zod 4's wording (its English locale), as a person reads it: sizes of numbers, texts and lists,
 * choices, types and formats. A message of another kind is shown as it is, with a full stop.
 */
export function plainIssue(message: string): string {
  if (/received undefined/.test(message)) return 'This is required.';
  const size = /^Too (?:small|big): expected (string|array|number|int|bigint) to (?:have|be) (>=|>|<=|<)(-?[\d.]+)(?: (?:characters?|items?))?$/.exec(message);
  if (size) {
    const [, kind, op, n] = size as unknown as [string, string, string, string];
    const bound = BOUND_WORDS[op]!;
    if (kind === 'string') return `${op.startsWith('>') ? 'Too short' : 'Too long'}: ${bound} ${n} character${n === '1' ? '' : 's'}.`;
    if (kind === 'array') return `${op.startsWith('>') ? 'Too few' : 'Too many'}: ${bound} ${n} item${n === '1' ? '' : 's'}.`;
    return `${bound[0]!.toUpperCase()}${bound.slice(1)} ${n}.`;
  }
  const choice = /^Invalid option: expected one of (.+)$/.exec(message);
  if (choice) return `Choose one of: ${choice[1]!.split('|').map((o) => o.replace(/^"|"$/g, '')).join(', ')}.`;
  const type = /^Invalid input: expected (\w+), received \w+$/.exec(message);
  if (type && TYPE_WORDS[type[1]!]) return TYPE_WORDS[type[1]!]!;
  if (/^Invalid URL/i.test(message)) return 'Enter a full web address (https://…).';
  if (/^Invalid email/i.test(message)) return 'Enter an e-mail address (name@example.com).';
  if (/^Invalid string: must match pattern/.test(message)) return 'This is not in the expected form.';
  return message.endsWith('.') ? message : `${message}.`;
}

/**
 * What a system brings that a binding's vendor owns, in people's words: "payments", "events" (a
 * calendar's, or a system connected through a calendar feed), "bookings" (a CRM's or booking
 * tool's sessions), "timeline events" (a planning tool's), or payments and one of those. Read from
 * the catalogue entry: its category, the way its form connects (the first that is not a CSV
 * import) and the entities its inbound lines name before their parenthesis. Null when it brings
 * neither (a lead source's weddings and guest counts: the vendor changes nothing there).
 */
export function vendorRecords(entry: { category: string; inbound: readonly string[]; connects: readonly { kind: string }[] }): string | null {
  if (entry.connects.find((c) => c.kind !== 'csv')?.kind === 'calendar_feed') return 'events';
  const payments = entry.inbound.some((line) => /^[^(]*\bpayments\b/.test(line));
  const timeline = entry.inbound.some((line) => /^[^(]*\btimeline\b/.test(line));
  const events = entry.category === 'calendar_system' ? 'events' : entry.category === 'wedding_planning' ? 'timeline events' : 'bookings';
  return payments && timeline ? `payments and ${events}` : payments ? 'payments' : timeline ? events : null;
}
