-- +goose Up
-- The office a case answers to: the nearest campaign office above the case's region when the
-- case is filed, an office higher up once it is escalated (提级), or a working group's. Its
-- queue (/triage) shows the case whenever the office has something to decide.
ALTER TABLE cases
    ADD COLUMN office_id        bigint REFERENCES offices (id),
    -- An extension (延期) the handler asked for and the office has not decided yet.
    ADD COLUMN extension_until  timestamptz,
    ADD COLUMN extension_reason text NOT NULL DEFAULT '',
    -- Escalated to the office and not yet taken up by it.
    ADD COLUMN escalation_pending boolean NOT NULL DEFAULT false;
UPDATE cases c SET office_id = (
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM regions WHERE id = c.region_id
        UNION ALL SELECT r.id, r.parent_id, up.depth + 1 FROM regions r JOIN up ON r.id = up.parent_id)
    SELECT o.id FROM up JOIN offices o ON o.region_id = up.id ORDER BY up.depth, o.id LIMIT 1);
CREATE INDEX cases_office_queue_idx ON cases (office_id, created_at)
    WHERE status = 'submitted' OR feedback_flagged OR extension_until IS NOT NULL OR escalation_pending;
CREATE INDEX cases_open_due_idx ON cases (region_id, resolve_due_at)
    WHERE status IN ('assigned', 'in_progress');

-- +goose Down
DROP INDEX cases_open_due_idx;
DROP INDEX cases_office_queue_idx;
ALTER TABLE cases
    DROP COLUMN escalation_pending,
    DROP COLUMN extension_reason,
    DROP COLUMN extension_until,
    DROP COLUMN office_id;
