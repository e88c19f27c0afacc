import { sameField } from '../../adapters/core/index.ts';
import { ownValue } from '../../schema/own-keys.ts';

/**
 * Why one record differs between an external system and the wedding, judged against the link row
 * (what both sides last agreed on):
 * - `missed_webhook`: the system changed since then and the wedding did not (a lost notification);
 * - `lost_push`: the wedding changed and the system did not (a push that never arrived), or the
 *   system lacks the record entirely;
 * - `both`: each side changed different fields (each repaired by its own path);
 * - `conflict`: one field changed on both sides (owned by the inbound path's conflict rules).
 */
export type DriftKind = 'missed_webhook' | 'lost_push' | 'both' | 'conflict';

export interface Attribution {
  /** null: every compared field agrees. */
  kind: DriftKind | null;
  /** The fields that differ between the system and the wedding. */
  fields: string[];
  /** Of those, the ones the system changed (to be brought in) and the ones the wedding changed (to be pushed). */
  external: string[];
  document: string[];
}

/**
 * Compares one record field by field (values as `project` gives them; `sameField` semantics:
 * instants by moment, sets by content, text NFC). Only `fields` the system carries are compared
 * (those present in `external`); a field absent from `lastSynced` was never agreed on and counts
 * as changed on whichever side differs from null.
 */
export function attribute(fields: readonly string[], external: Record<string, unknown>, lastSynced: Record<string, unknown>, document: Record<string, unknown>): Attribution {
  const out: Attribution = { kind: null, fields: [], external: [], document: [] };
  let conflict = false;
  for (const f of fields) {
    if (!Object.hasOwn(external, f)) continue;
    const ext = external[f];
    const doc = ownValue(document, f);
    if (sameField(f, ext, doc)) continue;
    out.fields.push(f);
    const last = ownValue(lastSynced, f);
    const extChanged = !sameField(f, ext, last);
    const docChanged = !sameField(f, doc, last);
    if (extChanged && docChanged) conflict = true;
    else if (extChanged) out.external.push(f);
    else out.document.push(f);
  }
  if (out.fields.length === 0) return out;
  out.kind = conflict ? 'conflict' : out.external.length && out.document.length ? 'both' : out.external.length ? 'missed_webhook' : 'lost_push';
  return out;
}
