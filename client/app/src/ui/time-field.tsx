import { useEffect, useRef, useState } from 'preact/hooks';
import { longDate } from '../timeline/zoned-time.ts';
import { CLOCK_EXAMPLE, readClock } from './clock-text.ts';

// Every time of a wedding is typed here, never into `<input type="time">` or `datetime-local`:
// Chromium draws those in the browser's locale (`02:00 PM` in en-US) while the app shows a 24-hour
// clock in the wedding's zone. The field is text read by readClock, says what it understood
// (`Reads as 14:30`) when the text was not already in that form, puts the text in that form on
// blur or Enter, and refuses in words what it cannot read. ArrowUp/ArrowDown step 5 minutes
// (15 with Shift), as a native time field's arrows do.

/** Why a time (or date) cannot be used yet, or null; '' values mean "nothing usable typed". */
export type FieldProblem = string | null;

interface TypedClock {
  text: string;
  /** `HH:MM`, or null while the text is empty or unreadable. */
  clock: string | null;
  /** Why the text is not a time; null when it is one or is empty. */
  problem: FieldProblem;
  /** The field was left (blur, Enter) since the text last changed: time to show its problem. */
  left: boolean;
  /** `HH:MM` the field read from a text written otherwise (`2:30 pm`), kept after the text becomes `14:30`. */
  understood: string | null;
  inputProps: {
    value: string;
    onInput(e: Event): void;
    onBlur(e: FocusEvent): void;
    onKeyDown(e: KeyboardEvent): void;
  };
}

function reading(text: string): { clock: string | null; problem: FieldProblem } {
  if (!text.trim()) return { clock: null, problem: null };
  const r = readClock(text);
  return { clock: r.clock, problem: r.problem };
}

const STEP_MINUTES = 5;

// Whether a pointer (mouse button, finger, pen) is pressed now: a blur during a press is a click
// on its way, a blur without one is the keyboard (Tab, Shift+Tab).
let pointerHeld = false;
if (typeof document !== 'undefined') {
  document.addEventListener('pointerdown', () => { pointerHeld = true; }, true);
  for (const type of ['pointerup', 'pointercancel'] as const) document.addEventListener(type, () => { pointerHeld = false; }, true);
}

/** Runs `fn` once the pointer press under way is released and its click has been handled. */
function afterPointerRelease(fn: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    document.removeEventListener('pointerup', run, true);
    document.removeEventListener('pointercancel', run, true);
    setTimeout(fn, 0);
  };
  document.addEventListener('pointerup', run, true);
  document.addEventListener('pointercancel', run, true);
}

/**
 * The text of a time field, kept by the field. `value` is what the field's owner holds (`HH:MM` or
 * ''); when it changes to something the field did not send (a reset, a colleague's edit), the text
 * follows it. `emit` receives `HH:MM`, or '' with the problem when the text is empty or unreadable.
 */
function useTypedClock(value: string, emit: (clock: string, problem: FieldProblem) => void): TypedClock {
  const [text, setText] = useState(value);
  const [left, setLeft] = useState(false);
  // NOTE: when a pointer press on a button took focus, the reading stays shown until the press is
  // released, so nothing below the field moves between a press on Save and its release (a moved
  // button misses the click); then it goes, as the text now reads the same (vendor trial: "Reads as
  // 13:15" stayed under a saved call time).
  const [understood, setUnderstood] = useState<string | null>(null);
  // Every value this field sent since it was last left. NOTE: not just the last one: the owner's
  // re-render with an earlier keystroke's value can arrive after the next keystroke ("13" sends
  // 13:00, "135" is typed, then value 13:00 comes back), and must not put 13:00 back in the field.
  const sent = useRef(new Set([value]));
  useEffect(() => {
    if (sent.current.has(value)) return;
    sent.current = new Set([value]);
    setText(value);
    setLeft(false);
    setUnderstood(null);
  }, [value]);
  const { clock, problem } = reading(text);

  // Counts edits: a leave deferred to a pointer release does nothing once the text changed since.
  const edits = useRef(0);
  const change = (next: string) => {
    edits.current++;
    setText(next);
    setLeft(false);
    const r = reading(next);
    setUnderstood(r.clock && r.clock !== next.trim() ? r.clock : null);
    sent.current.add(r.clock ?? '');
    emit(r.clock ?? '', r.problem);
  };
  // Leaving the field puts what it understood in the app's own form (2:30 pm → 14:30), and shows its
  // problem, wherever focus goes (Tab onto *Fill the day* too). NOTE: when a pointer press on a
  // button took focus, the problem waits until the press is released: appearing on mousedown it
  // would move the button away before mouseup, and the click would be lost.
  const leave = (pressingButton = false) => {
    sent.current = new Set([clock ?? '']);
    const at = edits.current;
    const left = () => {
      if (edits.current !== at) return;
      setLeft(true);
      setUnderstood(null);
    };
    if (pressingButton) afterPointerRelease(left);
    else left();
    if (clock && clock !== text) setText(clock);
  };
  const step = (minutes: number) => {
    const [h, m] = (clock ?? '00:00').split(':').map(Number) as [number, number];
    const next = (((h * 60 + m + minutes) % 1440) + 1440) % 1440;
    change(`${String(Math.floor(next / 60)).padStart(2, '0')}:${String(next % 60).padStart(2, '0')}`);
  };
  return {
    text, clock, problem, left, understood,
    inputProps: {
      value: text,
      onInput: (e) => change((e.currentTarget as HTMLInputElement).value),
      onBlur: (e) => leave(e.relatedTarget instanceof HTMLButtonElement && pointerHeld),
      onKeyDown: (e) => {
        if (e.key === 'Enter') leave();
        if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && (clock || !text.trim())) {
          e.preventDefault();
          step((e.key === 'ArrowUp' ? 1 : -1) * (e.shiftKey ? 15 : STEP_MINUTES));
        }
      },
    },
  };
}

const TEXT_INPUT = { type: 'text', autoComplete: 'off', spellcheck: false, size: 8, maxLength: 16, placeholder: 'HH:MM' } as const;

const ids = (...list: (string | false | null | undefined)[]) => list.filter(Boolean).join(' ') || undefined;

/** True once the text typed was a time written otherwise than the app writes it: the field says "Reads as 14:30". */
const readsOtherwise = (typed: TypedClock) => Boolean(typed.understood && typed.clock === typed.understood);

function ReadsAs({ id, typed }: { id: string; typed: TypedClock }) {
  return readsOtherwise(typed) ? <span id={id} class="hint time-reads">Reads as {typed.understood}</span> : null;
}

export interface TimeFieldProps {
  /** The input's id: label it with `<label for={id}>`. The error is `${id}-error`. */
  id: string;
  /** `HH:MM` (24-hour wall time in the wedding's zone) or '' for none: what `<input type="time">` held. */
  value: string;
  /** On every change: `HH:MM`, or '' with the reason when the text is unreadable (null reason when empty). */
  onChange(value: string, problem: FieldProblem): void;
  /** The form's refusal for this field (it wins over the field's own problem); marks the field invalid. */
  error?: FieldProblem | undefined;
  /** More ids for aria-describedby (a hint, a read-only note). */
  describedBy?: string | undefined;
  /** Announced as required (aria-required): the form refuses an empty time in its own words, not the browser's bubble. */
  required?: boolean;
  disabled?: boolean;
}

/** One time of day, typed on either clock and kept as `HH:MM`. */
export function TimeField({ id, value, onChange, error, describedBy, required, disabled }: TimeFieldProps) {
  const typed = useTypedClock(value, onChange);
  const shown = error ?? (typed.left ? typed.problem : null);
  return (
    <span class="time-field">
      <input id={id} {...TEXT_INPUT} {...typed.inputProps} aria-required={required || undefined} disabled={disabled}
        aria-invalid={shown ? true : undefined} aria-describedby={ids(shown && `${id}-error`, readsOtherwise(typed) && `${id}-reads`, describedBy)} />
      <ReadsAs id={`${id}-reads`} typed={typed} />
      {shown && <span class="field-error" id={`${id}-error`}>{shown}</span>}
    </span>
  );
}

export interface DateTimeFieldProps {
  /** The time input's id (where a form moves focus to show a problem); the date input is `${id}-date`, the error `${id}-error`. */
  id: string;
  /** The pair's name, shown as its legend: the inputs are named "<legend> date" and "<legend> time". */
  legend: string;
  /** `YYYY-MM-DDTHH:MM` (wall time in the wedding's zone) or '': what `<input type="datetime-local">` held. */
  value: string;
  /** On every change: `YYYY-MM-DDTHH:MM`, or '' with the reason when a part is missing or unreadable. */
  onChange(value: string, problem: FieldProblem): void;
  error?: FieldProblem | undefined;
  describedBy?: string | undefined;
  required?: boolean;
}

/**
 * A date and a time of day: the date in the browser's date control, the time typed as TimeField
 * types it, and below them both read back in words ("Saturday 12 June 2027, 14:30"). Replaces
 * `datetime-local`, whose time half is the browser's 12-hour clock in en-US.
 */
export function DateTimeField({ id, legend, value, onChange, error, describedBy, required }: DateTimeFieldProps) {
  const [date, setDate] = useState(value.slice(0, 10));
  const [clock, setClock] = useState(value.slice(11, 16));
  const clockProblem = useRef<FieldProblem>(null);
  // Every value sent while typing: an owner's late re-render with an earlier one is not a change
  // (see useTypedClock's `sent`).
  const sent = useRef(new Set([value]));
  useEffect(() => {
    if (sent.current.has(value)) return;
    sent.current = new Set([value]);
    setDate(value.slice(0, 10));
    setClock(value.slice(11, 16));
  }, [value]);

  const emit = (nextDate: string, nextClock: string, problem: FieldProblem) => {
    clockProblem.current = problem;
    const whole = nextDate && nextClock ? `${nextDate}T${nextClock}` : '';
    sent.current.add(whole);
    onChange(whole, whole ? null : problem ?? (nextDate ? `Enter the time, ${CLOCK_EXAMPLE}.` : 'Enter the date.'));
  };
  const typed = useTypedClock(clock, (c, problem) => { setClock(c); emit(date, c, problem); });
  const shown = error ?? (typed.left ? typed.problem : null);
  const dateInvalid = Boolean(shown) && !date;
  const timeInvalid = Boolean(shown) && !dateInvalid;
  const said = ids(shown && `${id}-error`, describedBy);
  // The pair read back in the app's words ("Saturday 12 June 2027, 14:30"): the browser draws the
  // date in its own locale (06/12/2027 in en-US), which a British reader takes for 6 December.
  const dateWords = /^\d{4}-\d{2}-\d{2}$/.test(date) ? longDate(date) : '';
  const reads = dateWords ? (typed.clock ? `${dateWords}, ${typed.clock}` : dateWords) : readsOtherwise(typed) ? `Reads as ${typed.understood}` : '';
  return (
    <fieldset class="field date-time">
      <legend>{legend}</legend>
      <div class="date-time-parts">
        <div>
          <label for={`${id}-date`} class="part"><span class="sr-only">{legend} </span>date</label>
          <input id={`${id}-date`} type="date" value={date} required={required} aria-invalid={dateInvalid || undefined} aria-describedby={ids(said, reads && `${id}-reads`)}
            onInput={(e) => { const d = e.currentTarget.value; setDate(d); emit(d, clock, clockProblem.current); }} />
        </div>
        <div>
          <label for={id} class="part"><span class="sr-only">{legend} </span>time</label>
          <input id={id} {...TEXT_INPUT} {...typed.inputProps} required={required} aria-invalid={timeInvalid || undefined} aria-describedby={ids(said, reads && `${id}-reads`)} />
        </div>
      </div>
      {reads && <span id={`${id}-reads`} class="hint time-reads">{reads}</span>}
      {shown && <p class="field-error" id={`${id}-error`}>{shown}</p>}
    </fieldset>
  );
}
