-- +goose Up
-- Reminders (DESIGN.md §4.2): rows written in the transaction of the change that calls for
-- them (an assignment, a signature, an extension…), and sent by the sweep when send_at comes,
-- in working hours. A change cancels the case's pending ones and writes those it now needs;
-- one already sent for the same limit is not written again.
CREATE TABLE reminders (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'named', 'escalate')),
    -- The limit it is about (sign, feedback, resolve; rehandles, handbacks for escalations)
    -- and the moment that limit runs out.
    due_limit    text NOT NULL,
    limit_at     timestamptz NOT NULL,
    send_at      timestamptz NOT NULL,
    sent_at      timestamptz,
    cancelled_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_due_idx ON reminders (send_at) WHERE sent_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX reminders_pending_case_idx ON reminders (case_id) WHERE sent_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX reminders_sent_case_idx ON reminders (case_id, kind, due_limit, limit_at) WHERE sent_at IS NOT NULL;
-- On the bulletin's named list (通报) since: still overdue five working days after a limit.
ALTER TABLE cases ADD COLUMN named_at timestamptz;

-- +goose Down
ALTER TABLE cases DROP COLUMN named_at;
DROP TABLE reminders;
