-- A binding's parked rows (health reports: how many, how many for want of a vendor, the newest
-- one's reason) without reading its whole inbox history; PostgreSQL has had it since its 007.
CREATE INDEX inbox_parked ON inbox (integration_id, id) WHERE status = 'parked';
