-- People, workspaces (businesses) and who takes part in which wedding (issue 11, docs/people.md).
-- Times are milliseconds since the epoch (UTC).

-- A person: someone who signs in (email set) or joined a wedding with just a name (email NULL).
CREATE TABLE people (
  id          TEXT PRIMARY KEY,                 -- per_<random>
  email       TEXT COLLATE NOCASE UNIQUE,       -- lower-cased; NULL for name-only guests of a share link
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

-- External accounts (OpenID Connect issuer + subject) that sign a person in.
CREATE TABLE person_identities (
  issuer      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  person_id   TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  email       TEXT,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (issuer, subject)
) STRICT;
CREATE INDEX person_identities_by_person ON person_identities (person_id);

-- A business: a planning studio, a venue, a photographer, a caterer...
CREATE TABLE workspaces (
  id          TEXT PRIMARY KEY,                 -- wks_<random>
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('planner', 'venue', 'photographer', 'caterer', 'florist', 'music', 'vendor', 'other')),
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, person_id)
) STRICT;
CREATE INDEX workspace_members_by_person ON workspace_members (person_id);

-- Which workspace a wedding belongs to. A wedding created by an operator token (before people
-- existed, or by scripts) has no row, or a row with workspace_id NULL: only tokens that list it open it.
CREATE TABLE weddings (
  id            TEXT PRIMARY KEY,               -- the wedding id of document wedding:<id>
  workspace_id  TEXT REFERENCES workspaces (id),
  created_by    TEXT,                           -- person id, or the operator token's sub
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX weddings_by_workspace ON weddings (workspace_id);

-- People (or a vendor's whole workspace) taking part in a wedding with a wedding role.
-- A vendor participant is bound to one vendor entry of the wedding (vendors.<vendor_id>) and, when
-- vendor_workspace_id is set, every member of that workspace acts as that vendor.
CREATE TABLE participants (
  id                   TEXT PRIMARY KEY,        -- par_<random>
  wedding_id           TEXT NOT NULL REFERENCES weddings (id) ON DELETE CASCADE,
  person_id            TEXT REFERENCES people (id) ON DELETE CASCADE,
  vendor_workspace_id  TEXT REFERENCES workspaces (id) ON DELETE CASCADE,
  role                 TEXT NOT NULL CHECK (role IN ('planner', 'couple', 'vendor', 'viewer')),
  vendor_id            TEXT,
  created_by           TEXT,
  created_at           INTEGER NOT NULL,
  CHECK ((role = 'vendor') = (vendor_id IS NOT NULL)),
  CHECK (person_id IS NOT NULL OR (role = 'vendor' AND vendor_workspace_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX participants_person ON participants (wedding_id, person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX participants_vendor_workspace ON participants (wedding_id, vendor_workspace_id, vendor_id) WHERE vendor_workspace_id IS NOT NULL;
CREATE INDEX participants_by_person ON participants (person_id);
CREATE INDEX participants_by_vendor_workspace ON participants (vendor_workspace_id);

-- Browser sessions. The cookie carries `<id>.<secret>`; only the secret's SHA-256 is stored.
CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,               -- ses_<random>
  person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  secret_hash   BLOB NOT NULL,
  csrf_token    TEXT NOT NULL,                  -- sent back in X-CSRF-Token on cookie-authenticated writes
  method        TEXT NOT NULL,                  -- how the person signed in: email_link, oidc:<provider>, invitation, passkey
  user_agent    TEXT,
  ip            TEXT,
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  revoked_at    INTEGER
) STRICT;
CREATE INDEX sessions_by_person ON sessions (person_id);
