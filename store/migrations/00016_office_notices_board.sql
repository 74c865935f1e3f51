-- +goose Up
-- A new case that waits in triage is told to its office at once in working hours; filed at
-- night or on a day off, it is a reminder row of kind 'office_new' that the sweep sends at the
-- start of the next working day, with whatever else is due for each member then, as one digest.
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'named', 'escalate', 'office_new'));

-- +goose Down
DELETE FROM reminders WHERE kind = 'office_new';
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'named', 'escalate'));
