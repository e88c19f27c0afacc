-- PostgreSQL twins of `email_link_tokens` (../017_sign_in.sql), `invitations` (../018_invitations.sql)
-- and `passkeys` (../019_passkeys.sql): what signs a person in, so a link, an invitation or a
-- passkey made through one instance works through any (server/people/postgres-email-link-store.ts,
-- postgres-invitation-store.ts, postgres-passkey-store.ts). Times in ms since the epoch, UTC.
-- Addresses are stored lower-cased by the stores (SQLite's columns also compare NOCASE).
-- `wedding_id` and `person_id` have no foreign keys yet: the weddings and people tables are still
-- SQLite only (docs/storage-backends.md, "What is still synchronous").
CREATE TABLE email_link_tokens (
  id            text PRIMARY KEY,               -- eml_<random>
  email         text NOT NULL,
  secret_hash   bytea NOT NULL,                 -- SHA-256 of the link's secret part
  redirect      text NOT NULL,                  -- app path to land on, starting with "/"
  ip            text,
  created_at    bigint NOT NULL,
  expires_at    bigint NOT NULL,
  used_at       bigint
);
CREATE INDEX email_link_tokens_expiry ON email_link_tokens (expires_at);

CREATE TABLE invitations (
  id            text PRIMARY KEY,               -- inv_<random>
  wedding_id    text NOT NULL,
  token_hash    bytea NOT NULL UNIQUE,          -- SHA-256 of the token in the link
  role          text NOT NULL CHECK (role IN ('planner', 'couple', 'vendor', 'viewer')),
  vendor_id     text,                           -- the vendor entry a vendor invitation binds to
  email         text,                           -- NULL: a share link
  invited_by    text NOT NULL,                  -- person id of the planner who made it
  created_at    bigint NOT NULL,
  expires_at    bigint NOT NULL,
  max_uses      integer NOT NULL CHECK (max_uses >= 1),
  uses          integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
  revoked_at    bigint,
  CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))
);
CREATE INDEX invitations_by_wedding ON invitations (wedding_id);

CREATE TABLE passkeys (
  id            text PRIMARY KEY,               -- the credential id, base64url (WebAuthn rawId)
  person_id     text NOT NULL,
  public_key    bytea NOT NULL,                 -- COSE_Key
  counter       bigint NOT NULL,                -- signature counter (unsigned 32-bit); a lower one means a cloned authenticator
  transports    text,                           -- JSON array (usb, nfc, ble, internal, hybrid)
  device_type   text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up     boolean NOT NULL,
  name          text NOT NULL,
  created_at    bigint NOT NULL,
  last_used_at  bigint
);
CREATE INDEX passkeys_by_person ON passkeys (person_id);
