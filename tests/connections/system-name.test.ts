import { describe, expect, it } from 'vitest';
import { connectionName, systemNameOf } from '../../server/bridge/system-name.ts';

describe('what a connection is called', () => {
  it('its label; else its system’s short name, a preset’s own name, or an unknown preset by its id (never "a preset")', () => {
    expect(connectionName({ label: ' Studio bookings ', system: 'calendly', configuration: {} })).toBe('Studio bookings');
    expect(connectionName({ label: '', system: 'outlook-calendar', configuration: {} })).toBe(systemNameOf('outlook-calendar', {}));
    expect(systemNameOf('preset', { preset: 'honeybook' })).toBe('HoneyBook');
    expect(systemNameOf('preset', { preset: 'retired-crm' })).toBe('Preset “retired-crm”');
    expect(connectionName({ label: '  ', system: 'preset', configuration: { preset: 'retired-crm' } })).toBe('Preset “retired-crm”');
  });
});
