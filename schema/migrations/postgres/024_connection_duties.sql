-- Which instance does a connection's periodic work (scheduled pulls, watch channel upkeep) when
-- several share the database (server/bridge/postgres-connection-duties.ts): one holder per
-- connection, renewed while it runs the connection, taken over by another once expires_at (ms since
-- the epoch, the holder's clock) has passed. Webhooks and requested pulls are not held here: any
-- instance takes them.
CREATE TABLE connection_duties (
  connection_id text PRIMARY KEY,
  holder        text NOT NULL,
  expires_at    bigint NOT NULL
);
