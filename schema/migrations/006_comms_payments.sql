-- Communication bridge and payment coordination (issue 6).

-- One row per send (message × recipient × channel × level), keyed like its outbox row: what was
-- attempted and what the provider accepted, so a send is never repeated after a crash or an outage.
CREATE TABLE comms_sends (
  idempotency_key TEXT PRIMARY KEY,
  integration_id  TEXT NOT NULL,
  wedding_id      TEXT NOT NULL,
  -- started: a request went out and no answer was recorded (outcome unknown);
  -- refused: the provider answered with an error (nothing was accepted); sent: accepted.
  status          TEXT NOT NULL CHECK (status IN ('started', 'refused', 'sent')),
  provider_id     TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  started_at      INTEGER NOT NULL,
  sent_at         INTEGER
) STRICT;

-- Messages that wait for acknowledgements: when to look at them again (escalation).
CREATE TABLE comms_watch (
  wedding_id     TEXT NOT NULL,
  message_id     TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('open', 'done')),
  next_check_at  INTEGER NOT NULL,
  -- Recipients every channel has been tried for (JSON array of ids).
  unreachable    TEXT NOT NULL DEFAULT '[]',
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (wedding_id, message_id)
) STRICT;
CREATE INDEX comms_watch_due ON comms_watch (status, next_check_at);

-- Work a document change causes (cascade notifications, payment reminders, budget refreshes),
-- written in the same transaction as the change.
CREATE TABLE comms_jobs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  wedding_id    TEXT NOT NULL,
  kind          TEXT NOT NULL,
  -- Jobs with the same key are one piece of work (a burst of guest-count edits is one notification).
  job_key       TEXT,
  payload       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
  not_before    INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  done_at       INTEGER
) STRICT;
CREATE UNIQUE INDEX comms_jobs_pending_key ON comms_jobs (job_key) WHERE status = 'pending' AND job_key IS NOT NULL;
CREATE INDEX comms_jobs_by_key ON comms_jobs (job_key);
CREATE INDEX comms_jobs_due ON comms_jobs (status, not_before);

-- The last value seen of fields that trigger notifications (guest count, ceremony time, amount
-- paid), so a notification can say what changed from.
CREATE TABLE comms_last_seen (
  wedding_id  TEXT NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  PRIMARY KEY (wedding_id, key)
) STRICT;

-- Keys the server generates for itself (e.g. for signing acknowledgement links).
CREATE TABLE server_keys (
  name        TEXT PRIMARY KEY,
  key         BLOB NOT NULL,
  created_at  TEXT NOT NULL
) STRICT;
