import * as Y from 'yjs';

/**
 * Finding and redacting one person's identifying strings (name, e-mail address, phone number) in
 * wedding documents and in stored JSON text (GDPR art. 15 export, art. 17 erasure; docs/privacy.md).
 *
 * A name matches as a whole word, any case ("Zoë Quill" in "Dear zoë quill," but "Ann" not in
 * "Annual"); an e-mail address or a phone number matches anywhere, any case. A match is replaced
 * by REDACTED; the surrounding text stays.
 */
export const REDACTED = '[erased]';

export interface Needles {
  names: string[];
  emails: string[];
  phones: string[];
}

/** Strings shorter than this are not searched: they would match unrelated text. */
const MIN_NEEDLE = 3;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One regular expression for all the needles (null when there is nothing to look for). */
export function needleRegex(needles: Needles): RegExp | null {
  const clean = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter((x) => x.length >= MIN_NEEDLE))].sort((a, b) => b.length - a.length);
  const parts = [
    ...clean(needles.emails).map(escape),
    ...clean(needles.phones).map(escape),
    ...clean(needles.names).map((n) => `(?<![\\p{L}\\p{N}])${escape(n)}(?![\\p{L}\\p{N}])`),
  ];
  return parts.length ? new RegExp(parts.join('|'), 'giu') : null;
}

/** Every string the needles appear in (their lower-cased plain form, for an SQL pre-filter with instr). */
export function needleList(needles: Needles): string[] {
  return [...new Set([...needles.emails, ...needles.phones, ...needles.names].map((x) => x.trim().toLowerCase()).filter((x) => x.length >= MIN_NEEDLE))];
}

export function mentions(text: string, re: RegExp): boolean {
  re.lastIndex = 0;
  const hit = re.test(text);
  re.lastIndex = 0;
  return hit;
}

export function redactString(text: string, re: RegExp): string {
  re.lastIndex = 0;
  return text.replace(re, REDACTED);
}

/** A JSON value with every matching string (keys included) redacted. */
export function redactJson(value: unknown, re: RegExp): unknown {
  if (typeof value === 'string') return redactString(value, re);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, re));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactString(k, re), redactJson(v, re)]));
  }
  return value;
}

/**
 * Stored text (a JSON payload, or plain text): JSON is parsed and redacted value by value, so
 * escaped forms (`\u00eb`) are found too, and written back as JSON; anything else is redacted as text.
 */
export function redactStoredText(text: string, re: RegExp): string {
  try {
    return JSON.stringify(redactJson(JSON.parse(text), re));
  } catch {
    return redactString(text, re);
  }
}

export function jsonMentions(value: unknown, re: RegExp): boolean {
  if (typeof value === 'string') return mentions(value, re);
  if (Array.isArray(value)) return value.some((v) => jsonMentions(v, re));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => mentions(k, re) || jsonMentions(v, re));
  return false;
}

export interface Mention {
  /** Where in the document: `contacts.c1.email`, `messages.3.body`, `timeline.ev.notes`. */
  path: string;
  value: unknown;
}

/** The document's top-level shared types, typed (a document decoded from bytes has them untyped). */
function roots(doc: Y.Doc): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [name, type] of [...doc.share]) {
    if (type instanceof Y.Map || type instanceof Y.Array || type instanceof Y.Text) { out.push([name, type]); continue; }
    if (type._map.size > 0) out.push([name, doc.getMap(name)]);
    else if (type._start) {
      const content = type._start.content;
      out.push([name, content instanceof Y.ContentString || content instanceof Y.ContentFormat || content instanceof Y.ContentEmbed ? doc.getText(name) : doc.getArray(name)]);
    }
  }
  return out;
}

/** Every place in `doc` where a needle appears. */
export function findInDocument(doc: Y.Doc, re: RegExp): Mention[] {
  const found: Mention[] = [];
  const walk = (type: unknown, path: string): void => {
    if (type instanceof Y.Map) {
      for (const [key, value] of type.entries()) {
        const at = path ? `${path}.${key}` : key;
        if (mentions(key, re)) found.push({ path: at, value: key });
        if (value instanceof Y.AbstractType) walk(value, at);
        else if (jsonMentions(value, re)) found.push({ path: at, value });
      }
    } else if (type instanceof Y.Array) {
      type.toArray().forEach((value, i) => {
        if (value instanceof Y.AbstractType) walk(value, `${path}.${i}`);
        else if (jsonMentions(value, re)) found.push({ path: `${path}.${i}`, value });
      });
    } else if (type instanceof Y.Text) {
      const text = type.toString();
      if (mentions(text, re)) found.push({ path, value: text });
    }
  };
  for (const [name, type] of roots(doc)) walk(type, name);
  return found;
}

/**
 * Redacts every mention of a needle in `doc` as new operations (call inside a transaction): a map
 * value is set again, an array element replaced, a text edited in place. With garbage collection on
 * (the Y.Doc default), the replaced content is dropped from the document's encoded state. Returns
 * the number of places changed.
 */
export function redactDocument(doc: Y.Doc, re: RegExp): number {
  let changed = 0;
  const walk = (type: unknown): void => {
    if (type instanceof Y.Map) {
      for (const [key, value] of [...type.entries()]) {
        if (mentions(key, re)) { type.delete(key); changed++; continue; }
        if (value instanceof Y.AbstractType) walk(value);
        else if (jsonMentions(value, re)) { type.set(key, redactJson(value, re)); changed++; }
      }
    } else if (type instanceof Y.Array) {
      const items = type.toArray();
      for (let i = 0; i < items.length; i++) {
        const value = items[i];
        if (value instanceof Y.AbstractType) walk(value);
        else if (jsonMentions(value, re)) { type.delete(i, 1); type.insert(i, [redactJson(value, re)]); changed++; }
      }
    } else if (type instanceof Y.Text) {
      const text = type.toString();
      re.lastIndex = 0;
      const hits = [...text.matchAll(re)];
      // From the end, so earlier offsets stay valid. Yjs counts UTF-16 code units, as JS strings do.
      for (const hit of hits.reverse()) {
        type.delete(hit.index, hit[0].length);
        type.insert(hit.index, REDACTED);
        changed++;
      }
    }
  };
  for (const [, type] of roots(doc)) walk(type);
  return changed;
}
