-- A connection's audit trail (GET /api/connections/:id/audit): each of its integrations' newest
-- entries by id, whatever their action (audit_by_integration leads with the action).
CREATE INDEX audit_by_integration_id ON audit (integration_id, id);
