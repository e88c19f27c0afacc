import { useEffect, useState } from 'preact/hooks';
import {
  DEFAULT_RESTORE_SECTIONS, RESTORE_SECTIONS, RestorePreview, countChanges,
  type RestoreSection, type SectionChanges, type SnapshotRestoreBody, type SnapshotSummary,
} from '../../../sdk/index.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import type { EventFacts } from '../conflicts/conflict-words.ts';
import { dateTimeLabel } from '../ui/labels.ts';
import { changedWords, entryName } from './restore-words.ts';

export const SECTION_LABELS: Record<RestoreSection, string> = {
  meta: 'Wedding details', timeline: 'Timeline', vendors: 'Vendors', guests: 'Guests and RSVPs', contacts: 'Contacts', tasks: 'Tasks',
  payments: 'Payments', messages: 'Messages', conflicts: 'Conflicts',
};

interface Props {
  snapshot: SnapshotSummary;
  /** `…/snapshots/:sid`, the base of `/restore/preview`. */
  url: string;
  token: string;
  /** The wedding's zone (IANA): the snapshot's time is shown in it. */
  timeZone: string;
  /** The wedding's names, zone and currencies, for the before and after values of a change. */
  facts: EventFacts;
  onConfirm(sections: RestoreSection[]): void;
  onCancel(): void;
}

/**
 * Confirms a restore: the admin picks the sections (planning content by default; records of what
 * happened outside only when ticked) and sees, per section, what the restore would add, remove and
 * change (POST …/restore/preview) before confirming.
 */
export function RestoreDialog({ snapshot, url, token, timeZone, facts, onConfirm, onCancel }: Props) {
  const [sections, setSections] = useState<RestoreSection[]>([...DEFAULT_RESTORE_SECTIONS]);
  const [preview, setPreview] = useState<RestorePreview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (sections.length === 0) { setPreview(null); return; }
    let current = true;
    const body: SnapshotRestoreBody = { sections };
    apiRequest(`${url}/restore/preview`, { token, method: 'POST', body, schema: RestorePreview })
      .then((p) => { if (current) { setPreview(p); setError(null); } })
      .catch((e: unknown) => { if (current) setError(describeApiError(e, 'Previewing the restore')); });
    return () => { current = false; };
  }, [url, token, sections.join()]);

  const toggle = (s: RestoreSection, on: boolean) =>
    setSections((old) => RESTORE_SECTIONS.filter((x) => (x === s ? on : old.includes(x))));
  const upToDate = preview !== null && preview.sections.join() === sections.join();
  const total = upToDate ? countChanges(preview.changes) : null;

  return (
    <ConfirmDialog title="Restore this snapshot?" confirmLabel="Restore snapshot" confirmDisabled={sections.length === 0}
      onCancel={onCancel} onConfirm={() => onConfirm(sections)}>
      <p>The chosen parts of the wedding will change, for everyone who has it open, to the content of “{snapshot.label}” ({dateTimeLabel(snapshot.createdAt, timeZone)}).</p>
      <fieldset class="restore-sections">
        <legend>Sections to restore</legend>
        {RESTORE_SECTIONS.map((s) => (
          <label key={s}>
            <input type="checkbox" checked={sections.includes(s)} onChange={(e) => toggle(s, e.currentTarget.checked)} /> {SECTION_LABELS[s]}
          </label>
        ))}
      </fieldset>
      <p class="hint">Guests’ replies, payments, messages and conflicts record what happened outside the plan, so they are only rolled back when ticked.</p>
      <section class="restore-preview" aria-label="What will change" aria-live="polite" aria-busy={!upToDate && !error && sections.length > 0}>
        {sections.length === 0 && <p class="form-errors">Choose at least one section.</p>}
        {error && <p class="form-errors" role="alert">{error}</p>}
        {upToDate && total && total.added + total.removed + total.changed === 0 && <p>Nothing in these sections differs from the snapshot.</p>}
        {upToDate && preview.sections.map((s) => <SectionPreview key={s} section={s} changes={preview.changes[s]} facts={facts} />)}
      </section>
      <p>The current content is saved as an automatic snapshot first, so this can be undone by restoring that one. Edits made offline in the meantime are kept and listed under Conflicts.</p>
    </ConfirmDialog>
  );
}

function SectionPreview({ section, changes, facts }: { section: RestoreSection; changes: SectionChanges | undefined; facts: EventFacts }) {
  if (!changes || changes.added.length + changes.removed.length + changes.changed.length === 0) return null;
  return (
    <div class="restore-section" data-section={section}>
      <h3>{SECTION_LABELS[section]}</h3>
      <ul>
        {changes.added.map((e) => <li key={`a${e.id}`}>Comes back: {entryName(section, e, facts)}</li>)}
        {changes.removed.map((e) => <li key={`r${e.id}`}>Removed: {entryName(section, e, facts)}</li>)}
        {changes.changed.map((e) => (
          <li key={`c${e.id}`}>Changed: {changedWords(section, { ...e, label: entryName(section, e, facts) }, facts)}</li>
        ))}
      </ul>
    </div>
  );
}
