import { useState } from 'preact/hooks';
import { crewOf, setCrew, type TimelineEvent, type TxOrigin, type WeddingDoc } from '../../../sdk/index.ts';
import { newId } from '../ui/labels.ts';
import { type FieldProblem, TimeField } from '../ui/time-field.tsx';
import { useAnnounce } from '../ui/use-announcer.ts';
import { DEFAULT_CEREMONY, standardDay } from './day-template.ts';
import { checkEventTimes, type WeddingDay } from './event-times.ts';
import { type CrewTimes, MAX_SHIFT_MINUTES, planShift, shiftFromLabel } from './shift-later.ts';
import type { UndoControls } from './use-undo.ts';
import { clockLabel, toLocalInput } from './zoned-time.ts';

interface ShiftProps {
  doc: WeddingDoc;
  events: TimelineEvent[];
  day: WeddingDay;
  origin: TxOrigin;
  perform: UndoControls['perform'];
  /** The event to start from when the panel opens (the open one), else the first. */
  initialFrom: string | null;
  onClose(): void;
}

/** Each event's crew arrivals as the document holds them now (vendorId → ISO instant or ''). */
function crewTimes(doc: WeddingDoc, events: TimelineEvent[]): CrewTimes {
  return Object.fromEntries(events.map((e) => [e.id, Object.fromEntries(Object.entries(crewOf(doc.ydoc, e.id)).map(([v, c]) => [v, c.arrival ?? '']))]));
}

/**
 * "The ceremony runs 30 minutes late": moves an event and every later one by N minutes, with their
 * vendors' arrival times, in one transaction that is one undo step (use-undo.ts).
 */
export function ShiftPanel({ doc, events, day, origin, perform, initialFrom, onClose }: ShiftProps) {
  const announce = useAnnounce();
  const [fromId, setFromId] = useState(initialFrom && events.some((e) => e.id === initialFrom) ? initialFrom : events[0]?.id ?? '');
  const [minutes, setMinutes] = useState('30');
  const [problem, setProblem] = useState<string | null>(null);
  const amount = Number(minutes);
  const preview = planShift(events, fromId, amount, day);
  const count = preview.patches.length;

  const submit = (e: Event) => {
    e.preventDefault();
    const plan = planShift(events, fromId, amount, day, crewTimes(doc, events));
    if (plan.problem) return setProblem(plan.problem);
    const label = `shift ${plan.patches.length} ${plan.patches.length === 1 ? 'event' : 'events'} ${amount > 0 ? 'later' : 'earlier'} by ${Math.abs(amount)} min`;
    perform(label, () => {
      for (const p of plan.patches) {
        doc.upsertEvent({ id: p.id, start: p.start, end: p.end }, origin);
        for (const [vendorId, arrival] of Object.entries(p.arrivals)) setCrew(doc.ydoc, p.id, vendorId, { arrival }, origin);
      }
    });
    const first = events.find((x) => x.id === fromId)!;
    announce(`Moved ${plan.patches.length} events ${amount > 0 ? 'later' : 'earlier'} by ${Math.abs(amount)} minutes; ${first.title} now starts at ${clockLabel(plan.patches[0]!.start, day.timeZone)}.`);
    onClose();
  };

  return (
    <form class="tool-panel" aria-labelledby="shift-heading" onSubmit={submit} onKeyDown={(k) => { if (k.key === 'Escape') { k.preventDefault(); onClose(); } }}>
      <h3 id="shift-heading">Shift later events</h3>
      <div class="tool-fields">
        <div class="field">
          <label for="shift-from">From</label>
          <select id="shift-from" value={fromId} onChange={(e) => { setFromId((e.target as HTMLSelectElement).value); setProblem(null); }}>
            {events.map((e) => <option key={e.id} value={e.id}>{shiftFromLabel(e, day)}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="shift-minutes">Minutes (negative moves earlier)</label>
          <input id="shift-minutes" type="number" inputMode="numeric" step={5} min={-MAX_SHIFT_MINUTES} max={MAX_SHIFT_MINUTES} value={minutes}
            onInput={(e) => { setMinutes((e.target as HTMLInputElement).value); setProblem(null); }} />
        </div>
      </div>
      <p class="hint" id="shift-preview">
        {preview.problem ?? (count === 1 ? 'Moves only the chosen event: none start after it.' : `Moves the chosen event and the ${count - 1} after it; events that started earlier stay.`)}
      </p>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      <div class="form-actions">
        <button type="submit" class="primary" aria-describedby="shift-preview" disabled={preview.problem !== null}>
          {/* A refused shift moves nothing: the hint says why, the button does not count "0 events". */}
          {preview.problem !== null ? 'Move events' : `Move ${count} ${count === 1 ? 'event' : 'events'}`}
        </button>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}

interface TemplateProps {
  doc: WeddingDoc;
  day: WeddingDay;
  origin: TxOrigin;
  perform: UndoControls['perform'];
}

/** On an empty timeline: fill it with a standard wedding day around the ceremony time. */
export function TemplateOffer({ doc, day, origin, perform }: TemplateProps) {
  const announce = useAnnounce();
  const [ceremony, setCeremony] = useState(DEFAULT_CEREMONY);
  const [typedProblem, setTypedProblem] = useState<FieldProblem>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // A refusal about the time as typed is shown at the field (and marks it invalid), not below the form.
  const [fieldError, setFieldError] = useState<FieldProblem>(null);
  if (!day.date) return <p class="hint">Set the wedding date to start from a standard wedding day.</p>;
  const date = day.date;

  const submit = (e: Event) => {
    e.preventDefault();
    if (typedProblem || !ceremony) return setFieldError(typedProblem ?? 'Enter the ceremony time, e.g. 14:00 or 2 pm.');
    const events = standardDay(date, ceremony, day.timeZone, () => newId('evt'), doc.getMeta().venue ?? '');
    if (!events.length) return setProblem('Enter the ceremony time, e.g. 14:00.');
    for (const x of events) {
      const issues = checkEventTimes(toLocalInput(x.start, day.timeZone), toLocalInput(x.end, day.timeZone), day);
      if (issues.length) return setProblem(`With the ceremony at ${ceremony}, “${x.title}” would fall outside the wedding day. Choose an earlier time.`);
    }
    perform('fill the day from the template', () => { for (const x of events) doc.upsertEvent(x, origin); });
    announce(`Added ${events.length} events of a standard wedding day.`);
  };

  return (
    <form class="tool-panel template-offer" aria-labelledby="template-heading" onSubmit={submit}>
      <h3 id="template-heading">Start from a standard wedding day</h3>
      <p class="hint">Fourteen events from hair and makeup to carriages after midnight, placed around the ceremony. Change anything afterwards.</p>
      <div class="tool-fields">
        <div class="field">
          <label for="template-ceremony">Ceremony starts at</label>
          <TimeField id="template-ceremony" value={ceremony} required error={fieldError}
            onChange={(v, typed) => { setCeremony(v); setTypedProblem(typed); setProblem(null); setFieldError(null); }} />
        </div>
      </div>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      <div class="form-actions"><button type="submit" class="primary">Fill the day</button></div>
    </form>
  );
}
