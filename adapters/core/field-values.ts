import type { z } from 'zod';
import { Guests, Payment, TimelineEvent, Vendor, WeddingMeta } from '../../schema/index.ts';
import { AdapterError } from './errors.ts';
import type { InboundChange, SyncEntity } from './types.ts';

// Each entity's fields as the document schema defines them (schema/document/entities.ts).
const SHAPES: Record<SyncEntity, Record<string, z.ZodType>> = {
  timeline: TimelineEvent.shape, vendors: Vendor.shape, payments: Payment.shape, guests: Guests.shape, meta: WeddingMeta.shape,
};

/**
 * Checks every field value an upsert carries against the document schema's rule for that field
 * (and a timeline event's end against its start when both come), so that a sender whose value the
 * wedding would refuse hears so when it delivers (400 `invalid_payload`), instead of a 200 for a
 * change that is then parked as refused. What depends on the wedding (an end before a start the
 * wedding already has, a duplicate vendor e-mail) is still checked when the change is applied.
 * @throws AdapterError `invalid_payload` naming each refused field (`<entity> <externalId>: data.<field>: <rule>`).
 */
export function assertFieldValues(changes: readonly InboundChange[]): void {
  const problems: string[] = [];
  for (const change of changes) {
    if (change.op !== 'upsert') continue;
    const shape = SHAPES[change.entity];
    for (const [field, value] of Object.entries(change.data)) {
      // null reads as absent, as the applier compares it (fields.ts normalizeField): "not given", as
      // n8n and Make send an empty field, not a value to refuse.
      if (value === null) continue;
      const rule = Object.hasOwn(shape, field) ? shape[field] : undefined;
      const parsed = rule?.safeParse(value);
      if (parsed && !parsed.success) problems.push(`${change.entity} ${change.externalId}: data.${field}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    const { start, end } = change.data;
    if (change.entity === 'timeline' && typeof start === 'string' && typeof end === 'string' && Date.parse(end) < Date.parse(start)) {
      problems.push(`timeline ${change.externalId}: data.end: end must not be before start`);
    }
  }
  if (problems.length) throw new AdapterError('invalid_payload', problems.join('; '));
}
