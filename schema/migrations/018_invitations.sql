-- Invitations and share links into a wedding (issue 11 item 3, docs/people.md).
-- Times are milliseconds since the epoch (UTC). The link's token is never stored: only its SHA-256.
CREATE TABLE invitations (
  id            TEXT PRIMARY KEY,                -- inv_<random>
  wedding_id    TEXT NOT NULL REFERENCES weddings (id) ON DELETE CASCADE,
  token_hash    BLOB NOT NULL UNIQUE,
  role          TEXT NOT NULL CHECK (role IN ('planner', 'couple', 'vendor', 'viewer')),
  vendor_id     TEXT,                            -- the vendor entry a vendor invitation binds to
  email         TEXT COLLATE NOCASE,             -- NULL: a share link
  invited_by    TEXT NOT NULL,                   -- person id of the planner who made it
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  max_uses      INTEGER NOT NULL CHECK (max_uses >= 1),
  uses          INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
  revoked_at    INTEGER,
  CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))
) STRICT;
CREATE INDEX invitations_by_wedding ON invitations (wedding_id);
