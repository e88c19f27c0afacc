import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeApiError } from '../api/api-client.ts';
import { clockLabel, dateInZone, localInputToIso, shortDate } from '../timeline/zoned-time.ts';
import { type FieldProblem, TimeField } from '../ui/time-field.tsx';
import { CrewEntryForm } from './crew-entry-form.tsx';
import { saveCallTime, type ScheduleEvent } from './schedule-api.ts';
import { useStatusLine } from '../ui/status-line.ts';

interface Props {
  weddingId: string;
  event: ScheduleEvent;
  /** The wedding's date and zone: times are shown and typed in the wedding's zone, never the browser's. */
  weddingDate: string;
  timeZone: string;
  ownVendorId: string;
  /** Null when the schedule is the offline copy: changes need the server. */
  csrf: string | null;
  onSaved(event: ScheduleEvent): void;
  /** The event's times before the planner moved it, since this person last looked: said beside the new ones. */
  movedFrom?: { start: string; end: string } | undefined;
}

const HALF_DAY_MS = 12 * 3_600_000;

/**
 * One event of the vendor's schedule: when and where, who else is on it, the event's notes, and
 * the vendor's own crew entry, which it may change (PUT /api/me/schedule/…/crew): the call time
 * here, its crew notes and confirmation in CrewEntryForm.
 */
export function ScheduleEventItem({ weddingId, event, weddingDate, timeZone, ownVendorId, csrf, onSaved, movedFrom }: Props) {
  // `HH:MM` in the wedding's zone, or '' for none (or while the text typed is not a time: typedProblem).
  const [callTime, setCallTime] = useState(event.callTime ? clockLabel(event.callTime, timeZone) : '');
  const [typedProblem, setTypedProblem] = useState<FieldProblem>(null);
  const [fieldError, setFieldError] = useState<FieldProblem>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  // What the last save did, shown beside the form (role="status", so read out), so a save is never silent.
  const [saved, setSaved] = useStatusLine<string>();
  // A newer answer from the server (this save, a refresh) replaces what the field shows, unless the
  // person has typed something else since it last did: what they are typing is never swapped under them.
  const shown = useRef(callTime);
  useEffect(() => {
    const next = event.callTime ? clockLabel(event.callTime, timeZone) : '';
    const before = shown.current;
    setCallTime((typed) => (typed === before ? next : typed));
    shown.current = next;
  }, [event.callTime, timeZone]);
  const inputId = `call-${weddingId}-${event.eventId}`;
  const day = dateInZone(event.start, timeZone);
  const others = event.vendors.filter((v) => v.id !== ownVendorId);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!csrf) return;
    if (typedProblem) return setFieldError(typedProblem);
    let iso = '';
    if (callTime) {
      // The call time is on the event's day; one typed more than half a day after the start is
      // the evening before (a 23:30 call for a 00:30 start).
      const clock = callTime;
      const onDay = localInputToIso(`${day}T${clock}`, timeZone);
      if (!onDay) return setFieldError('Type the call time as hours and minutes, e.g. 13:45 or 1:45 pm.');
      const ms = Date.parse(onDay);
      iso = ms - Date.parse(event.start) > HALF_DAY_MS ? localInputToIso(`${dateInZone(new Date(ms - 86_400_000).toISOString(), timeZone)}T${clock}`, timeZone) ?? onDay : onDay;
    }
    setBusy(true);
    setProblem(null);
    setSaved(null);
    try {
      const result = await saveCallTime(csrf, weddingId, event.eventId, iso);
      // Saved: the field may show the server's reading of what was typed ("1350" becomes 13:50).
      shown.current = callTime;
      onSaved(result);
      // Saved as typed, but a call after the start is most likely a slip (vendor trial: "2pm" for a 13:00 ceremony).
      const late = result.callTime && Date.parse(result.callTime) > Date.parse(result.start) ? ` That is after the event starts (${clockLabel(result.start, timeZone)}): check it.` : '';
      const said = result.callTime ? `Saved: call time ${clockLabel(result.callTime, timeZone)}.${late}` : 'Saved: no call time.';
      // One line: the visible status (role="status") is read out itself; the announcer would repeat it.
      setSaved(said);
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === 'offline'
        ? 'You are offline: the call time is not saved. Save it again once you are back online.'
        : describeApiError(error, 'Saving the call time'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class="schedule-event" data-event-id={event.eventId}>
      <p class="when">
        <span class="time">{clockLabel(event.start, timeZone)}–{clockLabel(event.end, timeZone)}</span>
        {day && day !== weddingDate && <span class="muted"> ({shortDate(day)})</span>}
      </p>
      <div class="what">
        <h3>{event.title}</h3>
        {movedFrom && (
          <p class="moved"><span class="tag">Moved</span><span class="sr-only">:</span> It was {clockLabel(movedFrom.start, timeZone)}–{clockLabel(movedFrom.end, timeZone)}
            {dateInZone(movedFrom.start, timeZone) !== day ? ` on ${shortDate(dateInZone(movedFrom.start, timeZone))}` : ''}; check your call time.</p>
        )}
        {event.location && <p><span class="label">Where:</span> {event.location}</p>}
        {others.length > 0 && <p><span class="label">With:</span> {others.map((v) => v.name).join(', ')}</p>}
        {event.notes && <p class="notes"><span class="label">Notes:</span> {event.notes}</p>}
        <form class="call-time" onSubmit={save}>
          <label for={inputId}>Your call time</label>
          <TimeField id={inputId} value={callTime} disabled={!csrf || busy} error={fieldError} describedBy={csrf ? undefined : `${inputId}-offline`}
            onChange={(v, typed) => { setCallTime(v); setTypedProblem(typed); setFieldError(null); setSaved(null); }} />
          <button type="submit" disabled={!csrf || busy}>{busy ? 'Saving…' : 'Save call time'}<span class="sr-only"> for {event.title}</span></button>
          {event.confirmed && <span class="tag">Confirmed</span>}
          {!csrf && <span id={`${inputId}-offline`} class="hint">Changes need a connection.</span>}
          <span class="saved" role="status">{saved && <span class="sr-only">{event.title}: </span>}{saved}</span>
        </form>
        {problem && <p class="notice" role="alert">{problem}</p>}
        <CrewEntryForm weddingId={weddingId} event={event} csrf={csrf} onSaved={onSaved} />
      </div>
    </li>
  );
}
