import { useMemo } from 'preact/hooks';
import type { WeddingDoc } from '../../../sdk/index.ts';
import type { Route } from '../routing/routes.ts';
import { ConflictItem } from './conflict-item.tsx';
import { entityKey, useConflictHistory } from './conflict-history.ts';
import { isDoubleBooking, partnerInDocument, usePartners } from './use-partners.ts';
import { weddingFacts } from './wedding-facts.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  timeZone: string;
  weddingDate: string | undefined;
  weddingId: string;
  token: string;
  /** Planners and admins decide (server/bridge/conflict-resolution.ts); others only read. */
  canAct: boolean;
  readOnly: boolean;
  readOnlyNoteId: string;
  navigate(route: Route): void;
}

/**
 * The conflicts recorded in the document, each in the wedding's words (conflict-words.ts): what
 * clashes, both values, who made each change and when, and the two choices by what they do.
 * A decision goes through the integrations API and comes back through the document to everyone.
 */
export function ConflictsView(props: Props) {
  const { doc, version, timeZone, weddingDate, weddingId, token, canAct } = props;
  const conflicts = useMemo(() => [...doc.listConflicts()].sort((a, b) =>
    Number(b.status === 'pending') - Number(a.status === 'pending') || b.at.localeCompare(a.at)), [doc, version]);
  const facts = useMemo(() => weddingFacts(doc, timeZone, weddingDate), [doc, version, timeZone, weddingDate]);
  const fromApi = usePartners(weddingId, token, conflicts);
  const partners = useMemo(() => new Map(conflicts.filter(isDoubleBooking).map((c) => [c.id, fromApi.get(c.id) ?? partnerInDocument(c, doc)])), [conflicts, fromApi, doc, version]);
  // Who made each change: the events (and entities) of the conflicts shown, from the activity trail.
  const shown = conflicts.filter((c, i) => c.status === 'pending' || i < 30);
  const keys = shown.flatMap((c) => {
    const own = entityKey(c);
    const partner = partners.get(c.id);
    const decided = c.resolvedBy?.startsWith('user:') ? [`conflicts:${c.id}`] : [];
    return [own, ...decided, ...(partner?.kind === 'event' ? [`timeline:${partner.eventId}`] : [])];
  }).filter((k) => /^[A-Za-z0-9_]{1,64}(:[A-Za-z0-9_.:-]{1,128})?$/.test(k));
  const history = useConflictHistory(weddingId, token, canAct, keys);
  const pending = conflicts.filter((c) => c.status === 'pending').length;

  return (
    <section aria-labelledby="conflicts-heading">
      <div class="section-head">
        <h2 id="conflicts-heading">Conflicts</h2>
        <p class="muted">
          {!pending ? 'Nothing waiting for a decision' : canAct ? `${pending} waiting for your decision` : 'Some are waiting for the planner'}
        </p>
      </div>
      <p class="hint">
        A conflict is recorded when a vendor is booked twice at once, or when a connected system and WedSync both changed the
        same thing since they last agreed. {canAct ? 'Choose what stands; everyone sees the result at once.' : 'The planner decides what stands.'}
      </p>
      {conflicts.length === 0 ? <p class="empty">No conflicts recorded.</p> : (
        <ul class="conflicts">
          {shown.map((c) => (
            <ConflictItem key={c.id} conflict={c} facts={facts} partner={partners.get(c.id)} history={history} weddingId={weddingId} token={token}
              canAct={canAct} readOnly={props.readOnly} readOnlyNoteId={props.readOnlyNoteId} navigate={props.navigate} />
          ))}
        </ul>
      )}
      {conflicts.length > shown.length && <p class="hint">The {conflicts.length - shown.length} oldest resolved conflicts are not shown.</p>}
    </section>
  );
}
