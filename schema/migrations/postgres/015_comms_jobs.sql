-- PostgreSQL twin of `comms_jobs` (../006_comms_payments.sql): durable jobs caused by document
-- changes (cascade notifications, payment reminders), and `comms_job_claims`: which instance runs a
-- wedding's due jobs now (server/comms/postgres-job-queue.ts). A wedding's jobs run on one instance
-- at a time, in due order; any instance may take a wedding no live claim holds. Times in ms since
-- the epoch, UTC; claim expiry on the database's clock.
CREATE TABLE comms_jobs (
  id            bigserial PRIMARY KEY,
  wedding_id    text NOT NULL,
  kind          text NOT NULL,
  -- Jobs with the same key are one piece of work (a burst of guest-count edits is one notification).
  job_key       text,
  payload       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
  not_before    bigint NOT NULL,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  created_at    bigint NOT NULL,
  done_at       bigint,
  run_by        text                      -- the claim holder that recorded the outcome (comms_job_claims.holder)
);
CREATE UNIQUE INDEX comms_jobs_pending_key ON comms_jobs (job_key) WHERE status = 'pending' AND job_key IS NOT NULL;
CREATE INDEX comms_jobs_by_key ON comms_jobs (job_key);
-- The jobs still to run, per wedding in due order: what the claim pass and each wedding's run read.
CREATE INDEX comms_jobs_open ON comms_jobs (wedding_id, not_before, id) WHERE status = 'pending';
CREATE INDEX comms_jobs_due ON comms_jobs (not_before) WHERE status = 'pending';

CREATE TABLE comms_job_claims (
  wedding_id  text PRIMARY KEY,
  holder      text NOT NULL,              -- '<INSTANCE_ID>:<random per process>'
  expires_at  timestamptz NOT NULL
);
