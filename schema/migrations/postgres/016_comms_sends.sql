-- PostgreSQL twin of `comms_sends` (../006_comms_payments.sql): what happened to each message
-- send, shared by instances so the next attempt, wherever it runs, knows whether the last one went
-- out (server/comms/postgres-send-ledger.ts). Times in ms since the epoch, UTC.
CREATE TABLE comms_sends (
  idempotency_key text PRIMARY KEY,
  integration_id  text NOT NULL,
  wedding_id      text NOT NULL,
  -- started: a request went out and no answer was recorded (outcome unknown);
  -- refused: the provider answered with an error (nothing was accepted); sent: accepted.
  status          text NOT NULL CHECK (status IN ('started', 'refused', 'sent')),
  provider_id     text,
  attempts        integer NOT NULL DEFAULT 0,
  started_at      bigint NOT NULL,
  sent_at         bigint
);
