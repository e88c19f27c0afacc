-- PostgreSQL twins of the communication bridge's own tables (../006_comms_payments.sql,
-- ../012_notifications.sql), shared by instances (server/comms/postgres-comms-stores.ts). Ids and
-- keys (message ids, pending ids, last-seen keys) are stored with opaqueText, so a value holding
-- U+0000 or a lone surrogate stays a distinct key; JSON text escapes both itself. Times in ms since
-- the epoch, UTC.

-- The last value seen of fields whose changes notify people (guest count, ceremony time, amount
-- paid): read and swapped in the transaction of the document change (a joined write of its append).
CREATE TABLE comms_last_seen (
  wedding_id  text NOT NULL,
  key         text NOT NULL,
  value       text NOT NULL,
  PRIMARY KEY (wedding_id, key)
);

-- Messages that wait for acknowledgements and when to look at them again (the escalation watch).
CREATE TABLE comms_watch (
  wedding_id     text NOT NULL,
  message_id     text NOT NULL,
  status         text NOT NULL CHECK (status IN ('open', 'done')),
  next_check_at  bigint NOT NULL,
  -- Recipients every channel has been tried for (JSON array of ids).
  unreachable    text NOT NULL DEFAULT '[]',
  created_at     bigint NOT NULL,
  PRIMARY KEY (wedding_id, message_id)
);
CREATE INDEX comms_watch_due ON comms_watch (next_check_at) WHERE status = 'open';
CREATE INDEX comms_watch_done ON comms_watch (next_check_at) WHERE status = 'done';

-- Each wedding's mode for automatic messages (absent: 'ask').
CREATE TABLE comms_notify_settings (
  wedding_id  text PRIMARY KEY,
  mode        text NOT NULL CHECK (mode IN ('off', 'ask', 'automatic')),
  updated_at  bigint NOT NULL,
  updated_by  text NOT NULL
);

-- Composed automatic messages of a wedding set to `ask`, waiting for a planner. `draft` is the
-- message as it will be written (JSON).
CREATE TABLE comms_pending (
  id          text PRIMARY KEY,
  wedding_id  text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'sent', 'discarded')),
  draft       text NOT NULL,
  created_at  bigint NOT NULL,
  decided_at  bigint,
  decided_by  text,
  message_id  text
);
CREATE INDEX comms_pending_by_wedding ON comms_pending (wedding_id, status, created_at);
CREATE INDEX comms_pending_decided ON comms_pending (decided_at) WHERE status <> 'pending';
