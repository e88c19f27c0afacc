import { z } from 'zod';
import { VisibleText } from '../document/visible-text.ts';

export const SnapshotCreateBody = z.object({
  label: VisibleText(200),
}).strict();
export type SnapshotCreateBody = z.infer<typeof SnapshotCreateBody>;

export const SnapshotSummary = z.object({
  id: z.string(),
  weddingId: z.string(),
  label: z.string(),
  kind: z.enum(['manual', 'auto']),
  createdAt: z.string(),
  createdBy: z.string(),
  sizeBytes: z.number().int(),
});
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const SnapshotList = z.object({ snapshots: z.array(SnapshotSummary) });


/**
 * The parts of a wedding a restore can roll back. `payments` brings the derived `budget` with it.
 * The audit trail lives outside the document and is never rolled back.
 */
export const RESTORE_SECTIONS = ['meta', 'timeline', 'vendors', 'guests', 'contacts', 'tasks', 'payments', 'messages', 'conflicts'] as const;
export const RestoreSection = z.enum(RESTORE_SECTIONS);
export type RestoreSection = z.infer<typeof RestoreSection>;

/**
 * What a restore rolls back when the admin does not choose: the planning content (wedding details,
 * timeline, vendors). Guests (RSVP totals), payments, messages and conflicts record facts that came
 * from outside, so they are only rolled back when chosen explicitly.
 */
export const DEFAULT_RESTORE_SECTIONS: readonly RestoreSection[] = ['meta', 'timeline', 'vendors'];

/** Body of `…/restore` and `…/restore/preview`; an empty body means the default sections. */
export const SnapshotRestoreBody = z.object({
  sections: z.array(RestoreSection).min(1).max(RESTORE_SECTIONS.length).optional(),
}).strict();
export type SnapshotRestoreBody = z.infer<typeof SnapshotRestoreBody>;

const EntityRef = z.object({ id: z.string(), label: z.string() });
/** One field a restore changes; `from` is the live value, `to` the snapshot's (`null` when absent). */
export const FieldChange = z.object({ field: z.string(), from: z.unknown(), to: z.unknown() });
export type FieldChange = z.infer<typeof FieldChange>;

/**
 * What a restore does to one section. Entity sections list entities by id; the single-record
 * sections (`meta`, `guests`) report one changed entry whose id is the section name.
 */
export const SectionChanges = z.object({
  added: z.array(EntityRef),
  removed: z.array(EntityRef),
  changed: z.array(EntityRef.extend({ fields: z.array(FieldChange) })),
});
export type SectionChanges = z.infer<typeof SectionChanges>;
export const RestoreChanges = z.partialRecord(RestoreSection, SectionChanges);
export type RestoreChanges = z.infer<typeof RestoreChanges>;

export const RestorePreview = z.object({
  snapshot: SnapshotSummary,
  sections: z.array(RestoreSection),
  changes: RestoreChanges,
});
export type RestorePreview = z.infer<typeof RestorePreview>;

export const SnapshotRestoreResult = z.object({
  /** The id of the restore notice written into the document (see schema/document/restore-notice.ts). */
  restoreId: z.string(),
  restored: SnapshotSummary,
  /** The automatic snapshot of the content that the restore replaced. */
  backup: SnapshotSummary,
  sections: z.array(RestoreSection),
  changes: RestoreChanges,
});
export type SnapshotRestoreResult = z.infer<typeof SnapshotRestoreResult>;
