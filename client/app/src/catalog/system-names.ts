import { shortSystemName } from '../../../../schema/api/system-names.ts';

/** A system's name as people know it (schema/api/system-names.ts, the server's too). */
export const systemName = (system: string): string => shortSystemName(system);

/**
 * A connection's heading: its name with its system's, once (`Bloom's calendar (Google Calendar)`,
 * `Stripe`). A name that already names the system (the demo's "Google Calendar (demo)", a HoneyBook
 * preset called "HoneyBook") is shown alone.
 */
export function connectionTitle(name: string, system: string): string {
  return name.toLowerCase().includes(system.toLowerCase()) ? name : `${name} (${system})`;
}
