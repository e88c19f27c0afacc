import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { REDACTED, findInDocument, mentions, needleRegex, redactDocument, redactStoredText, redactString } from '../../server/privacy/redaction.ts';
import { assertProperty } from '../helpers/property.ts';

const re = needleRegex({ names: ['Zoë Quill', 'Ann'], emails: ['zoe.quill@example.org'], phones: ['+44 7700 900123'] })!;

describe('redaction of a person\'s name, e-mail and phone', () => {
  it('matches names as whole words in any case, e-mails and phones anywhere', () => {
    expect(redactString('Dear zoë quill, call ZOE.QUILL@example.org or +44 7700 900123.', re)).toBe(`Dear ${REDACTED}, call ${REDACTED} or ${REDACTED}.`);
    expect(redactString('Annual meeting with Annabel', re)).toBe('Annual meeting with Annabel');
    expect(redactString('Ann and ann.', re)).toBe(`${REDACTED} and ${REDACTED}.`);
    expect(needleRegex({ names: ['Al'], emails: [], phones: [] })).toBeNull();
  });

  it('redacts JSON value by value, escaped forms and keys included, and plain text as text', () => {
    const payload = '{"to":"zoe.quill@example.org","greeting":"Hi Zo\\u00eb Quill","byEmail":{"zoe.quill@example.org":1},"n":3}';
    expect(JSON.parse(redactStoredText(payload, re))).toEqual({ to: REDACTED, greeting: `Hi ${REDACTED}`, byEmail: { [REDACTED]: 1 }, n: 3 });
    expect(redactStoredText('failed for zoe.quill@example.org', re)).toBe(`failed for ${REDACTED}`);
  });

  it('redacts maps, arrays and texts of a Y.Doc in place, and the encoded state no longer holds the old bytes (gc)', () => {
    const doc = new Y.Doc();
    const contacts = doc.getMap('contacts');
    const entry = new Y.Map();
    contacts.set('c1', entry);
    entry.set('email', 'zoe.quill@example.org');
    const notes = new Y.Text('Seat Zoë Quill by the aisle');
    doc.getMap('timeline').set('ev', notes);
    doc.getArray('log').push(['to zoe.quill@example.org', { who: 'Zoë Quill' }, 7]);
    expect(findInDocument(doc, re).map((m) => m.path).sort()).toEqual(['contacts.c1.email', 'log.0', 'log.1', 'timeline.ev']);
    let changed = 0;
    doc.transact(() => { changed = redactDocument(doc, re); });
    expect(changed).toBe(4);
    expect(notes.toString()).toBe(`Seat ${REDACTED} by the aisle`);
    expect(doc.getArray('log').toJSON()).toEqual([`to ${REDACTED}`, { who: REDACTED }, 7]);
    const bytes = Buffer.from(Y.encodeStateAsUpdate(doc));
    expect(bytes.includes(Buffer.from('zoe.quill@example.org'))).toBe(false);
    expect(bytes.includes(Buffer.from('Zoë Quill'))).toBe(false);
    // A document decoded from those bytes has untyped roots: they are found all the same.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(findInDocument(copy, re)).toEqual([]);
  });

  it('leaves no needle in any text it redacts (property)', () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÿ]{3,12}$/).filter((w) => !REDACTED.toLowerCase().includes(w.toLowerCase()));
    assertProperty(fc.property(word, fc.array(fc.oneof(fc.string(), fc.constantFrom(' ', ', ', '.')), { maxLength: 8 }), (name, parts) => {
      const r = needleRegex({ names: [name], emails: [`${name}@example.org`], phones: [] })!;
      const text = parts.join(` ${name} `) + ` ${name.toUpperCase()}@EXAMPLE.ORG`;
      const out = redactString(text, r);
      expect(out.toLowerCase()).not.toContain(`${name.toLowerCase()}@example.org`);
      expect(mentions(out, r)).toBe(false);
    }));
  });
});
