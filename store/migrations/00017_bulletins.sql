-- +goose Up
-- The weekly bulletin (周通报): one row a person and week (its Monday), written in the
-- transaction that enqueues the bulletin, so that a job run twice, or on two replicas, sends
-- it once.
CREATE TABLE bulletins (
    person_id bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    week      date NOT NULL,
    region_id bigint,
    at        timestamptz NOT NULL,
    PRIMARY KEY (person_id, week)
);

-- +goose Down
DROP TABLE bulletins;
