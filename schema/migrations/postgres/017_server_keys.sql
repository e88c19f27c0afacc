-- PostgreSQL twin of `server_keys` (../006_comms_payments.sql): keys the server makes for itself
-- (the HMAC key of acknowledgement links, the key-encryption key's check value), sealed with the
-- key-encryption key (CREDENTIALS_KEY, AES-256-GCM, bound to the key's name) and shared by every
-- instance (server/storage/postgres/server-keys.ts).
CREATE TABLE server_keys (
  name        text PRIMARY KEY,
  key         bytea NOT NULL,                   -- the sealed key's text, as UTF-8 bytes
  created_at  text NOT NULL                     -- ISO 8601 UTC
);
