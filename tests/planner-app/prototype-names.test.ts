import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actorWords } from '../../client/app/src/activity/activity-words.ts';
import { categoryLabel } from '../../client/app/src/catalog/catalog-api.ts';
import { fieldLabel as formFieldLabel } from '../../client/app/src/catalog/form-fields.ts';
import { systemName as catalogSystemName } from '../../client/app/src/catalog/system-names.ts';
import { actorName, systemName as conflictSystemName } from '../../client/app/src/conflicts/conflict-words.ts';
import { fieldLabel as conflictFieldLabel } from '../../client/app/src/conflicts/value-words.ts';
import { oauthOutcome } from '../../client/app/src/connections/oauth-outcome.ts';
import { acknowledgedAt } from '../../client/app/src/messages/message-labels.ts';
import { parseClock, readClock } from '../../client/app/src/ui/clock-text.ts';
import { humanize } from '../../client/app/src/ui/labels.ts';
import { currencyExponent } from '../../schema/document/money.ts';

/**
 * Every name Object.prototype answers to (`constructor`, `toString`, `__proto__`, …): typed into a
 * field, sent by a system or carried in an address, each must read as any other unknown word, never
 * as the inherited member (CI once failed on `__proto__` typed into a time).
 */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const text = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string());
const INHERITED = /function|native code|\[object/;

/** A word function's answer must be words: a string that does not show an inherited member. */
function words(value: unknown): string {
  expect(typeof value).toBe('string');
  expect(value as string).not.toMatch(INHERITED);
  return value as string;
}

describe('names of Object.prototype members read as plain words in the app', () => {
  it('has the names to test (constructor, toString, __proto__, …)', () => {
    expect(PROTOTYPE_NAMES).toEqual(expect.arrayContaining(['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']));
  });

  it('reads each as an unknown word, exactly as a name no table holds', () => {
    for (const name of PROTOTYPE_NAMES) {
      const plain = name.replace(/[_-]+/g, ' ').trim();
      expect(humanize(name)).toBe(plain[0]!.toUpperCase() + plain.slice(1));
      expect(catalogSystemName(name)).toBe(humanize(name));
      expect(conflictSystemName(name)).toBe(humanize(name));
      expect(categoryLabel(name)).toBe(name.replace(/_/g, ' '));
      expect(parseClock(name)).toBeNull();
      expect(readClock(name).problem).toBe(`“${name}” is not a time: type it as hours and minutes, e.g. 14:30 or 2:30 pm.`);
      expect(currencyExponent(name)).toBe(2);
      words(formFieldLabel(name));
      words(conflictFieldLabel(name));
      expect(actorWords({ kind: 'adapter', id: 'a', system: name, integrationId: 'i' })).toBe(humanize(name));
      expect(actorWords({ kind: 'admin', id: 'per_x', action: name, name: 'Pia', role: 'planner' })).toBe('Pia');
      expect(actorName({ kind: 'client', id: 'per_x', name: '', role: name })).toBe('Someone');
    }
  });

  it('says a refused OAuth return in words for any error code in the address', () => {
    const g = globalThis as unknown as { location?: unknown; history?: unknown };
    const kept = { location: g.location, history: g.history };
    try {
      for (const code of [...PROTOTYPE_NAMES, 'made_up_code']) {
        g.location = { search: `?oauth_error=${encodeURIComponent(code)}`, pathname: '/connections', hash: '' };
        g.history = { replaceState: () => {} };
        expect(oauthOutcome()).toBe(`Not connected: the connection was refused (${code}).`);
      }
    } finally {
      g.location = kept.location;
      g.history = kept.history;
    }
  });

  it('gives words, never an inherited member, for any text (property)', () => {
    fc.assert(fc.property(text, (name) => {
      for (const f of [humanize, catalogSystemName, conflictSystemName, categoryLabel, formFieldLabel, conflictFieldLabel]) words(f(name));
      const reading = readClock(name);
      if (reading.clock === null) words(reading.problem); else expect(reading.clock).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(Number.isInteger(currencyExponent(name))).toBe(true);
    }), { numRuns: 2000 });
  });

  it('reads a recipient named like a prototype member as unacknowledged until it acknowledges (inbox, message log)', () => {
    for (const id of PROTOTYPE_NAMES) {
      expect(acknowledgedAt({ acks: {} }, id)).toBeNull();
      expect(acknowledgedAt({ acks: { ven_other: '2027-06-12T10:00:00Z' } }, id)).toBeNull();
      const acks = JSON.parse(`{${JSON.stringify(id)}: "2027-06-12T10:05:00Z"}`) as Record<string, string>;
      expect(acknowledgedAt({ acks }, id)).toBe('2027-06-12T10:05:00Z');
    }
  });
});
