-- +goose Up
-- The kept days (migration 00022) are no longer counted afresh in the transactions that write
-- a case, which doubled the cost of filing one: those transactions only mark the case
-- (figure_dirty), and the marked cases are counted afresh in batches (figure_flush), before
-- the figures are read (store.Figures) and by a periodic job, so that a read finds few.
--
-- A writer marks with an upsert that takes the mark's row lock until it commits. A flush locks
-- the marks it takes, skipping those a writer still holds (their cases are not written yet:
-- the next flush takes them), counts their cases afresh, and deletes the marks; a writer that
-- marks one of them meanwhile waits for the flush and marks again, and its change is counted
-- by the next. A flush waits for no writer, so the two never wait for each other in a circle.
-- One flush at a time (an advisory lock), so that two never update the same sums in
-- different orders. Counting a case afresh is the same however often it runs: a mark more is
-- only work.
CREATE TABLE figure_dirty (case_id bigint PRIMARY KEY);

-- +goose StatementBegin
CREATE FUNCTION figure_mark(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO figure_dirty (case_id) SELECT DISTINCT id FROM unnest(ids) AS id WHERE id IS NOT NULL ORDER BY id
    ON CONFLICT (case_id) DO UPDATE SET case_id = excluded.case_id
$$;
-- +goose StatementEnd

-- figure_flush counts afresh up to most marked cases and returns how many it took.
-- +goose StatementBegin
CREATE FUNCTION figure_flush(most int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('bangban figure_flush'));
    SELECT coalesce(array_agg(case_id), '{}') INTO ids FROM (
        SELECT case_id FROM figure_dirty ORDER BY case_id LIMIT most FOR UPDATE SKIP LOCKED) d;
    IF cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM figure_recount(ids);
    DELETE FROM figure_dirty WHERE case_id = ANY (ids);
    RETURN cardinality(ids);
END;
$$;
-- +goose StatementEnd

-- The recount no longer locks its cases: only a flush runs it, one at a time, and a writer
-- holding a case's row waits for no flush (it would wait for the writer's mark otherwise).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_recount(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    z text;
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    SELECT zone INTO z FROM figure_zone FOR SHARE;
    -- The cases too, in order: two transactions recounting one case (its rows out, then in)
    -- take turns, as the lifecycle's own lock on the case makes them.
    -- Out with the old rows, then in with the new: two statements, as the parts of one
    -- would run in no set order.
    WITH old AS (DELETE FROM figure_case_days WHERE case_id = ANY (ids) RETURNING *),
    delta AS (
        SELECT day, prev, region_id, side.category_id, side.assignee_id, sum(sg * found)::int AS found, sum(sg * assigned)::int AS assigned,
            sum(sg * signed)::int AS signed, sum(sg * resolved)::int AS resolved, sum(sg * closed)::int AS closed,
            sum(sg * rejected)::int AS rejected, sum(sg * merged)::int AS merged, sum(sg * handed_back)::int AS handed_back,
            sum(sg * rehandled)::int AS rehandled, sum(sg * touched)::int AS touched, sum(sg * feedbacks)::int AS feedbacks,
            sum(sg * solved)::int AS solved, sum(sg * satisfied)::int AS satisfied, sum(sg * responses_due)::int AS responses_due,
            sum(sg * responses_in_time)::int AS responses_in_time, sum(sg * resolves_due)::int AS resolves_due,
            sum(sg * resolves_in_time)::int AS resolves_in_time
        FROM (SELECT -1 AS sg, * FROM old) x
            CROSS JOIN LATERAL (VALUES (x.category_id, -1::bigint), (-1::bigint, x.assignee_id)) side (category_id, assignee_id)
        GROUP BY day, prev, region_id, side.category_id, side.assignee_id)
    INSERT INTO figure_days AS d
    SELECT day, prev, region_id, category_id, assignee_id, found, assigned, signed, resolved, closed, rejected, merged,
        handed_back, rehandled, touched, feedbacks, solved, satisfied, responses_due, responses_in_time, resolves_due, resolves_in_time
    FROM delta
    WHERE (found, assigned, signed, resolved, closed, rejected, merged, handed_back, rehandled, touched, feedbacks, solved, satisfied,
            responses_due, responses_in_time, resolves_due, resolves_in_time)
        <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    ORDER BY day, region_id, category_id, assignee_id, prev
    ON CONFLICT (day, region_id, category_id, assignee_id, prev) DO UPDATE SET
        found = d.found + excluded.found, assigned = d.assigned + excluded.assigned, signed = d.signed + excluded.signed,
        resolved = d.resolved + excluded.resolved, closed = d.closed + excluded.closed, rejected = d.rejected + excluded.rejected,
        merged = d.merged + excluded.merged, handed_back = d.handed_back + excluded.handed_back,
        rehandled = d.rehandled + excluded.rehandled, touched = d.touched + excluded.touched,
        feedbacks = d.feedbacks + excluded.feedbacks, solved = d.solved + excluded.solved, satisfied = d.satisfied + excluded.satisfied,
        responses_due = d.responses_due + excluded.responses_due, responses_in_time = d.responses_in_time + excluded.responses_in_time,
        resolves_due = d.resolves_due + excluded.resolves_due, resolves_in_time = d.resolves_in_time + excluded.resolves_in_time;
    WITH new AS (INSERT INTO figure_case_days SELECT * FROM figure_case_rows(ids, z) RETURNING *),
    delta AS (
        SELECT day, prev, region_id, side.category_id, side.assignee_id, sum(sg * found)::int AS found, sum(sg * assigned)::int AS assigned,
            sum(sg * signed)::int AS signed, sum(sg * resolved)::int AS resolved, sum(sg * closed)::int AS closed,
            sum(sg * rejected)::int AS rejected, sum(sg * merged)::int AS merged, sum(sg * handed_back)::int AS handed_back,
            sum(sg * rehandled)::int AS rehandled, sum(sg * touched)::int AS touched, sum(sg * feedbacks)::int AS feedbacks,
            sum(sg * solved)::int AS solved, sum(sg * satisfied)::int AS satisfied, sum(sg * responses_due)::int AS responses_due,
            sum(sg * responses_in_time)::int AS responses_in_time, sum(sg * resolves_due)::int AS resolves_due,
            sum(sg * resolves_in_time)::int AS resolves_in_time
        FROM (SELECT 1 AS sg, * FROM new) x
            CROSS JOIN LATERAL (VALUES (x.category_id, -1::bigint), (-1::bigint, x.assignee_id)) side (category_id, assignee_id)
        GROUP BY day, prev, region_id, side.category_id, side.assignee_id)
    INSERT INTO figure_days AS d
    SELECT day, prev, region_id, category_id, assignee_id, found, assigned, signed, resolved, closed, rejected, merged,
        handed_back, rehandled, touched, feedbacks, solved, satisfied, responses_due, responses_in_time, resolves_due, resolves_in_time
    FROM delta
    WHERE (found, assigned, signed, resolved, closed, rejected, merged, handed_back, rehandled, touched, feedbacks, solved, satisfied,
            responses_due, responses_in_time, resolves_due, resolves_in_time)
        <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    ORDER BY day, region_id, category_id, assignee_id, prev
    ON CONFLICT (day, region_id, category_id, assignee_id, prev) DO UPDATE SET
        found = d.found + excluded.found, assigned = d.assigned + excluded.assigned, signed = d.signed + excluded.signed,
        resolved = d.resolved + excluded.resolved, closed = d.closed + excluded.closed, rejected = d.rejected + excluded.rejected,
        merged = d.merged + excluded.merged, handed_back = d.handed_back + excluded.handed_back,
        rehandled = d.rehandled + excluded.rehandled, touched = d.touched + excluded.touched,
        feedbacks = d.feedbacks + excluded.feedbacks, solved = d.solved + excluded.solved, satisfied = d.satisfied + excluded.satisfied,
        responses_due = d.responses_due + excluded.responses_due, responses_in_time = d.responses_in_time + excluded.responses_in_time,
        resolves_due = d.resolves_due + excluded.resolves_due, resolves_in_time = d.resolves_in_time + excluded.resolves_in_time;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_events_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY(SELECT case_id FROM new_events
        WHERE kind IN ('signed', 'resolved', 'rejected', 'merged', 'handed_back', 'rehandled', 'feedback', 'extension_granted')
            OR to_status IN ('assigned', 'closed') OR sign_due_at IS NOT NULL OR resolve_due_at IS NOT NULL));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_cases_filed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY(SELECT id FROM new_cases));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_cases_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_cases_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY(SELECT id FROM old_cases));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_recount(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    z text;
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Shared: a rebuild in another zone (figure_rebuild) waits for this transaction, and
    -- this one for it.
    SELECT zone INTO z FROM figure_zone FOR SHARE;
    -- The cases too, in order: two transactions recounting one case (its rows out, then in)
    -- take turns, as the lifecycle's own lock on the case makes them.
    PERFORM 1 FROM cases WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    -- Out with the old rows, then in with the new: two statements, as the parts of one
    -- would run in no set order.
    WITH old AS (DELETE FROM figure_case_days WHERE case_id = ANY (ids) RETURNING *),
    delta AS (
        SELECT day, prev, region_id, side.category_id, side.assignee_id, sum(sg * found)::int AS found, sum(sg * assigned)::int AS assigned,
            sum(sg * signed)::int AS signed, sum(sg * resolved)::int AS resolved, sum(sg * closed)::int AS closed,
            sum(sg * rejected)::int AS rejected, sum(sg * merged)::int AS merged, sum(sg * handed_back)::int AS handed_back,
            sum(sg * rehandled)::int AS rehandled, sum(sg * touched)::int AS touched, sum(sg * feedbacks)::int AS feedbacks,
            sum(sg * solved)::int AS solved, sum(sg * satisfied)::int AS satisfied, sum(sg * responses_due)::int AS responses_due,
            sum(sg * responses_in_time)::int AS responses_in_time, sum(sg * resolves_due)::int AS resolves_due,
            sum(sg * resolves_in_time)::int AS resolves_in_time
        FROM (SELECT -1 AS sg, * FROM old) x
            CROSS JOIN LATERAL (VALUES (x.category_id, -1::bigint), (-1::bigint, x.assignee_id)) side (category_id, assignee_id)
        GROUP BY day, prev, region_id, side.category_id, side.assignee_id)
    INSERT INTO figure_days AS d
    SELECT day, prev, region_id, category_id, assignee_id, found, assigned, signed, resolved, closed, rejected, merged,
        handed_back, rehandled, touched, feedbacks, solved, satisfied, responses_due, responses_in_time, resolves_due, resolves_in_time
    FROM delta
    WHERE (found, assigned, signed, resolved, closed, rejected, merged, handed_back, rehandled, touched, feedbacks, solved, satisfied,
            responses_due, responses_in_time, resolves_due, resolves_in_time)
        <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    ORDER BY day, region_id, category_id, assignee_id, prev
    ON CONFLICT (day, region_id, category_id, assignee_id, prev) DO UPDATE SET
        found = d.found + excluded.found, assigned = d.assigned + excluded.assigned, signed = d.signed + excluded.signed,
        resolved = d.resolved + excluded.resolved, closed = d.closed + excluded.closed, rejected = d.rejected + excluded.rejected,
        merged = d.merged + excluded.merged, handed_back = d.handed_back + excluded.handed_back,
        rehandled = d.rehandled + excluded.rehandled, touched = d.touched + excluded.touched,
        feedbacks = d.feedbacks + excluded.feedbacks, solved = d.solved + excluded.solved, satisfied = d.satisfied + excluded.satisfied,
        responses_due = d.responses_due + excluded.responses_due, responses_in_time = d.responses_in_time + excluded.responses_in_time,
        resolves_due = d.resolves_due + excluded.resolves_due, resolves_in_time = d.resolves_in_time + excluded.resolves_in_time;
    WITH new AS (INSERT INTO figure_case_days SELECT * FROM figure_case_rows(ids, z) RETURNING *),
    delta AS (
        SELECT day, prev, region_id, side.category_id, side.assignee_id, sum(sg * found)::int AS found, sum(sg * assigned)::int AS assigned,
            sum(sg * signed)::int AS signed, sum(sg * resolved)::int AS resolved, sum(sg * closed)::int AS closed,
            sum(sg * rejected)::int AS rejected, sum(sg * merged)::int AS merged, sum(sg * handed_back)::int AS handed_back,
            sum(sg * rehandled)::int AS rehandled, sum(sg * touched)::int AS touched, sum(sg * feedbacks)::int AS feedbacks,
            sum(sg * solved)::int AS solved, sum(sg * satisfied)::int AS satisfied, sum(sg * responses_due)::int AS responses_due,
            sum(sg * responses_in_time)::int AS responses_in_time, sum(sg * resolves_due)::int AS resolves_due,
            sum(sg * resolves_in_time)::int AS resolves_in_time
        FROM (SELECT 1 AS sg, * FROM new) x
            CROSS JOIN LATERAL (VALUES (x.category_id, -1::bigint), (-1::bigint, x.assignee_id)) side (category_id, assignee_id)
        GROUP BY day, prev, region_id, side.category_id, side.assignee_id)
    INSERT INTO figure_days AS d
    SELECT day, prev, region_id, category_id, assignee_id, found, assigned, signed, resolved, closed, rejected, merged,
        handed_back, rehandled, touched, feedbacks, solved, satisfied, responses_due, responses_in_time, resolves_due, resolves_in_time
    FROM delta
    WHERE (found, assigned, signed, resolved, closed, rejected, merged, handed_back, rehandled, touched, feedbacks, solved, satisfied,
            responses_due, responses_in_time, resolves_due, resolves_in_time)
        <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    ORDER BY day, region_id, category_id, assignee_id, prev
    ON CONFLICT (day, region_id, category_id, assignee_id, prev) DO UPDATE SET
        found = d.found + excluded.found, assigned = d.assigned + excluded.assigned, signed = d.signed + excluded.signed,
        resolved = d.resolved + excluded.resolved, closed = d.closed + excluded.closed, rejected = d.rejected + excluded.rejected,
        merged = d.merged + excluded.merged, handed_back = d.handed_back + excluded.handed_back,
        rehandled = d.rehandled + excluded.rehandled, touched = d.touched + excluded.touched,
        feedbacks = d.feedbacks + excluded.feedbacks, solved = d.solved + excluded.solved, satisfied = d.satisfied + excluded.satisfied,
        responses_due = d.responses_due + excluded.responses_due, responses_in_time = d.responses_in_time + excluded.responses_in_time,
        resolves_due = d.resolves_due + excluded.resolves_due, resolves_in_time = d.resolves_in_time + excluded.resolves_in_time;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_events_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_recount(ARRAY(SELECT DISTINCT case_id FROM new_events
        WHERE kind IN ('signed', 'resolved', 'rejected', 'merged', 'handed_back', 'rehandled', 'feedback', 'extension_granted')
            OR to_status IN ('assigned', 'closed') OR sign_due_at IS NOT NULL OR resolve_due_at IS NOT NULL));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_cases_filed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_recount(ARRAY(SELECT id FROM new_cases));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_cases_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_recount(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION figure_cases_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_recount(ARRAY(SELECT id FROM old_cases));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

DROP FUNCTION figure_flush(int);
DROP FUNCTION figure_mark(bigint[]);
DROP TABLE figure_dirty;
