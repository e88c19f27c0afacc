import { useEffect, useMemo, useState } from 'preact/hooks';
import { SchemaError, type Guests, type TxOrigin, type WeddingDoc } from '../../../sdk/index.ts';
import { canEdit, type Writer } from '../../../../schema/document/permissions.ts';
import { humanize } from '../ui/labels.ts';
import { answersOverInvited, savedWords } from './guest-answers.ts';
import { useSavedWhere } from '../wedding/sync-context.ts';
import { useStatusLine } from '../ui/status-line.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  /** Who is editing: the write rules (schema/document/permissions.ts) decide whether the form is open. */
  writer: Writer;
  origin: TxOrigin;
}

const COUNTS = [['count', 'Invited'], ['rsvpYes', 'Coming'], ['rsvpNo', 'Not coming'], ['rsvpPending', 'Not answered yet']] as const;
type CountKey = (typeof COUNTS)[number][0];

/** `Gluten free` → `gluten-free`: the document's diet keys are lower-case words joined by `-`. */
export function dietKey(label: string): string {
  return label.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
}

const parseCount = (s: string): number | null => (/^\s*\d{1,6}\s*$/.test(s) && Number(s) <= 100_000 ? Number(s) : null);

/**
 * The guest numbers and dietary counts (`guests` in the document: numbers only, no names). The
 * couple and planners may write them (permissions.ts: `guests.**`); for anyone else the numbers are
 * shown, not offered. A diet set to 0 is no longer listed. Saving writes one change and says so.
 * Answers (coming, not coming, not answered) that add up to more than the invited count are saved,
 * since a planner may raise the invited count later, but the form says so, by how many, as they
 * are typed and in what the save announces (guest-answers.ts).
 */
export function GuestsEditor({ doc, version, writer, origin }: Props) {
  const guests = useMemo(() => doc.getGuests(), [doc, version]);
  const editable = useMemo(() => canEdit(doc.ydoc, writer, 'guests', ['count']), [doc, version, writer.role, writer.sub]);
  const savedWhere = useSavedWhere();
  const [counts, setCounts] = useState<Record<CountKey, string>>(() => Object.fromEntries(COUNTS.map(([k]) => [k, String(guests[k] ?? 0)])) as Record<CountKey, string>);
  const [diets, setDiets] = useState<[string, string][]>(() => Object.entries(guests.dietary ?? {}).filter(([, n]) => n > 0).map(([k, n]) => [k, String(n)]));
  const [newDiet, setNewDiet] = useState('');
  const [newDietCount, setNewDietCount] = useState('');
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useStatusLine<string>();

  // Someone else's change shows up unless this form has unsaved edits.
  useEffect(() => {
    if (dirty) return;
    setCounts(Object.fromEntries(COUNTS.map(([k]) => [k, String(guests[k] ?? 0)])) as Record<CountKey, string>);
    setDiets(Object.entries(guests.dietary ?? {}).filter(([, n]) => n > 0).map(([k, n]) => [k, String(n)]));
  }, [guests]);

  const edit = () => { setDirty(true); setSaved(null); };

  const submit = (e: Event) => {
    e.preventDefault();
    const patch: Partial<Guests> = {};
    const problems: string[] = [];
    for (const [k, label] of COUNTS) {
      const n = parseCount(counts[k]);
      if (n === null) problems.push(`${label}: a whole number from 0 to 100,000`); else patch[k] = n;
    }
    const dietary: Record<string, number> = {};
    for (const [k, v] of diets) {
      const n = parseCount(v);
      if (n === null) problems.push(`${humanize(k)}: a whole number from 0 to 100,000`); else dietary[k] = n;
    }
    if (newDiet.trim() || newDietCount.trim()) {
      const key = dietKey(newDiet);
      const n = parseCount(newDietCount);
      if (!key) problems.push('New diet: give it a name, e.g. vegetarian');
      else if (n === null) problems.push(`${humanize(key)}: a whole number from 0 to 100,000`);
      else dietary[key] = n;
    }
    // A diet taken off the list is written as 0, so a peer's copy drops it too.
    for (const k of Object.keys(guests.dietary ?? {})) if (!Object.hasOwn(dietary, k)) dietary[k] = 0;
    if (problems.length) { setError(problems.join('; ')); return; }
    try {
      doc.updateGuests({ ...patch, dietary }, origin);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      setError(err.issues.map((i) => `${humanize(i.path || 'guests')}: ${i.message}`).join('; '));
      return;
    }
    setError(null); setDirty(false); setNewDiet(''); setNewDietCount('');
    setSaved(savedWhere(savedWords(patch as Record<CountKey, number>)));
  };
  // As typed: a number not yet valid is left out of the sum until it is.
  const typed = Object.fromEntries(COUNTS.map(([k]) => [k, parseCount(counts[k]) ?? 0])) as Record<CountKey, number>;
  const overTyped = answersOverInvited(typed);

  if (!editable) {
    const dietary = Object.entries(guests.dietary ?? {}).filter(([, n]) => n > 0);
    const over = answersOverInvited(Object.fromEntries(COUNTS.map(([k]) => [k, guests[k] ?? 0])) as Record<CountKey, number>);
    return (
      <section class="guests" aria-labelledby="guests-heading">
        <h3 id="guests-heading">Guests</h3>
        <dl class="facts">{COUNTS.map(([k, label]) => <div key={k}><dt>{label}</dt><dd>{guests[k] ?? 0}</dd></div>)}</dl>
        {over && <p class="notice guests-over">{over}</p>}
        {dietary.length > 0 && <p><span class="label">Dietary:</span> {dietary.map(([k, n]) => `${n} ${humanize(k).toLowerCase()}`).join(', ')}</p>}
      </section>
    );
  }

  return (
    <form class="guests panel" aria-labelledby="guests-heading" onSubmit={submit} noValidate>
      <h3 id="guests-heading">Guests</h3>
      <p class="hint">Numbers only: no names are kept.</p>
      {error && <p class="form-errors" role="alert">Nothing was saved: {error}</p>}
      <div class="detail-fields">
        {COUNTS.map(([k, label]) => (
          <div class="field" key={k}><label for={`guests-${k}`}>{label}</label>
            <input id={`guests-${k}`} type="number" inputMode="numeric" min={0} max={100_000} value={counts[k]}
              aria-describedby={overTyped ? 'guests-over' : undefined}
              onInput={(e) => { setCounts({ ...counts, [k]: e.currentTarget.value }); edit(); }} /></div>
        ))}
      </div>
      {overTyped && <p class="notice guests-over" id="guests-over">{overTyped}</p>}
      <fieldset class="diets">
        <legend>Dietary needs (number of guests)</legend>
        {diets.map(([k, v], i) => (
          <div class="field diet" key={k}>
            <label for={`diet-${k}`}>{humanize(k)}</label>
            <input id={`diet-${k}`} type="number" inputMode="numeric" min={0} value={v}
              onInput={(e) => { const next = [...diets]; next[i] = [k, e.currentTarget.value]; setDiets(next); edit(); }} />
            <button type="button" onClick={() => { setDiets(diets.filter((_, j) => j !== i)); edit(); }}>Remove<span class="sr-only"> {humanize(k)}</span></button>
          </div>
        ))}
        <div class="field diet">
          <label for="diet-new">Another diet</label>
          <input id="diet-new" type="text" maxLength={40} placeholder="e.g. vegetarian" value={newDiet} onInput={(e) => { setNewDiet(e.currentTarget.value); edit(); }} />
          <label for="diet-new-count" class="sr-only">Guests with that diet</label>
          <input id="diet-new-count" type="number" inputMode="numeric" min={0} placeholder="guests" value={newDietCount} onInput={(e) => { setNewDietCount(e.currentTarget.value); edit(); }} />
        </div>
      </fieldset>
      <div class="form-actions">
        <button type="submit" class="primary">Save guest numbers</button>
        {saved && <span role="status" class="saved">{saved}</span>}
      </div>
    </form>
  );
}
