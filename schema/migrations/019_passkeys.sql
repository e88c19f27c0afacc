-- Passkeys (WebAuthn credentials) that sign a person in (issue 11 item 2, docs/auth.md).
-- Times are milliseconds since the epoch (UTC).
CREATE TABLE passkeys (
  id            TEXT PRIMARY KEY,               -- the credential id, base64url (WebAuthn rawId)
  person_id     TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  public_key    BLOB NOT NULL,                  -- COSE_Key
  counter       INTEGER NOT NULL,               -- signature counter; a lower one means a cloned authenticator
  transports    TEXT,                           -- JSON array (usb, nfc, ble, internal, hybrid)
  device_type   TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up     INTEGER NOT NULL,
  name          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER
) STRICT;
CREATE INDEX passkeys_by_person ON passkeys (person_id);
