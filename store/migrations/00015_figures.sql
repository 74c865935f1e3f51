-- +goose Up
-- The figures (DESIGN.md §5) are computed from the ledger's events, read by the period they
-- fall in. An assignment (交办, or 重办) records the limits it gave, and a granted extension
-- (延期) the resolve limit it moved to, so that the response and on-time resolution rates
-- measure each assignment against its own limits, not against whatever the case holds now.
ALTER TABLE case_events
    ADD COLUMN sign_due_at    timestamptz,
    ADD COLUMN resolve_due_at timestamptz;

-- Events written before: the latest assignment of a case still in its span takes the limits
-- the case holds; older ones stay without, and are left out of the rates. Events are
-- immutable to everything but this one filling in.
ALTER TABLE case_events DISABLE TRIGGER case_events_no_update;
UPDATE case_events e SET sign_due_at = c.sign_due_at, resolve_due_at = c.resolve_due_at
FROM cases c
WHERE c.id = e.case_id AND e.to_status = 'assigned' AND c.assigned_at = e.at
    AND c.status IN ('assigned', 'in_progress', 'resolved', 'closed');
ALTER TABLE case_events ENABLE TRIGGER case_events_no_update;

-- A period's events, for its counts; the limits falling in a period, for its on-time
-- resolution rate; the cases filed in a period, by region.
CREATE INDEX case_events_at_idx ON case_events (at) INCLUDE (case_id, kind, to_status);
CREATE INDEX case_events_resolve_due_idx ON case_events (resolve_due_at) INCLUDE (case_id)
    WHERE resolve_due_at IS NOT NULL;
CREATE INDEX cases_region_created_idx ON cases (region_id, created_at);

-- +goose Down
DROP INDEX cases_region_created_idx;
DROP INDEX case_events_resolve_due_idx;
DROP INDEX case_events_at_idx;
ALTER TABLE case_events DROP COLUMN resolve_due_at, DROP COLUMN sign_due_at;
