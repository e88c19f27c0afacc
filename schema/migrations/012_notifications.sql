-- Automatic notifications (issue 9): each wedding's setting, and the messages that wait for a
-- planner to send or discard them.

-- One row per wedding whose setting was changed; a wedding without a row is in the default mode, `ask`.
CREATE TABLE comms_notify_settings (
  wedding_id  TEXT PRIMARY KEY,
  mode        TEXT NOT NULL CHECK (mode IN ('off', 'ask', 'automatic')),
  updated_at  INTEGER NOT NULL,
  updated_by  TEXT NOT NULL
) STRICT;

-- Composed automatic messages in a wedding set to `ask`. `draft` is the message as it will be written
-- (JSON: subject, body, recipient ids, reason, type, priority, context).
CREATE TABLE comms_pending (
  id          TEXT PRIMARY KEY,
  wedding_id  TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'discarded')),
  draft       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  decided_at  INTEGER,
  decided_by  TEXT,
  message_id  TEXT
) STRICT;
CREATE INDEX comms_pending_by_wedding ON comms_pending (wedding_id, status, created_at);
