-- A dead letter is its entity's newest push (server/bridge/outbox-store.ts add and markDead): an
-- older one would send older content over the newer if replayed. Dead letters recorded before this
-- rule with a newer push of their entity (same integration, entity and kind) are superseded by it.
UPDATE outbox SET status = 'cancelled', last_error = 'superseded by a newer change'
WHERE status = 'dead' AND entity IS NOT NULL AND entity_id IS NOT NULL AND EXISTS (
  SELECT 1 FROM outbox newer WHERE newer.integration_id = outbox.integration_id AND newer.entity = outbox.entity
    AND newer.entity_id = outbox.entity_id AND newer.kind = outbox.kind AND newer.id > outbox.id);
