import { catalog } from '../../adapters/catalog.ts';
import { presetFor } from '../../adapters/presets/index.ts';

/** "HoneyBook" for a HoneyBook preset connection, the catalogue's name otherwise, else the system id. */
export function systemNameOf(system: string, configuration: Record<string, unknown>): string {
  if (system === 'preset' && typeof configuration.preset === 'string') {
    try { return presetFor(configuration.preset).name; } catch { return 'a preset'; }
  }
  return catalog().find((e) => e.id === system)?.name ?? system;
}

/** A connection as people know it: the label they gave it, else its system's name ("HoneyBook", not "preset"). */
export function connectionName(c: { label: string; system: string; configuration: Record<string, unknown> }): string {
  return c.label.trim() || systemNameOf(c.system, c.configuration);
}
