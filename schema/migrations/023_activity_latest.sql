-- The newest change of each entity, whatever field it touched (GET /api/weddings/:id/activity/latest):
-- activity_by_entity leads with the field, so the newest row of an entity across its fields was a scan
-- of all its rows. With this index each entity is one seek, however long its trail.
CREATE INDEX activity_by_entity_latest ON activity (wedding_id, root, entity_id, id);
