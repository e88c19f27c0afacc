import { describe, expect, it } from 'vitest';
import { categoryWords, conflictsWaiting, flowWhen } from '../../client/app/src/integrations/status-words.ts';

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
});
