import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeApiError } from '../api/api-client.ts';
import { saveCrewEntry, type ScheduleEvent } from './schedule-api.ts';
import { useStatusLine } from '../ui/status-line.ts';

interface Props {
  weddingId: string;
  event: ScheduleEvent;
  /** Null when the schedule is the offline copy: changes need the server. */
  csrf: string | null;
  onSaved(event: ScheduleEvent): void;
}

/**
 * The rest of the vendor's own crew entry on one event (`timeline.<event>.crew.<vendor>`): its crew
 * notes (who is coming, what it needs) and whether it confirms the event. The server checks the
 * vendor is on the event (permissions.ts). The call time is not sent: a page showing an older one
 * (the planner moved the event and its call time since) must not put it back (vendor trial).
 */
export function CrewEntryForm({ weddingId, event, csrf, onSaved }: Props) {
  const [notes, setNotes] = useState(event.crewNotes);
  const [confirmed, setConfirmed] = useState(event.confirmed);
  // What the fields started from: a newer answer (My schedule reads the server every few seconds)
  // replaces a field the person has not touched, and a save sends only what they changed, so a change
  // made elsewhere meanwhile (a colleague's notes, the planner unticking) is never put back.
  const [from, setFrom] = useState({ notes: event.crewNotes, confirmed: event.confirmed });
  useEffect(() => {
    if (notes === from.notes) setNotes(event.crewNotes);
    if (confirmed === from.confirmed) setConfirmed(event.confirmed);
    setFrom({ notes: event.crewNotes, confirmed: event.confirmed });
  }, [event.crewNotes, event.confirmed]);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useStatusLine<string>();
  const [problem, setProblem] = useState<string | null>(null);
  const id = `crew-${weddingId}-${event.eventId}`;

  const save = async (e: Event) => {
    e.preventDefault();
    if (!csrf) return;
    const change = { ...(notes.trim() !== from.notes ? { notes: notes.trim() } : {}), ...(confirmed !== from.confirmed ? { confirmed } : {}) };
    if (Object.keys(change).length === 0) return setStatus('Nothing changed.');
    setBusy(true); setProblem(null); setStatus(null);
    try {
      const saved = await saveCrewEntry(csrf, weddingId, event.eventId, change);
      onSaved(saved);
      const said = `Crew entry for ${event.title} saved.`;
      setStatus(said); // its role="status" line is read out; the announcer would repeat it
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === 'offline'
        ? 'You are offline: the crew entry is not saved. Save it again once you are back online.'
        : describeApiError(error, 'Saving the crew entry'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="crew-entry" onSubmit={(e) => void save(e)}>
      <div class="field">
        <label for={`${id}-notes`}>Your crew notes</label>
        <textarea id={`${id}-notes`} rows={2} maxLength={2000} placeholder="Who is coming, what you need" value={notes}
          onInput={(e) => { setNotes(e.currentTarget.value); setStatus(null); }} disabled={!csrf || busy} />
      </div>
      <label class="check">
        <input type="checkbox" checked={confirmed} onChange={(e) => { setConfirmed(e.currentTarget.checked); setStatus(null); }} disabled={!csrf || busy} />
        We confirm this event
      </label>
      <button type="submit" disabled={!csrf || busy}>{busy ? 'Saving…' : 'Save crew entry'}<span class="sr-only"> for {event.title}</span></button>
      {status && <span role="status" class="saved">{status}</span>}
      {problem && <p class="notice" role="alert">{problem}</p>}
    </form>
  );
}
