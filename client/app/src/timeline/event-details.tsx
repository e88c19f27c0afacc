import { useRef } from 'preact/hooks';
import type { TimelineEvent, Vendor, WeddingDoc } from '../../../sdk/index.ts';
import { humanize } from '../ui/labels.ts';
import type { WeddingDay } from './event-times.ts';
import { clockLabel, dateInZone, shortDate } from './zoned-time.ts';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

interface Props {
  doc: WeddingDoc;
  event: TimelineEvent;
  day: WeddingDay;
  vendors: Vendor[];
  onClose(): void;
}

/**
 * One event's details as text, for the roles that may not change the timeline (vendors, the couple,
 * viewers): the same facts as the edit form, without fields that could never be used. The event is
 * re-read on every document update, so a planner's change (notes too) shows here as it happens.
 */
export function EventDetails({ event, day, vendors, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const headingId = `ev-${event.id}-heading`;
  useFocusOnShow(ref);
  const when = (iso: string) => {
    const date = dateInZone(iso, day.timeZone);
    return `${date !== day.date ? `${shortDate(date)} ` : ''}${clockLabel(iso, day.timeZone)}`;
  };
  const names = event.vendorIds.map((id) => vendors.find((v) => v.id === id)?.name ?? 'a removed vendor');

  return (
    <div class="event-form event-details" role="group" aria-labelledby={headingId} tabIndex={-1} ref={ref}
      onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); onClose(); } }}>
      <h4 id={headingId}>Details of “{event.title}”</h4>
      <dl class="details-list">
        <div><dt>Starts</dt><dd>{when(event.start)}</dd></div>
        <div><dt>Ends</dt><dd>{when(event.end)}</dd></div>
        <div><dt>Location</dt><dd>{event.location || <span class="muted">Not set</span>}</dd></div>
        <div><dt>Category</dt><dd>{humanize(event.category)}</dd></div>
        <div><dt>Outdoors</dt><dd>{event.outdoor ? 'Yes (weather alerts reach its vendors)' : 'No'}</dd></div>
        <div><dt>Vendors</dt><dd>{names.length ? names.join(', ') : <span class="muted">None</span>}</dd></div>
        <div class="details-wide"><dt>Notes</dt><dd class="event-notes">{event.notes.trim() ? event.notes : <span class="muted">None</span>}</dd></div>
      </dl>
      <div class="form-actions"><button type="button" onClick={onClose}>Close</button></div>
    </div>
  );
}
