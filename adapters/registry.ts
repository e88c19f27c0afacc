import type { AdapterDefinition } from './core/index.ts';
import { webhooksAdapter } from './webhooks/index.ts';
import { googleCalendarAdapter } from './google-calendar/index.ts';
import { outlookAdapter } from './outlook/index.ts';
import { calDavAdapter } from './caldav/index.ts';

/** Every adapter the server can connect, by system name (the adapter's folder name). */
export const ADAPTERS: readonly AdapterDefinition[] = [webhooksAdapter, googleCalendarAdapter, outlookAdapter, calDavAdapter];

export function adapterFor(system: string): AdapterDefinition | undefined {
  return ADAPTERS.find((a) => a.system === system);
}
