-- Who connected each integration, as their token said at connect time: an integration acts with
-- that principal's rights (server/auth/inbound-rights.ts, docs/integrations.md "Whose rights").
-- connector_role is one of the token roles; connector_vendor_id is the token's vendorId (vendors).
ALTER TABLE integrations ADD COLUMN connector_sub TEXT;
ALTER TABLE integrations ADD COLUMN connector_role TEXT CHECK (connector_role IN ('admin', 'planner', 'couple', 'vendor', 'adapter'));
ALTER TABLE integrations ADD COLUMN connector_vendor_id TEXT;

-- Rows connected before the role was recorded. A vendor could only connect its own systems, so a
-- vendor-bound row may have been a vendor's: it keeps that vendor's rights (a planner who connected
-- a vendor's system for it reconnects to act with planner rights). Rows without a vendor were
-- connected by a planner or an admin.
UPDATE integrations SET
  connector_sub = created_by,
  connector_role = CASE WHEN vendor_id IS NULL THEN 'planner' ELSE 'vendor' END,
  connector_vendor_id = vendor_id
WHERE connector_role IS NULL;
