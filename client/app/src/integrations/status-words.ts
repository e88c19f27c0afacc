// The words of a wedding's Integrations tab that are not plain fields: kept pure so they are
// tested (tests/planner-app/integration-status-words.test.ts).

import { categoryLabel } from '../catalog/catalog-api.ts';
import { relativeTime } from '../ui/labels.ts';

/** `photography_crm` → `Photography CRM`: the catalogue's word for a system's category. */
export function categoryWords(category: string): string {
  const label = categoryLabel(category);
  return label ? label[0]!.toUpperCase() + label.slice(1) : label;
}

/** `1 conflict waiting`, `3 conflicts waiting`. */
export function conflictsWaiting(count: number): string {
  return `${count} conflict${count === 1 ? '' : 's'} waiting`;
}

/**
 * When a flow last carried a change (`lastAt` ISO 8601 UTC, or null): a flow that never carried
 * one says so in words (nothing of this wedding has gone out or come in yet), not "never", which
 * reads as stuck.
 */
export function flowWhen(direction: 'inbound' | 'outbound', lastAt: string | null, now = Date.now()): string {
  if (lastAt) return relativeTime(lastAt, now);
  return direction === 'outbound' ? 'nothing sent for this wedding yet' : 'nothing received for this wedding yet';
}
