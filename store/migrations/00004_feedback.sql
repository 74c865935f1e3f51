-- +goose Up
-- Feedback (回访): whether the problem was solved and how satisfied the reporter is, asked
-- when a case is resolved. A "not satisfied" answer leaves the case resolved and flags it for
-- the office, which re-handles it or writes it off; how a case came to be closed is kept, so
-- cases closed without an answer stay out of the satisfaction figures.
ALTER TABLE cases
    ADD COLUMN solved           boolean,
    ADD COLUMN satisfaction     text CHECK (satisfaction IN ('satisfied', 'basic', 'unsatisfied')),
    ADD COLUMN feedback_comment text NOT NULL DEFAULT '',
    ADD COLUMN feedback_at      timestamptz,
    ADD COLUMN feedback_flagged boolean NOT NULL DEFAULT false,
    ADD COLUMN close_reason     text CHECK (close_reason IN ('feedback', 'no_feedback', 'written_off'));
CREATE INDEX cases_flagged_idx ON cases (region_id) WHERE feedback_flagged;
CREATE INDEX cases_merged_into_idx ON cases (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- +goose Down
DROP INDEX cases_merged_into_idx;
DROP INDEX cases_flagged_idx;
ALTER TABLE cases
    DROP COLUMN close_reason,
    DROP COLUMN feedback_flagged,
    DROP COLUMN feedback_at,
    DROP COLUMN feedback_comment,
    DROP COLUMN satisfaction,
    DROP COLUMN solved;
