import { describe, expect, it } from 'vitest';
import { EVENT_CATEGORIES, VENDOR_CATEGORIES, VENDOR_STATUSES } from '../../schema/index.ts';
import { humanize } from '../../client/app/src/ui/labels.ts';

describe('labels people read', () => {
  it('spells acronyms and joined trades as people write them, and capitalises the rest', () => {
    expect(humanize('dj')).toBe('DJ');
    expect(humanize('hair_makeup')).toBe('Hair & makeup');
    expect(humanize('cocktail_hour')).toBe('Cocktail hour');
    // Every category and status the app lists reads as words: no underscores, a capital first letter.
    for (const value of [...VENDOR_CATEGORIES, ...EVENT_CATEGORIES, ...VENDOR_STATUSES]) {
      expect(humanize(value), value).toMatch(/^[A-Z][^_]*$/);
    }
  });
});
