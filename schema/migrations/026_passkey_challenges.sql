-- WebAuthn challenges already answered (docs/auth.md, "Passkeys"). A ceremony's challenge travels
-- in a sealed 5-minute cookie; a request captured with its cookie could otherwise be sent again
-- within those minutes, and an authenticator without a signature counter (most synced passkeys
-- report 0) gives the relying party nothing else to tell a replay by. W3C WebAuthn Level 3 §13.4.3:
-- challenges are used once. A row lives until its cookie could no longer be valid.
-- Times are milliseconds since the epoch (UTC).
CREATE TABLE passkey_challenges_spent (
  challenge   TEXT PRIMARY KEY,                 -- the challenge, base64url, as issued
  expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX passkey_challenges_spent_expiry ON passkey_challenges_spent (expires_at);
