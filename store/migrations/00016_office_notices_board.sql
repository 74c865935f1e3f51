-- +goose Up
-- A new case that waits in triage is told to its office at once in working hours; filed at
-- night or on a day off, it is a reminder row of kind 'office_new' that the sweep sends at the
-- start of the next working day, with whatever else is due for each member then, as one digest.
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'named', 'escalate', 'office_new'));

-- The daily board (早报): one row a person and working day, written in the transaction that
-- enqueues the board, so that a job run twice, or on two replicas, sends it once. A day with
-- nothing to say is written too, with sent false.
CREATE TABLE boards (
    person_id bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    day       date NOT NULL,
    sent      boolean NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (person_id, day)
);

-- +goose Down
DROP TABLE boards;
DELETE FROM reminders WHERE kind = 'office_new';
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'named', 'escalate'));
