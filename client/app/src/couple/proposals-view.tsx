import { useContext, useMemo, useState } from 'preact/hooks';
import { SchemaError, type TxOrigin, type WeddingDoc } from '../../../sdk/index.ts';
import { CONTRIBUTION_ROOTS, decideProposal, listProposals, proposeChange, type Proposal } from '../../../../schema/document/contributions.ts';
import { clockLabel, isoInZone, nearestWallTime } from '../timeline/zoned-time.ts';
import { newId, relativeTime } from '../ui/labels.ts';
import { type FieldProblem, TimeField } from '../ui/time-field.tsx';
import { useAnnounce } from '../ui/use-announcer.ts';
import { SyncStateContext } from '../wedding/sync-context.ts';
import { useRootVersion } from '../wedding/use-doc-version.ts';
import { overlapRemarks, type OverlapRemark } from '../timeline/overlaps.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  timeZone: string;
  /** The reader's token subject: a proposal's author. */
  sub: string;
  origin: TxOrigin;
  /** Couples propose; planners (and admins) accept or decline. */
  mode: 'propose' | 'decide';
}

const STATUS_LABEL: Record<Proposal['status'], string> = { pending: 'Waiting for the planner', accepted: 'Accepted', declined: 'Declined' };

/**
 * Timeline changes the couple proposes (schema/document/contributions.ts, `proposals`): nothing on
 * the timeline changes until a planner accepts, which applies the change, checked as any event
 * write. Both sides work on the same document, so the couple sees the answer as soon as it is given.
 */
export function ProposalsView({ doc, version, timeZone, sub, origin, mode }: Props) {
  const announce = useAnnounce();
  const events = useMemo(() => doc.listEvents(), [doc, version]);
  const titles = useMemo(() => new Map(events.map((e) => [e.id, e])), [events]);
  const proposalsVersion = useRootVersion(doc, CONTRIBUTION_ROOTS.proposals);
  const proposals = useMemo(() => listProposals(doc.ydoc).sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [doc, version, proposalsVersion]);
  const [problem, setProblem] = useState<string | null>(null);

  const describe = (p: Proposal): string[] => {
    // Pending: the event as it is now; decided (accepted or declined): as it was when decided (kept
    // in the proposal), so a declined change still reads "16:15 → 16:30", never as the schedule.
    // A decision recorded without it (before declines kept it) says "proposed" instead of an arrow.
    const event = titles.get(p.eventId);
    const before = p.status === 'pending' ? event : p.before;
    const unknownFrom = p.status !== 'pending' && !p.before;
    const from = (v: string | undefined) => (v ? `${clockLabel(v, timeZone)} → ` : unknownFrom ? 'proposed ' : '');
    const parts: string[] = [];
    if (p.changes.start) parts.push(`Start ${from(before?.start)}${clockLabel(p.changes.start, timeZone)}`);
    if (p.changes.end) parts.push(`End ${from(before?.end)}${clockLabel(p.changes.end, timeZone)}`);
    // Text fields read as the times do: what it was (if anything), then what it becomes.
    const fromText = (v: string | undefined) => (v ? `“${v}” → ` : unknownFrom ? 'proposed ' : '');
    if (p.changes.title !== undefined) parts.push(`Title ${fromText(before?.title)}“${p.changes.title}”`);
    if (p.changes.location !== undefined) parts.push(`Location ${fromText(before?.location)}“${p.changes.location}”`);
    return parts;
  };

  /**
   * What accepting each pending move would newly overlap (timeline/overlaps.ts), said before the
   * planner accepts; an overlap the event already has is no news. Once per change of the wedding.
   */
  const overlapsIfAccepted = useMemo(() => {
    const names = new Map(doc.listVendors().map((v) => [v.id, v.name]));
    const nameOf = (id: string) => names.get(id) ?? 'a removed vendor';
    const now = overlapRemarks(events, nameOf);
    const out = new Map<string, OverlapRemark>();
    for (const p of proposals) {
      const event = titles.get(p.eventId);
      if (p.status !== 'pending' || !event || (!p.changes.start && !p.changes.end)) continue;
      const moved = { ...event, start: p.changes.start ?? event.start, end: p.changes.end ?? event.end };
      const after = overlapRemarks(events.map((e) => (e.id === event.id ? moved : e)), nameOf).get(event.id);
      if (after && after.text !== now.get(event.id)?.text) out.set(p.id, after);
    }
    return out;
  }, [doc, version, events, titles, proposals]);

  const decide = (p: Proposal, decision: 'accepted' | 'declined') => {
    setProblem(null);
    try {
      decideProposal(doc.ydoc, p.id, decision, sub, origin);
      announce(`${decision === 'accepted' ? 'Accepted' : 'Declined'} the change to ${titles.get(p.eventId)?.title ?? 'the event'}.`);
    } catch (error) {
      setProblem(error instanceof SchemaError ? `This change cannot be applied: ${error.message}.` : String(error));
    }
  };

  return (
    <section class="proposals" aria-labelledby="proposals-heading">
      <h2 id="proposals-heading">{mode === 'propose' ? 'Propose a change' : 'Changes proposed by the couple'}</h2>
      {mode === 'propose' && <ProposeForm doc={doc} events={events} timeZone={timeZone} sub={sub} origin={origin} />}
      {problem && <p class="notice" role="alert">{problem}</p>}
      <h3>{mode === 'propose' ? 'Your proposals' : 'Proposals'}</h3>
      {proposals.length === 0 ? <p class="empty">No proposals yet.</p> : (
        <ul class="proposal-list">
          {proposals.map((p) => (
            <li key={p.id} class={`proposal status-${p.status}`} data-proposal-id={p.id}>
              <p><strong>{titles.get(p.eventId)?.title ?? 'An event that was removed'}</strong>: {describe(p).join(' · ')}</p>
              {p.note && <p class="notes">“{p.note}”</p>}
              <p class="muted">{p.authorId === sub ? 'You' : 'The couple'} proposed it {relativeTime(p.createdAt)} · <span class="tag">{STATUS_LABEL[p.status]}</span>
                {p.status !== 'pending' && p.decidedAt && <> by {p.decidedBy === sub ? 'you' : mode === 'propose' ? 'the planner' : 'a planner'} {relativeTime(p.decidedAt)}</>}</p>
              {mode === 'decide' && overlapsIfAccepted.has(p.id) && (
                <p class={`event-overlap${overlapsIfAccepted.get(p.id)!.clash ? ' is-clash' : ''}`}>If accepted: {overlapsIfAccepted.get(p.id)!.text}</p>
              )}
              {mode === 'decide' && p.status === 'pending' && (
                <p class="actions">
                  <button type="button" onClick={() => decide(p, 'accepted')}>Accept<span class="sr-only"> the change to {titles.get(p.eventId)?.title}</span></button>
                  <button type="button" class="secondary" onClick={() => decide(p, 'declined')}>Decline<span class="sr-only"> the change to {titles.get(p.eventId)?.title}</span></button>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ProposeForm({ doc, events, timeZone, sub, origin }: { doc: WeddingDoc; events: ReturnType<WeddingDoc['listEvents']>; timeZone: string; sub: string; origin: TxOrigin }) {
  const announce = useAnnounce();
  const offline = useContext(SyncStateContext) === 'offline';
  const [eventId, setEventId] = useState(events[0]?.id ?? '');
  const [start, setStart] = useState('');
  const [startProblem, setStartProblem] = useState<FieldProblem>(null);
  const [startError, setStartError] = useState<FieldProblem>(null);
  const [location, setLocation] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const event = events.find((e) => e.id === eventId);

  const submit = (e: Event) => {
    e.preventDefault();
    setProblem(null);
    if (!event) return setProblem('Choose the event to change.');
    const changes: { start?: string; end?: string; location?: string } = {};
    if (startProblem) return setStartError(startProblem);
    if (start && start !== clockLabel(event.start, timeZone)) {
      // The new start is the one nearest the current start: 23:30 for an event at 00:30 after
      // midnight is the evening before, not 23 hours later.
      const iso = nearestWallTime(start, event.start, timeZone);
      if (!iso) return setStartError(`Type the new start as hours and minutes, e.g. 15:30 or 3:30 pm.`);
      // The event keeps its length.
      const length = Date.parse(event.end) - Date.parse(event.start);
      changes.start = iso;
      changes.end = isoInZone(Date.parse(iso) + length, timeZone);
    }
    if (location.trim() && location.trim() !== event.location) changes.location = location.trim();
    if (Object.keys(changes).length === 0) return setProblem('Change the start time or the place: the proposal has nothing to change yet.');
    try {
      proposeChange(doc.ydoc, { id: newId('prop'), authorId: sub, eventId: event.id, changes, note: note.trim() }, origin);
    } catch (error) {
      return setProblem(error instanceof SchemaError ? error.message : String(error));
    }
    setStart('');
    setStartError(null);
    setLocation('');
    setNote('');
    announce(offline ? `Your change to ${event.title} is kept on this device: it reaches the planner when you are back online.` : `Your change to ${event.title} was sent to the planner.`);
  };

  // Nothing to propose a change to: no form (with a button that could not be used) until there is.
  if (events.length === 0) return <p class="empty">The timeline has no events yet, so there is nothing to propose a change to.</p>;
  return (
    <form class="propose" onSubmit={submit}>
      <label><span>Event</span>
        <select value={eventId} onChange={(e) => setEventId(e.currentTarget.value)}>
          {events.map((e) => <option key={e.id} value={e.id}>{clockLabel(e.start, timeZone)} {e.title}</option>)}
        </select>
      </label>
      <div class="propose-time">
        <label for="propose-start">New start time</label>
        <TimeField id="propose-start" value={start} error={startError} onChange={(v, typed) => { setStart(v); setStartProblem(typed); setStartError(null); }} />
      </div>
      <label><span>New place</span><input type="text" value={location} maxLength={300} placeholder={event?.location ?? ''} onInput={(e) => setLocation(e.currentTarget.value)} /></label>
      <label><span>Why (optional)</span><textarea value={note} maxLength={2000} rows={2} onInput={(e) => setNote(e.currentTarget.value)} /></label>
      <button type="submit">Send to the planner</button>
      {problem && <p class="notice" role="alert">{problem}</p>}
    </form>
  );
}
