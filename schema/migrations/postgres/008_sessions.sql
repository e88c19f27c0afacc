-- PostgreSQL twin of `sessions` in ../015_people.sql (server/people/session-store.ts): browser
-- sessions, so a person signed in through one instance is signed in on all of them
-- (server/people/postgres-session-store.ts). Times in ms since the epoch, UTC.
-- `person_id` has no foreign key yet: the people table is still SQLite only
-- (docs/storage-backends.md, "What is still synchronous").
CREATE TABLE sessions (
  id            text PRIMARY KEY,               -- ses_<random>
  person_id     text NOT NULL,
  secret_hash   bytea NOT NULL,                 -- SHA-256 of the cookie's secret part
  csrf_token    text NOT NULL,
  method        text NOT NULL,                  -- email_link, oidc:<provider>, invitation, passkey
  user_agent    text,
  ip            text,
  created_at    bigint NOT NULL,
  last_seen_at  bigint NOT NULL,
  expires_at    bigint NOT NULL,
  revoked_at    bigint
);
CREATE INDEX sessions_by_person ON sessions (person_id);
