import { useEffect, useRef } from 'preact/hooks';
import type { TimeZoneChangeMode, TimelineEvent } from '../../../sdk/index.ts';
import { clockLabel, dateInZone, localInputToIso, shortDate, toLocalInput } from '../timeline/zoned-time.ts';

interface Props {
  /** The zone now, or undefined for a wedding that never had one. */
  from: string | undefined;
  to: string;
  /** An event to show the difference with (the first of the day). */
  example: TimelineEvent;
  count: number;
  onChoose(mode: TimeZoneChangeMode): void;
  onCancel(): void;
}

/**
 * Asks what a change of the wedding's time zone does to its events: keep the local times as typed
 * (the zone was wrong), or keep the moments in time (people elsewhere must see the same moments).
 * Native <dialog>: focus is trapped, Escape cancels, and Cancel has the initial focus, so no key
 * press alone rewrites every event.
 */
export function TimeZoneChangeDialog({ from, to, example, count, onChoose, onCancel }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  // The example event as people read it now (the written wall time when there was no zone).
  const nowLocal = from ? toLocalInput(example.start, from) : example.start.slice(0, 16);
  const wallKept = localInputToIso(nowLocal, to) ?? example.start;
  const when = (iso: string) => `${shortDate(dateInZone(iso, to))} ${clockLabel(iso, to)}`;
  const events = count === 1 ? 'the 1 event' : `all ${count} events`;

  return (
    <dialog ref={ref} class="confirm" aria-labelledby="tz-change-title" aria-describedby="tz-change-body" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <h2 id="tz-change-title">Change the time zone to {to}?</h2>
      <div id="tz-change-body">
        <p>What should happen to {events} on the timeline? For example “{example.title}”, now at {nowLocal.slice(11)}{from ? ` in ${from}` : ''}:</p>
        <ul>
          <li><strong>Keep the times as typed</strong>: it stays at {when(wallKept)}, now in {to}. Choose this when the time zone was wrong.</li>
          <li><strong>Keep the moments in time</strong>: it shows as {when(example.start)} in {to}. Choose this when the events stay when they are.</li>
        </ul>
        <p class="hint">A time that does not exist in {to} (skipped when clocks go forward) moves forward by the jump.</p>
      </div>
      <div class="form-actions">
        <button type="button" autoFocus onClick={onCancel}>Cancel</button>
        <button type="button" onClick={() => onChoose('keep_wall_clock')}>Keep the times as typed</button>
        <button type="button" onClick={() => onChoose('keep_instants')}>Keep the moments in time</button>
      </div>
    </dialog>
  );
}
