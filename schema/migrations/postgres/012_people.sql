-- PostgreSQL twins of the people tables (../015_people.sql): people, the external identities that
-- sign them in, workspaces (businesses) and their members, which workspace a wedding belongs to,
-- and who takes part in which wedding (server/people/postgres-people-store.ts). Times in ms since
-- the epoch, UTC. E-mail addresses are stored trimmed and lower-cased by the store (SQLite's column
-- also compares NOCASE); text sorts with COLLATE "C" in the store's queries, as SQLite's BINARY.
-- The tables added before this one that name a person, workspace or wedding (sessions, invitations,
-- passkeys, api_keys) keep no foreign key to these for now; a later migration adds them once the
-- server runs on PostgreSQL (docs/storage-backends.md).
CREATE TABLE people (
  id          text PRIMARY KEY,                 -- per_<random>
  email       text UNIQUE,                      -- lower-cased; NULL for name-only guests of a share link
  name        text NOT NULL,
  created_at  bigint NOT NULL
);

CREATE TABLE person_identities (
  issuer      text NOT NULL,
  subject     text NOT NULL,
  person_id   text NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  email       text,
  created_at  bigint NOT NULL,
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX person_identities_by_person ON person_identities (person_id);

CREATE TABLE workspaces (
  id          text PRIMARY KEY,                 -- wks_<random>
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('planner', 'venue', 'photographer', 'caterer', 'florist', 'music', 'vendor', 'other')),
  created_at  bigint NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  person_id    text NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('owner', 'member')),
  created_at   bigint NOT NULL,
  PRIMARY KEY (workspace_id, person_id)
);
CREATE INDEX workspace_members_by_person ON workspace_members (person_id);

CREATE TABLE weddings (
  id            text PRIMARY KEY,               -- the wedding id of document wedding:<id>
  workspace_id  text REFERENCES workspaces (id),
  created_by    text,                           -- person id, or the operator token's sub
  created_at    bigint NOT NULL
);
CREATE INDEX weddings_by_workspace ON weddings (workspace_id);

CREATE TABLE participants (
  id                   text PRIMARY KEY,        -- par_<random>
  wedding_id           text NOT NULL REFERENCES weddings (id) ON DELETE CASCADE,
  person_id            text REFERENCES people (id) ON DELETE CASCADE,
  vendor_workspace_id  text REFERENCES workspaces (id) ON DELETE CASCADE,
  role                 text NOT NULL CHECK (role IN ('planner', 'couple', 'vendor', 'viewer')),
  vendor_id            text,
  created_by           text,
  created_at           bigint NOT NULL,
  CHECK ((role = 'vendor') = (vendor_id IS NOT NULL)),
  CHECK (person_id IS NOT NULL OR (role = 'vendor' AND vendor_workspace_id IS NOT NULL))
);
CREATE UNIQUE INDEX participants_person ON participants (wedding_id, person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX participants_vendor_workspace ON participants (wedding_id, vendor_workspace_id, vendor_id) WHERE vendor_workspace_id IS NOT NULL;
CREATE INDEX participants_by_person ON participants (person_id);
CREATE INDEX participants_by_vendor_workspace ON participants (vendor_workspace_id);
