-- +goose Up
-- Refused actions (a forged button, a case that is not the person's) stay on the case for
-- audit, but are kept at most once per person and case in ten minutes and a few dozen per
-- person an hour, and views show them as one line. These two indexes serve those checks,
-- made at every refusal, and the one line of a case's view, without reading the case's
-- whole history. Their predicate is the literal the queries name.
CREATE INDEX case_events_refused_actor_idx ON case_events (actor_id, at) WHERE kind = 'refused';
CREATE INDEX case_events_refused_case_idx ON case_events (case_id, id) WHERE kind = 'refused';

-- +goose Down
DROP INDEX case_events_refused_case_idx;
DROP INDEX case_events_refused_actor_idx;
