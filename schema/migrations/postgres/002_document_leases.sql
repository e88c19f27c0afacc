-- One owner per document among the instances sharing this database (docs/storage-backends.md).
-- `epoch` goes up by one each time the lease changes hands; every write to the document carries the
-- epoch its writer acquired, and is refused in its own transaction once the row's epoch (or owner)
-- differs. `owner` is NULL after a release. Expiry is read from the database's clock only, so
-- instances need no synchronised clocks.
CREATE TABLE document_leases (
  name        text PRIMARY KEY,
  owner       text,
  epoch       bigint NOT NULL,
  expires_at  timestamptz NOT NULL
);
