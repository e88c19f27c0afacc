-- A binding's references (issue 12 item 2): the external system's own ids of the wedding (a CRM
-- job or project id, a venue booking id). A record naming one (InboundChange.reference) is routed
-- to that binding's wedding. JSON array of strings.
ALTER TABLE integrations ADD COLUMN external_refs TEXT NOT NULL DEFAULT '[]';
