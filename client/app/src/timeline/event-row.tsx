import { Component, type ComponentChildren } from 'preact';
import type { TimelineEvent } from '../../../sdk/index.ts';
import type { Peer } from '../presence/use-presence.ts';
import { humanize } from '../ui/labels.ts';
import type { OverlapRemark } from './overlaps.ts';
import { clockLabel, dateInZone, daysBetween, shortDate } from './zoned-time.ts';

export interface EventRowProps {
  event: TimelineEvent;
  index: number;
  count: number;
  timeZone: string;
  /** The wedding date: an event starting on another day shows its date, an end on a later day than the start is flagged. */
  date: string | undefined;
  /** The assigned vendors' names, joined. */
  vendorNames: string;
  /** Other people who have this event open. */
  editors: Peer[];
  /** The role may change events: without it the row offers *View* only, no move or delete. */
  canEdit: boolean;
  /** Changes are unavailable now: the move and delete buttons shown are disabled. */
  readOnly: boolean;
  readOnlyNoteId: string;
  open: boolean;
  dragging: boolean;
  /** The last change, when it came from outside ("moved by Lens & Light via Google Calendar, 2 minutes ago"). */
  external?: string | undefined;
  /** The events it shares time with (overlaps.ts): a remark, a warning when a vendor is on both. */
  overlap?: OverlapRemark | undefined;
  /** How many comments the event has: the closed row says so. */
  comments: number;
  children?: ComponentChildren;
}

/** Everything a closed row shows (links are not shown, so they are left out). */
const shownFields = (e: TimelineEvent) => `${e.title}\u0000${e.start}\u0000${e.end}\u0000${e.location}\u0000${e.category}\u0000${e.notes}`;
const editorsKey = (peers: Peer[]) => peers.map((p) => `${p.clientId}:${p.user?.name}:${p.user?.color}`).join('|');

/**
 * One event in the running order, with who else has it open and its actions. A 300-event day
 * re-renders on every keystroke anywhere in the wedding, so a closed row whose content did not
 * change skips rendering. The row has no event listeners of its own: the list handles clicks,
 * keys and drags for all rows (TimelineView), by `data-action` and `data-event-id`.
 */
export class EventRow extends Component<EventRowProps> {
  override shouldComponentUpdate(next: EventRowProps): boolean {
    const p = this.props;
    if (p.open || next.open) return true;
    return shownFields(p.event) !== shownFields(next.event) || p.index !== next.index || p.count !== next.count
      || p.vendorNames !== next.vendorNames || editorsKey(p.editors) !== editorsKey(next.editors) || p.readOnly !== next.readOnly || p.canEdit !== next.canEdit
      || p.dragging !== next.dragging || p.timeZone !== next.timeZone || p.date !== next.date || p.external !== next.external
      || p.overlap?.text !== next.overlap?.text || p.comments !== next.comments;
  }

  override render() {
    const p = this.props;
    const e = p.event;
    const titleId = `event-${e.id}-title`;
    const startDate = dateInZone(e.start, p.timeZone);
    // After midnight (teardown, an after-party) the time alone would read as the morning before.
    const otherDay = p.date !== undefined && startDate !== p.date;
    const endDay = daysBetween(startDate, dateInZone(e.end, p.timeZone));
    const describedBy = p.readOnly ? p.readOnlyNoteId : undefined;

    return (
      <li
        class={`event${p.open ? ' is-open' : ''}${p.dragging ? ' is-dragging' : ''}${p.editors.length ? ' is-edited' : ''}`}
        style={p.editors[0]?.user ? { '--editor-color': p.editors[0].user.color } : undefined}
        aria-labelledby={titleId}
        data-event-id={e.id}
        draggable={!p.readOnly && !p.open}
      >
        <div class="event-summary">
          <p class="event-time">
            {otherDay && <span class="event-date">{shortDate(startDate)} </span>}
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
              {p.vendorNames && <span>{p.vendorNames}</span>}
              {p.comments > 0 && <span class="comment-count">{p.comments === 1 ? '1 comment' : `${p.comments} comments`}</span>}
            </p>
            {e.notes.trim() && !p.open && <p class="event-notes"><span class="sr-only">Notes: </span>{e.notes}</p>}
            {p.overlap && <p class={`event-overlap${p.overlap.clash ? ' is-clash' : ''}`}>{p.overlap.text}</p>}
            {p.external && <p class="external-change">{p.external}</p>}
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
            {/* Names as aria-label, not visually hidden spans: 300 rows × 18 nodes fewer at load. */}
            <button type="button" aria-expanded={p.open} data-action="open" aria-label={`${p.readOnly ? 'View' : 'Edit'} ${e.title}`}>
              {p.readOnly ? 'View' : 'Edit'}
            </button>
            {p.canEdit && <>
            <button type="button" class="icon" data-action="up" disabled={p.readOnly || p.index === 0} aria-describedby={describedBy} aria-label={`Move ${e.title} earlier`}>↑</button>
            <button type="button" class="icon" data-action="down" disabled={p.readOnly || p.index === p.count - 1} aria-describedby={describedBy} aria-label={`Move ${e.title} later`}>↓</button>
            <button type="button" class="danger" data-action="delete" disabled={p.readOnly} aria-describedby={describedBy} aria-label={`Delete ${e.title}`}>
              Delete
            </button>
            </>}
          </div>
        </div>
        {p.children}
      </li>
    );
  }
}
