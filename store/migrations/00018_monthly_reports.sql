-- +goose Up
-- The monthly report (月报告) goes out as the weekly bulletin does, once a person and month,
-- written down in the transaction that enqueues it. One table holds both: kind says which
-- report a row is of, and period is the first day it covers (the week's Monday, the month's
-- first).
ALTER TABLE bulletins ADD COLUMN kind text NOT NULL DEFAULT 'week' CHECK (kind IN ('week', 'month'));
ALTER TABLE bulletins RENAME COLUMN week TO period;
ALTER TABLE bulletins DROP CONSTRAINT bulletins_pkey, ADD PRIMARY KEY (person_id, kind, period);

-- The figures of the whole city read the cases filed in a period, and the cases open now,
-- by these rather than by every region's; a region's open cases are few beside its ledger.
CREATE INDEX cases_created_idx ON cases (created_at);
CREATE INDEX cases_open_idx ON cases (region_id) WHERE status IN ('submitted', 'assigned', 'in_progress', 'resolved');
-- A county's events are told from the city's by their cases' region, read from the index.
CREATE INDEX cases_region_id_idx ON cases (region_id, id);

-- +goose Down
DROP INDEX cases_region_id_idx;
DROP INDEX cases_open_idx;
DROP INDEX cases_created_idx;
DELETE FROM bulletins WHERE kind <> 'week';
ALTER TABLE bulletins DROP CONSTRAINT bulletins_pkey, ADD PRIMARY KEY (person_id, period);
ALTER TABLE bulletins RENAME COLUMN period TO week;
ALTER TABLE bulletins DROP COLUMN kind;
