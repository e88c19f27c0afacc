import type { ComponentChildren } from 'preact';
import type { TimelineEvent, Vendor } from '../../../sdk/index.ts';
import type { Peer } from '../presence/use-presence.ts';
import { humanize } from '../ui/labels.ts';
import { clockLabel, dateInZone, daysBetween } from './zoned-time.ts';

export interface EventRowProps {
  event: TimelineEvent;
  index: number;
  count: number;
  timeZone: string;
  /** The wedding date, to flag an end that runs into the next day. */
  date: string | undefined;
  vendorsById: Map<string, Vendor>;
  /** Other people who have this event open. */
  editors: Peer[];
  readOnly: boolean;
  readOnlyNoteId: string;
  open: boolean;
  dragging: boolean;
  onOpen(): void;
  onMove(to: number, focus: 'up' | 'down' | 'row'): void;
  onDelete(): void;
  onDragStart(): void;
  onDragEnd(): void;
  onDropAt(): void;
  children?: ComponentChildren;
}

/** One event in the running order, with who else has it open and its actions. */
export function EventRow(p: EventRowProps) {
  const e = p.event;
  const titleId = `event-${e.id}-title`;
  const endDay = p.date ? daysBetween(p.date, dateInZone(e.end, p.timeZone)) : 0;
  const vendorNames = e.vendorIds.map((id) => p.vendorsById.get(id)?.name ?? id);
  const describedBy = p.readOnly ? p.readOnlyNoteId : undefined;

  const onKeyDown = (k: KeyboardEvent) => {
    if (p.readOnly || !k.altKey || (k.key !== 'ArrowUp' && k.key !== 'ArrowDown')) return;
    if ((k.target as HTMLElement).closest('form')) return;
    k.preventDefault();
    const to = k.key === 'ArrowUp' ? p.index - 1 : p.index + 1;
    if (to >= 0 && to < p.count) p.onMove(to, 'row');
  };

  return (
    <li
      class={`event${p.open ? ' is-open' : ''}${p.dragging ? ' is-dragging' : ''}${p.editors.length ? ' is-edited' : ''}`}
      style={p.editors[0]?.user ? { '--editor-color': p.editors[0].user.color } : undefined}
      aria-labelledby={titleId}
      data-event-id={e.id}
      draggable={!p.readOnly && !p.open}
      onDragStart={(d) => {
        d.dataTransfer?.setData('text/plain', e.id);
        if (d.dataTransfer) d.dataTransfer.effectAllowed = 'move';
        p.onDragStart();
      }}
      onDragEnd={p.onDragEnd}
      onDragOver={(d) => { if (!p.readOnly) d.preventDefault(); }}
      onDrop={(d) => { d.preventDefault(); p.onDropAt(); }}
      onKeyDown={onKeyDown}
    >
      <div class="event-summary">
        <p class="event-time">
          <time dateTime={e.start}>{clockLabel(e.start, p.timeZone)}</time>
          <span aria-hidden="true">–</span><span class="sr-only"> to </span>
          <time dateTime={e.end}>{clockLabel(e.end, p.timeZone)}</time>
          {endDay > 0 && <span class="next-day" title="ends the next day"> +{endDay}d</span>}
        </p>
        <div class="event-main">
          <h3 id={titleId} class="event-title">{e.title}</h3>
          <p class="event-meta">
            <span class="tag">{humanize(e.category)}</span>
            {e.location && <span>{e.location}</span>}
            {vendorNames.length > 0 && <span>{vendorNames.join(', ')}</span>}
          </p>
          {p.editors.length > 0 && (
            <p class="editing-now">
              {p.editors.map((peer) => (
                <span key={peer.clientId} class="presence-chip" style={{ '--chip-color': peer.user!.color }}>
                  {peer.user!.name} is editing
                </span>
              ))}
            </p>
          )}
        </div>
        <div class="event-actions">
          <button type="button" onClick={p.onOpen} aria-expanded={p.open} data-action="open">
            {p.readOnly ? 'View' : 'Edit'}<span class="sr-only"> {e.title}</span>
          </button>
          <button type="button" class="icon" data-action="up" disabled={p.readOnly || p.index === 0} aria-describedby={describedBy}
            onClick={() => p.onMove(p.index - 1, 'up')}>
            <span aria-hidden="true">↑</span><span class="sr-only">Move {e.title} earlier</span>
          </button>
          <button type="button" class="icon" data-action="down" disabled={p.readOnly || p.index === p.count - 1} aria-describedby={describedBy}
            onClick={() => p.onMove(p.index + 1, 'down')}>
            <span aria-hidden="true">↓</span><span class="sr-only">Move {e.title} later</span>
          </button>
          <button type="button" class="danger" data-action="delete" disabled={p.readOnly} aria-describedby={describedBy} onClick={p.onDelete}>
            Delete<span class="sr-only"> {e.title}</span>
          </button>
        </div>
      </div>
      {p.children}
    </li>
  );
}
