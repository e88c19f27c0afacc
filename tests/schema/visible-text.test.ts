import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ContactCreateBody } from '../../schema/api/contacts.ts';
import { RenameBody } from '../../schema/api/sign-in.ts';
import { WorkspaceCreateBody } from '../../schema/api/workspaces.ts';
import { Comment } from '../../schema/document/contributions.ts';
import { hasVisibleText } from '../../schema/document/visible-text.ts';
import { TaskInput, VendorInput, WeddingDoc } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';

/** Characters that show as nothing: zero-width ones, joiners, the soft hyphen, fillers, variation selectors, blanks. */
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u3164', '\u115f', '\ufe0f', '\u2800', ' ', '\u00a0', '\u3000', '\t', '\u180e'];
const invisible = fc.array(fc.constantFrom(...INVISIBLE), { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));

/** Every schema of a required name or title, with the rest of a valid value around it. */
const NAMED: Array<[string, (name: string) => { success: boolean }]> = [
  ['vendor name', (name) => VendorInput.safeParse({ id: 'v1', name, category: 'florist' })],
  ['task title', (name) => TaskInput.safeParse({ id: 't1', kind: 'other', title: name })],
  ['display name', (name) => RenameBody.safeParse({ name })],
  ['workspace name', (name) => WorkspaceCreateBody.safeParse({ name, kind: 'planner' })],
  ['contact name', (name) => ContactCreateBody.safeParse({ name, role: 'planner', email: 'pat@example.com' })],
  ['comment text', (name) => Comment.safeParse({ id: 'c1', authorId: 'ana', subject: '', text: name, at: '2027-01-01T10:00:00Z' })],
];

describe('names and titles people read', () => {
  it('refuse text made only of characters that show as nothing, and take any with one visible character', () => {
    fc.assert(fc.property(invisible, fc.constantFrom('Ana', 'é', '😀', 'ㄱ', '李'), (blank, seen) => {
      expect(hasVisibleText(blank)).toBe(false);
      for (const [what, parse] of NAMED) {
        expect({ what, blank: parse(blank).success }).toEqual({ what, blank: false });
        expect({ what, seen: parse(`${blank}${seen}${blank}`).success }).toEqual({ what, seen: true });
      }
    }), { numRuns: 200 });
  });

  it('a vendor named with a zero-width space is refused 400 over HTTP and by the document', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    expect((await t.fetch('/api/weddings', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'w1', timezone: 'Europe/London' }) })).status).toBe(201);
    const res = await t.fetch('/api/weddings/w1/vendors', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '\u200b', category: 'florist' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('must contain a visible character') } });
    const w = new WeddingDoc(new Y.Doc());
    expect(() => w.upsertVendor({ id: 'v1', name: '\u3164\u200b', category: 'florist' })).toThrow(/visible character/);
    expect(w.upsertVendor({ id: 'v1', name: ' Bloom\u200b ', category: 'florist' }).name).toBe('Bloom\u200b');
  });
});
