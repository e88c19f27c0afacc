-- The inbox worker asks, on every pass, which weddings have rows due and when: a covering index
-- answers that without reading the rows (their payloads can be large).
CREATE INDEX inbox_due ON inbox (status, wedding_id, next_attempt_at);
