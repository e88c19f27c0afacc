import { z } from 'zod';

export const SnapshotCreateBody = z.object({
  label: z.string().trim().min(1).max(200),
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

export const SnapshotRestoreResult = z.object({
  restored: SnapshotSummary,
  /** The automatic snapshot of the content that the restore replaced. */
  backup: SnapshotSummary,
});
export type SnapshotRestoreResult = z.infer<typeof SnapshotRestoreResult>;
