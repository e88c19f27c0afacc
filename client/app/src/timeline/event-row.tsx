import { Component, type ComponentChildren } from 'preact';
import type { TimelineEvent } from '../../../sdk/index.ts';
import type { Peer } from '../presence/use-presence.ts';
import { applyChipColors, eventSummaryHtml } from './event-summary-html.ts';

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
  readOnly: boolean;
  readOnlyNoteId: string;
  open: boolean;
  dragging: boolean;
  /** The last change, when it came from outside ("moved by Lens & Light via Google Calendar, 2 minutes ago"). */
  external?: string | undefined;
  children?: ComponentChildren;
}

/** Everything a closed row shows (links are not shown, so they are left out). */
const shownFields = (e: TimelineEvent) => `${e.title}\u0000${e.start}\u0000${e.end}\u0000${e.location}\u0000${e.category}\u0000${e.notes}`;
const editorsKey = (peers: Peer[]) => peers.map((p) => `${p.clientId}:${p.user?.name}:${p.user?.color}`).join('|');

/**
 * One event in the running order, with who else has it open and its actions. A 300-event day
 * re-renders on every keystroke anywhere in the wedding, so a closed row whose content did not
 * change skips rendering. The row has no event listeners of its own: the list handles clicks,
 * keys and drags for all rows (TimelineView), by `data-action` and `data-event-id`. What a row
 * shows is one HTML string (event-summary-html.ts); an open row's form follows it as children.
 */
export class EventRow extends Component<EventRowProps> {
  override shouldComponentUpdate(next: EventRowProps): boolean {
    const p = this.props;
    if (p.open || next.open) return true;
    return shownFields(p.event) !== shownFields(next.event) || p.index !== next.index || p.count !== next.count
      || p.vendorNames !== next.vendorNames || editorsKey(p.editors) !== editorsKey(next.editors) || p.readOnly !== next.readOnly
      || p.dragging !== next.dragging || p.timeZone !== next.timeZone || p.date !== next.date || p.external !== next.external;
  }

  override componentDidMount(): void {
    this.colorChips();
  }

  override componentDidUpdate(): void {
    this.colorChips();
  }

  private colorChips(): void {
    if (this.props.editors.length && this.base instanceof Element) applyChipColors(this.base);
  }

  override render() {
    const p = this.props;
    const e = p.event;
    return (
      <li
        class={`event${p.open ? ' is-open' : ''}${p.dragging ? ' is-dragging' : ''}${p.editors.length ? ' is-edited' : ''}`}
        style={p.editors[0]?.user ? { '--editor-color': p.editors[0].user.color } : undefined}
        aria-labelledby={`event-${e.id}-title`}
        data-event-id={e.id}
        draggable={!p.readOnly && !p.open}
      >
        {/* Built as one string (event-summary-html.ts): 300 rows through the diff were most of a cold load. */}
        <div class="event-summary" dangerouslySetInnerHTML={{ __html: eventSummaryHtml(p) }} />
        {p.children}
      </li>
    );
  }
}
