import { describe, expect, it } from 'vitest';
import { categoryWords, conflictsWaiting, flowSentence, flowWhen, listWords, nothingConnectedWords, ownSystemsIntro, waitingWords } from '../../client/app/src/integrations/status-words.ts';

describe('the words of a wedding’s Integrations tab', () => {
  it('names categories as the catalogue does', () => {
    expect(categoryWords('photography_crm')).toBe('Photography CRM');
    expect(categoryWords('payment_processor')).toBe('Payments');
    expect(categoryWords('something_new')).toBe('Something new');
  });

  it('counts waiting conflicts in good English', () => {
    expect(conflictsWaiting(1)).toBe('1 conflict waiting');
    expect(conflictsWaiting(2)).toBe('2 conflicts waiting');
  });

  it('says a flow has carried nothing yet rather than "never"', () => {
    expect(flowWhen('outbound', null)).toBe('nothing sent for this wedding yet');
    expect(flowWhen('inbound', null)).toBe('nothing received for this wedding yet');
    expect(flowWhen('outbound', new Date(Date.now() - 5_000).toISOString())).toBe('5 seconds ago');
  });

  it('tells a vendor or the couple what each flow carries, in sentences, without the planner\'s queue words', () => {
    const now = Date.parse('2027-06-01T12:00:00Z');
    expect(listWords(['timeline'])).toBe('timeline');
    expect(listWords(['timeline', 'payments'])).toBe('timeline and payments');
    expect(listWords(['meta', 'timeline', 'guests'])).toBe('details, timeline and guest numbers');
    expect(flowSentence('outbound', ['timeline'], '2027-06-01T11:55:00Z', now)).toBe("It gets this wedding's timeline; last sent 5 minutes ago.");
    expect(flowSentence('inbound', ['vendors', 'payments'], null, now)).toBe("Changes made there to this wedding's vendors and payments come in; nothing received for this wedding yet.");
    expect(flowSentence('outbound', [], null, now)).toBe("It gets this wedding's changes; nothing sent for this wedding yet.");
    expect(waitingWords({ outbox: { dead: 0 }, inbox: { parked: 0 } })).toEqual([]);
    expect(waitingWords({ outbox: { dead: 1 }, inbox: { parked: 2 } })).toEqual(['1 change could not be sent to it (listed below).', '2 changes from it could not be applied to this wedding.']);
    // A vendor reads about their own systems, and what connecting one gives them; the couple about the wedding's.
    expect(ownSystemsIntro('vendor')).toMatch(/^Your systems/);
    expect(ownSystemsIntro('couple')).toMatch(/^The systems this wedding/);
    expect(nothingConnectedWords('vendor')).toContain('bind it to this wedding');
    expect(nothingConnectedWords('couple')).toBe('No systems are connected to this wedding.');
  });
});
