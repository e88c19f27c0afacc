-- PostgreSQL twin of `passkey_challenges_spent` (../026_passkey_challenges.sql): WebAuthn challenges
-- already answered, shared by instances so a captured answer replayed through another instance is
-- refused too. Times in ms since the epoch, UTC.
CREATE TABLE passkey_challenges_spent (
  challenge   text PRIMARY KEY,                 -- the challenge, base64url, as issued
  expires_at  bigint NOT NULL
);
CREATE INDEX passkey_challenges_spent_expiry ON passkey_challenges_spent (expires_at);
