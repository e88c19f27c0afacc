import { useRef, useState } from 'preact/hooks';
import {
  EVENT_CATEGORIES, SchemaError, type TimelineEvent, type TimelineEventPatch, type TxOrigin, type Vendor, type WeddingDoc,
} from '../../../sdk/index.ts';
import { humanize } from '../ui/labels.ts';
import { DateTimeField, type FieldProblem } from '../ui/time-field.tsx';
import { checkEventTimes, type WeddingDay } from './event-times.ts';
import { NotesEditor } from './notes-editor.tsx';
import { localInputToIso, toLocalInput } from './zoned-time.ts';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

type Field = 'title' | 'start' | 'end' | 'location' | 'category' | 'vendorIds' | 'notes' | 'outdoor';
interface Issue { field: Field | null; message: string; lead?: string }
const LEGEND = { start: 'Starts', end: 'Ends' } as const;

interface FormValues {
  title: string;
  start: string;
  end: string;
  location: string;
  category: string;
  vendorIds: string[];
  /** Takes place outdoors: weather alerts for its day reach its vendors (docs/communications.md#weather-alerts). */
  outdoor: boolean;
  /** Only for a new event: an existing event's notes are edited live (NotesEditor). */
  notes: string;
}

export interface EventFormProps {
  doc: WeddingDoc;
  /** The event being edited; absent when adding. */
  event?: TimelineEvent;
  /** Id and times for a new event. */
  draftNew?: { id: string; start: string; end: string };
  day: WeddingDay;
  vendors: Vendor[];
  readOnly: boolean;
  readOnlyNoteId?: string;
  origin: TxOrigin;
  perform: (label: string, change: () => void) => void;
  onClose: (saved: string | null) => void;
  /** "Who changed this event": a link to its activity, for the people who may read it. */
  history?: { href: string; open(): void } | undefined;
}

function valuesOf(e: TimelineEvent, timeZone: string): FormValues {
  return {
    title: e.title, start: toLocalInput(e.start, timeZone), end: toLocalInput(e.end, timeZone), location: e.location,
    category: e.category, vendorIds: e.vendorIds, notes: e.notes, outdoor: e.outdoor === true,
  };
}

/**
 * Adds or edits one event. Only the fields this person changed are written, so a colleague's
 * concurrent edit of another field of the same event survives; fields left alone keep showing
 * the live value. Nothing is written until every check passes (end after start, within the
 * wedding day, and the schema's own validation).
 */
export function EventForm(props: EventFormProps) {
  const { doc, event, draftNew, day, vendors, readOnly, origin } = props;
  const id = event?.id ?? draftNew!.id;
  const base: FormValues = event
    ? valuesOf(event, day.timeZone)
    : { title: '', start: draftNew!.start, end: draftNew!.end, location: '', category: 'other', vendorIds: [], notes: '', outdoor: false };
  const [draft, setDraft] = useState<Partial<FormValues>>({});
  const [issues, setIssues] = useState<Issue[]>([]);
  // Why the start or end as typed is not a date and time yet ("“25:00” is not a time…"), or null.
  const [typedProblems, setTypedProblems] = useState<Partial<Record<'start' | 'end', FieldProblem>>>({});
  const titleRef = useRef<HTMLInputElement>(null);
  const values: FormValues = { ...base, ...draft };
  const prefix = `ev-${id}`;

  useFocusOnShow(titleRef);

  const set = <K extends keyof FormValues>(field: K, value: FormValues[K]) => setDraft((d) => ({ ...d, [field]: value }));
  const issueFor = (field: Field) => issues.find((i) => i.field === field);
  const fieldProps = (field: Field) => {
    const issue = issueFor(field);
    return {
      id: `${prefix}-${field}`,
      'aria-invalid': issue ? true : undefined,
      'aria-describedby': [issue ? `${prefix}-${field}-error` : '', readOnly && props.readOnlyNoteId ? props.readOnlyNoteId : ''].filter(Boolean).join(' ') || undefined,
    };
  };
  const errorText = (field: Field) => {
    const issue = issueFor(field);
    return issue ? <p class="field-error" id={`${prefix}-${field}-error`}>{issue.message}</p> : null;
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (readOnly) return;
    const found: Issue[] = [];
    if (!values.title.trim()) found.push({ field: 'title', message: 'Enter a title.' });
    // The summary names the field ("Starts: Enter the date."); the field's own error needs no name.
    const typed = (['start', 'end'] as const).flatMap((f) => (typedProblems[f] ? [{ field: f, message: typedProblems[f], lead: `${LEGEND[f]}: ` }] : []));
    found.push(...(typed.length ? typed : checkEventTimes(values.start, values.end, day)));
    if (found.length) return reject(found);

    const full: TimelineEventPatch = {
      id,
      title: values.title.trim(),
      start: localInputToIso(values.start, day.timeZone)!,
      end: localInputToIso(values.end, day.timeZone)!,
      location: values.location,
      category: values.category as TimelineEvent['category'],
      vendorIds: values.vendorIds,
      // Unmarked stays absent on a new event; an edit writes the box's state only when it changed.
      ...(values.outdoor || event?.outdoor !== undefined ? { outdoor: values.outdoor } : {}),
      ...(event ? {} : { notes: values.notes }),
    };
    // For an existing event, write only what this person changed.
    const patch: TimelineEventPatch = event ? { id } : full;
    if (event) {
      for (const key of Object.keys(draft) as (keyof FormValues)[]) {
        if (key === 'notes') continue;
        if (JSON.stringify(draft[key]) === JSON.stringify(base[key])) continue;
        (patch as Record<string, unknown>)[key] = key === 'outdoor' ? values.outdoor : full[key];
      }
    }
    try {
      props.perform(event ? `edit “${full.title}”` : `add “${full.title}”`, () => doc.upsertEvent(patch, origin));
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      return reject(error.issues.map((i) => ({ field: (i.path.split('.')[0] || null) as Field | null, message: i.message })));
    }
    props.onClose(id);
  };

  const reject = (found: Issue[]) => {
    setIssues(found);
    const first = found.find((f) => f.field)?.field;
    if (first) document.getElementById(`${prefix}-${first}`)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      props.onClose(null);
    }
  };

  const notesText = event ? doc.eventNotes(event.id) : undefined;
  const heading = readOnly ? `Details of “${base.title}”` : event ? `Edit “${base.title}”` : 'New event';

  return (
    <form class="event-form" onSubmit={submit} onKeyDown={onKeyDown} aria-labelledby={`${prefix}-heading`} noValidate>
      <h4 id={`${prefix}-heading`}>{heading}</h4>
      {issues.length > 0 && (
        <div class="form-errors" role="alert">
          <p>Nothing was saved:</p>
          <ul>{issues.map((i) => <li key={i.message}>{i.lead}{i.message}</li>)}</ul>
        </div>
      )}
      <fieldset disabled={readOnly} class="event-fields">
        <div class="field field-wide">
          <label for={`${prefix}-title`}>Title</label>
          <input ref={titleRef} type="text" required maxLength={200} autoComplete="off" value={values.title}
            onInput={(e) => set('title', e.currentTarget.value)} {...fieldProps('title')} />
          {errorText('title')}
        </div>
        {(['start', 'end'] as const).map((f) => (
          <DateTimeField key={f} id={`${prefix}-${f}`} legend={LEGEND[f]} required value={values[f]}
            onChange={(v, problem) => { set(f, v); setTypedProblems((p) => ({ ...p, [f]: problem })); }}
            error={issueFor(f)?.message} describedBy={readOnly ? props.readOnlyNoteId : undefined} />
        ))}
        <div class="field">
          <label for={`${prefix}-location`}>Location</label>
          <input type="text" maxLength={300} value={values.location} onInput={(e) => set('location', e.currentTarget.value)} {...fieldProps('location')} />
          {errorText('location')}
        </div>
        <div class="field">
          <label for={`${prefix}-category`}>Category</label>
          <select value={values.category} onChange={(e) => set('category', e.currentTarget.value)} {...fieldProps('category')}>
            {EVENT_CATEGORIES.map((c) => <option key={c} value={c}>{humanize(c)}</option>)}
          </select>
        </div>
        <div class="field">
          <label class="check">
            <input id={`${prefix}-outdoor`} type="checkbox" checked={values.outdoor} disabled={readOnly} onChange={(e) => set('outdoor', e.currentTarget.checked)} />
            Outdoors <span class="muted">(weather alerts reach its vendors)</span>
          </label>
        </div>
        <fieldset class="field field-wide vendor-picks">
          <legend>Vendors</legend>
          {vendors.length === 0 ? <p class="hint">No vendors yet: add them under Vendors.</p> : vendors.map((v) => (
            <label key={v.id} class="check">
              <input type="checkbox" checked={values.vendorIds.includes(v.id)} onChange={(e) => {
                const on = e.currentTarget.checked;
                set('vendorIds', on ? [...values.vendorIds, v.id] : values.vendorIds.filter((x) => x !== v.id));
              }} />
              {v.name} <span class="muted">({humanize(v.category)})</span>
            </label>
          ))}
        </fieldset>
      </fieldset>
      <div class="field field-wide">
        <label for={`${prefix}-notes`}>Notes{event && !readOnly ? <span class="muted"> (saved as you type, shared live)</span> : null}</label>
        {notesText
          ? <NotesEditor id={`${prefix}-notes`} doc={doc} text={notesText} origin={origin} readOnly={readOnly} describedBy={readOnly ? props.readOnlyNoteId : undefined} />
          : <textarea id={`${prefix}-notes`} rows={3} maxLength={20_000} readOnly={readOnly} value={values.notes} onInput={(e) => set('notes', e.currentTarget.value)} />}
      </div>
      <div class="form-actions">
        {!readOnly && <button type="submit" class="primary">{event ? 'Save changes' : 'Add event'}</button>}
        <button type="button" onClick={() => props.onClose(null)}>{readOnly ? 'Close' : 'Cancel'}</button>
        {props.history && event && (
          <a class="button" href={props.history.href} onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            props.history!.open();
          }}>History<span class="sr-only"> of {event.title}</span></a>
        )}
      </div>
    </form>
  );
}
