-- +goose Up
-- The figures of a period (store.Figures) are summed from what each case did on each local
-- day, so that a month of a city's figures reads a few thousand rows instead of its events.
-- The transactions that write a case or its events only mark it (figure_dirty); the marked
-- cases are counted afresh in batches (figure_flush), before the figures are read and by a
-- periodic job, so that filing a case costs a mark rather than a recount.
--
-- "A case counts once however many times it went through a step in the period" is kept
-- additive thus: each day a case went through a step is written with the day it last went
-- through that step before (prev; '-infinity' for never). In [from, to) a case went through
-- the step iff exactly one of its days in [from, to) has prev < from: its first in the
-- period. So the count is the sum over days in [from, to) with prev < from.

-- The city's time zone the days are counted in; the store rebuilds the days when its own
-- differs (figure_rebuild).
CREATE TABLE figure_zone (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    zone text NOT NULL
);
INSERT INTO figure_zone (zone) VALUES ('Asia/Shanghai');

-- What each case did each day, with the case's region, category and assignee now (0 for
-- none): one row a day and prev. found: filed that day. assigned ... rehandled: went through
-- the step that day (as store.Figures defines each). On the row with no prev, which every
-- period that holds the day counts: touched, 1 when the case went through one of those or
-- was answered that day (a line of the breakdowns is there when one of its cases did
-- something, however often); feedbacks, solved, satisfied: the answers given that day. responses_due, responses_in_time: the
-- assignments made that day whose answer is due whatever the time (answered; replaced after
-- their limit), and those answered in time. resolves_due, resolves_in_time: the resolve
-- limits falling that day that count once passed (store.Figures.ResolvesDue), and those met;
-- the figures read them only for days before today's, and today's from the events.
CREATE TABLE figure_case_days (
    case_id     bigint NOT NULL,
    day         date NOT NULL,
    prev        date NOT NULL,
    region_id   bigint NOT NULL,
    category_id bigint NOT NULL,
    assignee_id bigint NOT NULL,
    found       int NOT NULL,
    assigned    int NOT NULL,
    signed      int NOT NULL,
    resolved    int NOT NULL,
    closed      int NOT NULL,
    rejected    int NOT NULL,
    merged      int NOT NULL,
    handed_back int NOT NULL,
    rehandled   int NOT NULL,
    touched     int NOT NULL,
    feedbacks   int NOT NULL,
    solved      int NOT NULL,
    satisfied   int NOT NULL,
    responses_due       int NOT NULL,
    responses_in_time   int NOT NULL,
    resolves_due        int NOT NULL,
    resolves_in_time    int NOT NULL,
    -- The sign-for limit of the case's last assignment when nothing answered or replaced it:
    -- it is due once now is past it, which only the figures' query knows.
    pending_sign_due    timestamptz,
    PRIMARY KEY (case_id, day, prev)
);

-- The sums of figure_case_days by day, prev and region, and by category (assignee_id -1) or
-- by assignee (category_id -1): what the figures read, each case on one row of each kind. A
-- row whose cases moved away stays, at zero.
CREATE TABLE figure_days (
    day         date NOT NULL,
    prev        date NOT NULL,
    region_id   bigint NOT NULL,
    category_id bigint NOT NULL,
    assignee_id bigint NOT NULL,
    found       int NOT NULL,
    assigned    int NOT NULL,
    signed      int NOT NULL,
    resolved    int NOT NULL,
    closed      int NOT NULL,
    rejected    int NOT NULL,
    merged      int NOT NULL,
    handed_back int NOT NULL,
    rehandled   int NOT NULL,
    touched     int NOT NULL,
    feedbacks   int NOT NULL,
    solved      int NOT NULL,
    satisfied   int NOT NULL,
    responses_due       int NOT NULL,
    responses_in_time   int NOT NULL,
    resolves_due        int NOT NULL,
    resolves_in_time    int NOT NULL,
    PRIMARY KEY (day, region_id, category_id, assignee_id, prev)
);

-- +goose StatementBegin
-- figure_case_rows computes the rows of figure_case_days of the cases ids
-- afresh from the cases and their events, the days in zone. (PL/pgSQL, not SQL: its plan is
-- made for the cases asked about, one by its index, all of them by a scan.)
CREATE FUNCTION figure_case_rows(ids bigint[], zone text) RETURNS SETOF figure_case_days
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY WITH c AS (
        SELECT id, region_id, coalesce(category_id, 0) AS category_id, coalesce(assignee_id, 0) AS assignee_id, created_at
        FROM cases WHERE id = ANY (ids)),
    ev AS (
        SELECT e.case_id, (e.at AT TIME ZONE zone)::date AS day,
            coalesce(e.to_status = 'assigned', false)::int + ((e.kind = 'signed')::int << 1) + ((e.kind = 'resolved')::int << 2)
                + (coalesce(e.to_status = 'closed', false)::int << 3) + ((e.kind = 'rejected')::int << 4) + ((e.kind = 'merged')::int << 5)
                + ((e.kind = 'handed_back')::int << 6) + ((e.kind = 'rehandled')::int << 7) AS steps,
            (e.kind = 'feedback')::int AS feedback,
            (e.kind = 'feedback' AND e.data->>'Solved' = 'true')::int AS solved,
            (e.kind = 'feedback' AND e.data->>'Satisfaction' IN ('satisfied', 'basic'))::int AS satisfied
        FROM case_events e
        WHERE e.case_id = ANY (ids)
            AND (e.kind IN ('signed', 'resolved', 'rejected', 'merged', 'handed_back', 'rehandled', 'feedback')
                OR e.to_status IN ('assigned', 'closed'))),
    asg AS (
        SELECT e.case_id, (e.at AT TIME ZONE zone)::date AS day, e.sign_due_at AS due, n.kind, n.at
        FROM case_events e LEFT JOIN LATERAL (
            SELECT n.kind, n.at FROM case_events n
            WHERE n.case_id = e.case_id AND n.id > e.id
                AND (n.kind IN ('signed', 'handed_back', 'merged') OR n.to_status = 'assigned')
            ORDER BY n.id LIMIT 1) n ON true
        WHERE e.case_id = ANY (ids) AND e.to_status = 'assigned' AND e.sign_due_at IS NOT NULL),
    lim AS (
        SELECT e.case_id, (e.resolve_due_at AT TIME ZONE zone)::date AS day, e.resolve_due_at AS due, n.kind, n.at
        FROM case_events e LEFT JOIN LATERAL (
            SELECT n.kind, n.at FROM case_events n
            WHERE n.case_id = e.case_id AND n.id > e.id
                AND (n.kind IN ('resolved', 'handed_back', 'merged', 'extension_granted') OR n.to_status = 'assigned')
            ORDER BY n.id LIMIT 1) n ON true
        WHERE e.case_id = ANY (ids) AND e.resolve_due_at IS NOT NULL),
    days AS (
        SELECT case_id, day, bit_or(steps) AS steps, sum(feedback) AS feedbacks, sum(solved) AS solved, sum(satisfied) AS satisfied
        FROM ev GROUP BY case_id, day),
    steps AS (
        SELECT d.case_id, d.day, k, coalesce(lag(d.day) OVER (PARTITION BY d.case_id, k ORDER BY d.day), '-infinity') AS prev
        FROM days d CROSS JOIN generate_series(0, 7) k WHERE d.steps & (1 << k) <> 0),
    each AS (
        SELECT case_id, day, prev, 0 AS found, (k = 0)::int AS assigned, (k = 1)::int AS signed, (k = 2)::int AS resolved,
            (k = 3)::int AS closed, (k = 4)::int AS rejected, (k = 5)::int AS merged, (k = 6)::int AS handed_back,
            (k = 7)::int AS rehandled, 0 AS touched, 0 AS feedbacks, 0 AS solved, 0 AS satisfied,
            0 AS responses_due, 0 AS responses_in_time, 0 AS resolves_due, 0 AS resolves_in_time, NULL::timestamptz AS pending_sign_due
        FROM steps
        UNION ALL
        SELECT case_id, day, '-infinity', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, feedbacks::int, solved::int, satisfied::int, 0, 0, 0, 0, NULL
        FROM days
        UNION ALL
        SELECT id, (created_at AT TIME ZONE zone)::date, '-infinity', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL FROM c
        UNION ALL
        -- An assignment answered (signed for, handed back) is due; one replaced (reassigned,
        -- merged) is due if that came after its limit; one neither is due once its limit passed.
        SELECT case_id, day, '-infinity', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            CASE WHEN kind IN ('signed', 'handed_back') THEN 1 WHEN kind IS NOT NULL THEN (at > due)::int ELSE 0 END,
            coalesce(kind IN ('signed', 'handed_back') AND at <= due, false)::int, 0, 0,
            CASE WHEN kind IS NULL THEN due END
        FROM asg
        UNION ALL
        -- A resolve limit moved by an extension is not counted; one resolved, or not ended, is;
        -- one ended otherwise (handed back, reassigned, merged) is if that came at or after it.
        SELECT case_id, day, '-infinity', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            CASE WHEN kind = 'extension_granted' THEN 0 WHEN kind = 'resolved' OR kind IS NULL THEN 1 ELSE (at >= due)::int END,
            coalesce(kind = 'resolved' AND at <= due, false)::int, NULL
        FROM lim)
    SELECT x.case_id, x.day, x.prev, c.region_id, c.category_id, c.assignee_id,
        sum(x.found)::int, sum(x.assigned)::int, sum(x.signed)::int, sum(x.resolved)::int, sum(x.closed)::int,
        sum(x.rejected)::int, sum(x.merged)::int, sum(x.handed_back)::int, sum(x.rehandled)::int, sum(x.touched)::int,
        sum(x.feedbacks)::int, sum(x.solved)::int, sum(x.satisfied)::int,
        sum(x.responses_due)::int, sum(x.responses_in_time)::int, sum(x.resolves_due)::int, sum(x.resolves_in_time)::int,
        max(x.pending_sign_due)
    FROM each x JOIN c ON c.id = x.case_id
    GROUP BY x.case_id, x.day, x.prev, c.region_id, c.category_id, c.assignee_id;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- figure_recount puts the cases ids' rows of figure_case_days afresh and moves the
-- difference into figure_days, in the order of its key. Only a flush runs it, one at a time.
CREATE FUNCTION figure_recount(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
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
-- figure_rebuild counts every case's days afresh in zone.
CREATE FUNCTION figure_rebuild(new_zone text) RETURNS void LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    UPDATE figure_zone SET zone = new_zone;
    TRUNCATE figure_case_days, figure_days;
    INSERT INTO figure_case_days SELECT * FROM figure_case_rows(ARRAY(SELECT id FROM cases), new_zone);
    INSERT INTO figure_days
    SELECT day, prev, region_id, side.category_id, side.assignee_id, sum(sg * found)::int AS found, sum(sg * assigned)::int AS assigned,
            sum(sg * signed)::int AS signed, sum(sg * resolved)::int AS resolved, sum(sg * closed)::int AS closed,
            sum(sg * rejected)::int AS rejected, sum(sg * merged)::int AS merged, sum(sg * handed_back)::int AS handed_back,
            sum(sg * rehandled)::int AS rehandled, sum(sg * touched)::int AS touched, sum(sg * feedbacks)::int AS feedbacks,
            sum(sg * solved)::int AS solved, sum(sg * satisfied)::int AS satisfied, sum(sg * responses_due)::int AS responses_due,
            sum(sg * responses_in_time)::int AS responses_in_time, sum(sg * resolves_due)::int AS resolves_due,
            sum(sg * resolves_in_time)::int AS resolves_in_time
    FROM (SELECT 1 AS sg, * FROM figure_case_days) x
        CROSS JOIN LATERAL (VALUES (x.category_id, -1::bigint), (-1::bigint, x.assignee_id)) side (category_id, assignee_id)
    GROUP BY day, prev, region_id, side.category_id, side.assignee_id;
END;
$$;
-- +goose StatementEnd

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

-- +goose StatementBegin
-- The events that count (a step, an answer, a limit set, an extension granted) and the cases
-- filed, moved (region, category, assignee) or gone mark their cases: once a statement, or
-- for a case moved, once a row.
CREATE FUNCTION figure_events_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY(SELECT case_id FROM new_events
        WHERE kind IN ('signed', 'resolved', 'rejected', 'merged', 'handed_back', 'rehandled', 'feedback', 'extension_granted')
            OR to_status IN ('assigned', 'closed') OR sign_due_at IS NOT NULL OR resolve_due_at IS NOT NULL));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION figure_cases_filed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY(SELECT id FROM new_cases));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION figure_cases_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION figure_cases_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM figure_mark(ARRAY(SELECT id FROM old_cases));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER figure_events_written AFTER INSERT ON case_events REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION figure_events_written();
CREATE TRIGGER figure_cases_filed AFTER INSERT ON cases REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION figure_cases_filed();
-- A case moved is one at a time (an assignment, a category set), and most updates move none:
-- a row's trigger, told by its WHEN alone, costs those nothing.
CREATE TRIGGER figure_cases_moved AFTER UPDATE OF region_id, category_id, assignee_id, created_at ON cases
    FOR EACH ROW WHEN ((NEW.region_id, NEW.category_id, NEW.assignee_id, NEW.created_at)
        IS DISTINCT FROM (OLD.region_id, OLD.category_id, OLD.assignee_id, OLD.created_at))
    EXECUTE FUNCTION figure_cases_moved();
CREATE TRIGGER figure_cases_gone AFTER DELETE ON cases REFERENCING OLD TABLE AS old_cases
    FOR EACH STATEMENT EXECUTE FUNCTION figure_cases_gone();

SELECT figure_rebuild('Asia/Shanghai');

-- The assignments still waiting for an answer, by the day they were made.
CREATE INDEX figure_case_days_pending_idx ON figure_case_days (day) INCLUDE (region_id, pending_sign_due)
    WHERE pending_sign_due IS NOT NULL;

-- The open cases the figures count now, read from the index alone.
CREATE INDEX cases_open_figures_idx ON cases (region_id)
    INCLUDE (category_id, assignee_id, status, sign_due_at, first_feedback_at, feedback_due_at, resolve_due_at)
    WHERE status IN ('submitted', 'assigned', 'in_progress', 'resolved');

-- The bulletin's named list, the cases in hand by their resolve limit, read from the index
-- alone.
CREATE INDEX cases_named_idx ON cases (resolve_due_at) INCLUDE (region_id, assignee_id, ticket_no, id)
    WHERE status IN ('assigned', 'in_progress') AND resolve_due_at IS NOT NULL;

-- +goose Down
DROP INDEX cases_named_idx;
DROP INDEX cases_open_figures_idx;
DROP TRIGGER figure_cases_gone ON cases;
DROP TRIGGER figure_cases_moved ON cases;
DROP TRIGGER figure_cases_filed ON cases;
DROP TRIGGER figure_events_written ON case_events;
DROP FUNCTION figure_cases_gone();
DROP FUNCTION figure_cases_moved();
DROP FUNCTION figure_cases_filed();
DROP FUNCTION figure_events_written();
DROP FUNCTION figure_flush(int);
DROP FUNCTION figure_mark(bigint[]);
DROP TABLE figure_dirty;
DROP FUNCTION figure_rebuild(text);
DROP FUNCTION figure_recount(bigint[]);
DROP FUNCTION figure_case_rows(bigint[], text);
DROP TABLE figure_days;
DROP TABLE figure_case_days;
DROP TABLE figure_zone;
