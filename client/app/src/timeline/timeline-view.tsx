import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { TimelineEvent, type TxOrigin, type WeddingDoc } from '../../../sdk/index.ts';
import type { Peer } from '../presence/use-presence.ts';
import { newId } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { EventDetails } from './event-details.tsx';
import { EventForm } from './event-form.tsx';
import { overlapRemarks } from './overlaps.ts';
import { EventRow } from './event-row.tsx';
import { checkEventTimes, type WeddingDay } from './event-times.ts';
import { planMove } from './reorder.ts';
import { ShiftPanel, TemplateOffer } from './timeline-tools.tsx';
import type { UndoControls } from './use-undo.ts';
import { clockLabel, isoInZone, localInputToMs, toLocalInput } from './zoned-time.ts';
import { useStatusLine } from '../ui/status-line.ts';
import { EventComments, useCommentCounts, type CommentsContext } from '../comments/event-comments.tsx';

export interface TimelineViewProps {
  doc: WeddingDoc;
  /** Changes with every document update (useDocVersion), so the list re-reads the document. */
  version: number;
  day: WeddingDay;
  /** The role may change the timeline: without it no editing control is rendered (the rows offer *View*). */
  canEdit: boolean;
  /** Changes are unavailable now (no rights, or the server paused them): the controls shown are disabled. */
  readOnly: boolean;
  /** The notice saying why changes are paused, for the disabled controls' aria-describedby. */
  readOnlyNoteId: string;
  origin: TxOrigin;
  peers: Peer[];
  setEditing(eventId: string | null): void;
  /** Owned by the wedding view so the history survives switching sections. */
  undo: UndoControls;
  /** The activity of one event (activity view), for planners and admins. */
  eventHistory?: { href(eventId: string): string; open(eventId: string): void } | undefined;
  /** An event's last change when it came from outside, in words (external-changes.ts); absent for those who may not read the activity. */
  externalChangeOf?(eventId: string): string | undefined;
  /** Who comments and how authors are named: an open event shows its comments (comments/event-comments.tsx). */
  comments?: CommentsContext | undefined;
  /** The server is not taking changes now: comments are shown, not posted. */
  paused?: boolean;
}

/** The row (`li[data-event-id]`) an event target is in. */
const rowOf = (target: EventTarget | null) => (target as Element | null)?.closest?.<HTMLElement>('li[data-event-id]') ?? null;

type Focus = { id: string; control: 'open' | 'up' | 'down' | 'row' | 'delete' } | { id: 'add'; control: 'add' };

/** The running order of the wedding day: list, add, edit, reorder, delete with undo. */
export function TimelineView(props: TimelineViewProps) {
  const { doc, day, canEdit, readOnly, origin } = props;
  const announce = useAnnounce();
  const undo = props.undo;
  const events = useMemo(() => doc.listEvents(), [doc, props.version]);
  const vendors = useMemo(() => doc.listVendors(), [doc, props.version]);
  const vendorsById = useMemo(() => new Map(vendors.map((v) => [v.id, v])), [vendors]);
  const commentCounts = useCommentCounts(doc);
  const overlaps = useMemo(() => overlapRemarks(events, (id) => vendorsById.get(id)?.name ?? 'a removed vendor'), [events, vendorsById]);
  const [openId, setOpenId] = useState<string | null>(null);
  const [adding, setAdding] = useState<{ id: string; start: string; end: string } | null>(null);
  const [dragId, setDragId] = useState<string | null>(null);
  const [notice, setNotice] = useStatusLine<{ text: string; undo: boolean }>();
  const [shifting, setShifting] = useState(false);
  const linkedTo = useRef<string | null>(null);
  const focusNext = useRef<Focus | null>(null);
  const listRef = useRef<HTMLOListElement>(null);

  // Presence: what this tab has open.
  useEffect(() => { props.setEditing(readOnly ? null : openId); }, [openId, readOnly]);
  useEffect(() => () => props.setEditing(null), []);

  // An event someone else deleted while it was open here.
  useEffect(() => {
    if (openId && !events.some((e) => e.id === openId)) {
      setOpenId(null);
      setNotice({ text: 'The event you had open has been deleted.', undo: false });
    }
  }, [events, openId]);

  // Focus, in the commit that changed the list (a layout effect, not useEffect).
  // NOTE: Preact moves a reordered row with insertBefore, and a focused element that is moved
  // loses focus (to <body>). A deferred useEffect could run too early: Preact flushes a previous
  // render's pending effects when the next render starts, i.e. against the old DOM, before the
  // move; focus then ended on <body> (the intermittent "focus never reached Edit Ceremony").
  // - after an action here, focus follows the control that was used (focusNext);
  // - otherwise a control that had focus when this render began keeps it, whoever's change
  //   (a colleague's, an integration's) moved its row. A row whose content changed has a new
  //   summary (event-summary-html.ts), so its control is found again by row and data-action.
  const focusedAtRender = listRef.current?.contains(document.activeElement) ? document.activeElement as HTMLElement : null;
  const focusedControl = focusedAtRender?.dataset.action ? { id: rowOf(focusedAtRender)?.dataset.eventId, action: focusedAtRender.dataset.action } : null;
  useLayoutEffect(() => {
    const f = focusNext.current;
    focusNext.current = null;
    if (!f) {
      const lost = !document.activeElement || document.activeElement === document.body;
      if (!lost || !focusedAtRender) return;
      const target = focusedAtRender.isConnected ? focusedAtRender : focusedControl?.id
        ? listRef.current?.querySelector<HTMLElement>(`[data-event-id="${CSS.escape(focusedControl.id)}"] [data-action="${CSS.escape(focusedControl.action)}"]`)
        : null;
      target?.focus({ preventScroll: true });
      return;
    }
    if (f.id === 'add') return document.getElementById('timeline-add')?.focus();
    const row = listRef.current?.querySelector<HTMLElement>(`[data-event-id="${CSS.escape(f.id)}"]`);
    const target = f.control === 'row' ? row?.querySelector<HTMLElement>('[data-action="open"]') : row?.querySelector<HTMLElement>(`[data-action="${f.control}"]`);
    (target && !(target as HTMLButtonElement).disabled ? target : row?.querySelector<HTMLElement>('[data-action="open"]'))?.focus();
  });

  // A link to an event (`#event-<id>`, from a conflict or the activity): bring its row into view, once.
  useEffect(() => {
    const m = /^#event-([A-Za-z0-9_]{1,128})$/.exec(location.hash);
    if (!m || linkedTo.current === location.hash) return;
    const target = listRef.current?.querySelector<HTMLElement>(`[data-event-id="${CSS.escape(m[1]!)}"]`);
    if (!target) return;
    linkedTo.current = location.hash;
    target.scrollIntoView({ block: 'center' });
    target.classList.add('is-linked');
    target.querySelector<HTMLElement>('[data-action="open"]')?.focus({ preventScroll: true });
  }, [events]);

  // Ctrl/Cmd+Z and Ctrl/Cmd+Shift+Z (or Ctrl+Y) outside text fields, which keep their own undo.
  useEffect(() => {
    if (readOnly) return;
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select, [contenteditable="true"]')) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey && undo.canUndo) { e.preventDefault(); runUndo(); }
      else if (((key === 'z' && e.shiftKey) || key === 'y') && undo.canRedo) { e.preventDefault(); runRedo(); }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  const runUndo = () => {
    const label = undo.undoLabel;
    undo.undo();
    setNotice(null);
    announce(`Undone: ${label ?? 'last change'}`);
  };
  const runRedo = () => {
    const label = undo.redoLabel;
    undo.redo();
    announce(`Redone: ${label ?? 'change'}`);
  };

  const startAdding = () => {
    const last = events[events.length - 1];
    const startMs = last ? Date.parse(last.end) : localInputToMs(`${day.date ?? toLocalInput(new Date().toISOString(), day.timeZone).slice(0, 10)}T12:00`, day.timeZone);
    setOpenId(null);
    setAdding({ id: newId('evt'), start: toLocalInput(isoInZone(startMs, day.timeZone), day.timeZone), end: toLocalInput(isoInZone(startMs + 30 * 60_000, day.timeZone), day.timeZone) });
  };

  const move = (id: string, to: number, control: 'up' | 'down' | 'row') => {
    const from = events.findIndex((e) => e.id === id);
    const event = events[from];
    if (!event || readOnly) return;
    const patches = planMove(events, from, to, day.timeZone);
    // Check every changed event before writing any: a transaction cannot be rolled back half-way.
    for (const patch of patches) {
      const current = events.find((e) => e.id === patch.id)!;
      const merged = { ...current, ...patch };
      const problems = checkEventTimes(toLocalInput(merged.start, day.timeZone), toLocalInput(merged.end, day.timeZone), day);
      const schema = TimelineEvent.safeParse(merged);
      if (problems.length || !schema.success) {
        const why = problems[0]?.message ?? schema.error?.issues[0]?.message ?? 'invalid';
        setNotice({ text: `Could not move “${event.title}”: “${current.title}” would end up with invalid times (${why}).`, undo: false });
        return;
      }
    }
    undo.perform(`move “${event.title}”`, () => { for (const patch of patches) doc.upsertEvent(patch, origin); });
    focusNext.current = { id: event.id, control };
    const moved = patches.find((p) => p.id === event.id);
    announce(`Moved ${event.title} ${to < from ? 'earlier' : 'later'}${moved ? `: now ${clockLabel(moved.start, day.timeZone)} to ${clockLabel(moved.end, day.timeZone)}` : ''}.`);
  };

  const remove = (id: string) => {
    const index = events.findIndex((e) => e.id === id);
    const event = events[index];
    if (!event || readOnly) return;
    undo.perform(`delete “${event.title}”`, () => doc.deleteEvent(event.id, origin));
    if (openId === event.id) setOpenId(null);
    const neighbour = events[index + 1] ?? events[index - 1];
    focusNext.current = neighbour ? { id: neighbour.id, control: 'open' } : { id: 'add', control: 'add' };
    setNotice({ text: `Deleted “${event.title}”.`, undo: true });
  };

  const dropOn = (id: string) => {
    const to = events.findIndex((e) => e.id === id);
    const from = events.findIndex((e) => e.id === dragId);
    setDragId(null);
    if (from >= 0 && to >= 0 && from !== to && dragId) move(dragId, to, 'row');
  };

  // One set of listeners on the list serves every row (see EventRow).
  const onListClick = (e: MouseEvent) => {
    const button = (e.target as Element).closest<HTMLButtonElement>('button[data-action]');
    const id = rowOf(button)?.dataset.eventId;
    if (!button || !id || button.disabled || button.closest('form')) return;
    const index = events.findIndex((x) => x.id === id);
    switch (button.dataset.action) {
      case 'open': setAdding(null); setOpenId(openId === id ? null : id); break;
      case 'up': move(id, index - 1, 'up'); break;
      case 'down': move(id, index + 1, 'down'); break;
      case 'delete': remove(id); break;
    }
  };
  const onListKeyDown = (k: KeyboardEvent) => {
    if (readOnly || !k.altKey || (k.key !== 'ArrowUp' && k.key !== 'ArrowDown')) return;
    const id = rowOf(k.target)?.dataset.eventId;
    if (!id || (k.target as Element).closest('form')) return;
    k.preventDefault();
    const index = events.findIndex((x) => x.id === id);
    const to = k.key === 'ArrowUp' ? index - 1 : index + 1;
    if (to >= 0 && to < events.length) move(id, to, 'row');
  };
  const onDragStart = (d: DragEvent) => {
    const id = rowOf(d.target)?.dataset.eventId;
    if (!id || readOnly) return;
    d.dataTransfer?.setData('text/plain', id);
    if (d.dataTransfer) d.dataTransfer.effectAllowed = 'move';
    setDragId(id);
  };
  const onDrop = (d: DragEvent) => {
    const id = rowOf(d.target)?.dataset.eventId;
    if (!id) return;
    d.preventDefault();
    dropOn(id);
  };

  const editors = (id: string) => props.peers.filter((p) => !p.self && p.editing === id && p.user);

  return (
    <section class="timeline" aria-labelledby="timeline-heading">
      <div class="section-head">
        <h2 id="timeline-heading">Timeline</h2>
        {canEdit && <div class="toolbar">
          <button type="button" id="timeline-add" class="primary" onClick={startAdding} disabled={readOnly || adding !== null} aria-describedby={readOnly ? props.readOnlyNoteId : undefined}>
            Add event
          </button>
          <button type="button" id="timeline-shift" onClick={() => setShifting(!shifting)} aria-expanded={shifting} disabled={readOnly || events.length === 0}
            aria-describedby={readOnly ? props.readOnlyNoteId : undefined}>
            Shift later events
          </button>
          <button type="button" onClick={runUndo} disabled={readOnly || !undo.canUndo} title="Ctrl+Z">
            Undo{undo.undoLabel ? <span class="muted"> {undo.undoLabel}</span> : null}
          </button>
          <button type="button" onClick={runRedo} disabled={readOnly || !undo.canRedo} title="Ctrl+Shift+Z">
            Redo{undo.redoLabel ? <span class="muted"> {undo.redoLabel}</span> : null}
          </button>
        </div>}
      </div>
      {!readOnly && events.length > 1 && (
        <p class="hint" id="reorder-hint">Reorder with the arrow buttons, Alt+↑/Alt+↓ on an event, or by dragging. A moved event swaps time slots with its neighbour.</p>
      )}
      {notice && (
        <div class="notice" role="status">
          <span>{notice.text}</span>
          {notice.undo && undo.canUndo && <button type="button" onClick={runUndo}>Undo</button>}
          <button type="button" class="link" onClick={() => setNotice(null)}>Dismiss</button>
        </div>
      )}
      {shifting && !readOnly && events.length > 0 && (
        <ShiftPanel doc={doc} events={events} day={day} origin={origin} perform={undo.perform} initialFrom={openId}
          onClose={() => {
            setShifting(false);
            // The panel leaves the DOM with the focus in it: back to the button that opened it.
            setTimeout(() => document.getElementById('timeline-shift')?.focus(), 0);
          }} />
      )}
      {adding && (
        <div class="adding">
          <EventForm doc={doc} draftNew={adding} day={day} vendors={vendors} readOnly={readOnly} readOnlyNoteId={props.readOnlyNoteId} origin={origin} perform={undo.perform}
            onClose={(saved) => {
              setAdding(null);
              if (saved) {
                focusNext.current = { id: saved, control: 'open' };
                announce('Event added.');
              } else focusNext.current = { id: 'add', control: 'add' };
            }} />
        </div>
      )}
      {events.length === 0 && !adding ? (
        <>
          <p class="empty">No events yet.{readOnly ? '' : ' Add the first one with “Add event”, or start from a standard day.'}</p>
          {!readOnly && <TemplateOffer doc={doc} day={day} origin={origin} perform={undo.perform} />}
        </>
      ) : (
        <ol class="events" ref={listRef} aria-label="Events in time order" aria-describedby={readOnly ? undefined : 'reorder-hint'}
          onClick={onListClick} onKeyDown={onListKeyDown} onDragStart={onDragStart} onDragEnd={() => setDragId(null)}
          onDragOver={(d) => { if (!readOnly && dragId) d.preventDefault(); }} onDrop={onDrop}>
          {events.map((e, i) => (
            <EventRow key={e.id} event={e} index={i} count={events.length} timeZone={day.timeZone} date={day.date}
              vendorNames={e.vendorIds.map((id) => vendorsById.get(id)?.name ?? 'a removed vendor').join(', ')}
              editors={editors(e.id)} external={props.externalChangeOf?.(e.id)} overlap={overlaps.get(e.id)} canEdit={canEdit} readOnly={readOnly} readOnlyNoteId={props.readOnlyNoteId} open={openId === e.id} dragging={dragId === e.id}
              comments={commentCounts.get(`timeline.${e.id}`) ?? 0}>
              {openId === e.id && !canEdit && (
                <EventDetails key={e.id} doc={doc} event={e} day={day} vendors={vendors} onClose={() => {
                  setOpenId(null);
                  focusNext.current = { id: e.id, control: 'open' };
                }} />
              )}
              {openId === e.id && canEdit && (
                <EventForm key={e.id} doc={doc} event={e} day={day} vendors={vendors} readOnly={readOnly} readOnlyNoteId={props.readOnlyNoteId}
                  origin={origin} perform={undo.perform}
                  history={props.eventHistory ? { href: props.eventHistory.href(e.id), open: () => props.eventHistory!.open(e.id) } : undefined}
                  onClose={(saved) => {
                    setOpenId(null);
                    focusNext.current = { id: e.id, control: 'open' };
                    if (saved) announce(`Saved ${e.title}.`);
                  }} />
              )}
              {openId === e.id && props.comments && (
                <EventComments doc={doc} subject={`timeline.${e.id}`} about={e.title} vendors={vendors} context={props.comments} paused={props.paused ?? false} />
              )}
            </EventRow>
          ))}
        </ol>
      )}
    </section>
  );
}
