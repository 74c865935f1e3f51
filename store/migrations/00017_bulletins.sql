-- +goose Up
-- The weekly bulletin (周通报): one row a person and week (its Monday), written in the
-- transaction that enqueues the bulletin, so that a job run twice, or on two replicas, sends
-- it once. A week with nothing to say for the region is written too, with sent false.
CREATE TABLE bulletins (
    person_id bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    week      date NOT NULL,
    region_id bigint,
    sent      boolean NOT NULL,
    at        timestamptz NOT NULL,
    -- parts: how many of the bulletin's messages (its text, its charts) have gone, so that a
    -- send tried again goes on from there rather than from the start.
    parts     int NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, week)
);

-- +goose Down
DROP TABLE bulletins;
