import { useEffect, useState } from 'preact/hooks';
import { z } from 'zod';
import { ActivityLatestResponse, type ActivityEntry } from '../../../../schema/api/activity.ts';
import { IntegrationSummary } from '../../../../schema/api/integrations.ts';
import type { WeddingDoc } from '../../../sdk/index.ts';
import { apiRequest } from '../api/api-client.ts';
import { systemName } from '../catalog/system-names.ts';
import { relativeTime } from '../ui/labels.ts';

/** The last change of an event, when it came from outside: who, through which system, when. */
export interface ExternalChange { verb: 'moved' | 'changed' | 'added'; by: string | null; via: string; at: string }

/** Document updates come in bursts (a pull, a drag): the activity is read once they settle. */
const SETTLE_MS = 800;

/**
 * Where a change came from is recorded per field in the activity (GET /api/weddings/:id/activity,
 * server/activity: the update's transaction origin, `{ kind: 'adapter', system, integrationId }`);
 * whose account it was comes from the binding (GET /api/integrations?weddingId: its `vendorId`,
 * named by the wedding's vendor list). Takes each event's newest change (GET …/activity/latest, one
 * per event however old) and keeps it when an adapter made it. `entries` newest first; an event
 * listed twice keeps its first entry.
 */
export function externalChanges(entries: ActivityEntry[], integrations: IntegrationSummary[], doc: WeddingDoc): Map<string, ExternalChange> {
  const byId = new Map(integrations.map((i) => [i.integrationId, i]));
  const seen = new Set<string>();
  const out = new Map<string, ExternalChange>();
  for (const e of entries) {
    if (e.root !== 'timeline' || seen.has(e.entityId)) continue;
    seen.add(e.entityId);
    if (e.actor.kind !== 'adapter') continue;
    const integration = byId.get(e.actor.integrationId);
    const vendorId = integration?.vendorId;
    const verb = e.change === 'added' ? 'added' : e.field === 'start' || e.field === 'end' ? 'moved' : 'changed';
    out.set(e.entityId, { verb, by: vendorId ? doc.getVendor(vendorId)?.name ?? null : null, via: systemName(e.actor.system), at: e.at });
  }
  return out;
}

/** "moved by Lens & Light via Google Calendar, 2 minutes ago". */
export function externalChangeLabel(c: ExternalChange, now = Date.now()): string {
  return `${c.verb}${c.by ? ` by ${c.by}` : ''} via ${c.via}, ${relativeTime(c.at, now)}`;
}

/**
 * The timeline's external changes, for those who may read the activity (planners and admins);
 * null for anyone else, or while they load. Re-read after document updates settle.
 */
export function useExternalChanges(weddingId: string, token: string, doc: WeddingDoc, version: number, enabled: boolean): Map<string, ExternalChange> | null {
  const [changes, setChanges] = useState<Map<string, ExternalChange> | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const id = encodeURIComponent(weddingId);
      Promise.all([
        apiRequest(`/api/weddings/${id}/activity/latest?root=timeline`, { token, schema: ActivityLatestResponse, signal: controller.signal }),
        apiRequest(`/api/integrations?weddingId=${id}`, { token, schema: z.object({ integrations: z.array(IntegrationSummary) }), signal: controller.signal }),
      ]).then(([activity, list]) => setChanges(externalChanges(activity.entries, list.integrations, doc)), () => {
        // Without the activity the timeline still works: rows show no label.
      });
    }, SETTLE_MS);
    return () => { controller.abort(); clearTimeout(timer); };
  }, [weddingId, token, doc, version, enabled]);
  return enabled ? changes : null;
}
