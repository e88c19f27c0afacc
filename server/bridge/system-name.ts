import { presetFor } from '../../adapters/presets/index.ts';
import { shortSystemName } from '../../schema/api/system-names.ts';

/**
 * "HoneyBook" for a HoneyBook preset connection; otherwise the system's short name, the same on
 * every page and in every message ("Outlook", "Webhooks": schema/api/system-names.ts).
 */
export function systemNameOf(system: string, configuration: Record<string, unknown>): string {
  if (system === 'preset' && typeof configuration.preset === 'string') {
    // A preset this version does not have (removed, or from a newer version) is named by its id.
    try { return presetFor(configuration.preset).name; } catch { return `Preset “${configuration.preset}”`; }
  }
  return shortSystemName(system);
}

/** A connection as people know it: the label they gave it, else its system's name ("HoneyBook", not "preset"). */
export function connectionName(c: { label: string; system: string; configuration: Record<string, unknown> }): string {
  return c.label.trim() || systemNameOf(c.system, c.configuration);
}
