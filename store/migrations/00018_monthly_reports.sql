-- +goose Up
-- The monthly report (月报告) goes out as the weekly bulletin does, once a person and month,
-- written down in the transaction that enqueues it. One table holds both: kind says which
-- report a row is of, and period is the first day it covers (the week's Monday, the month's
-- first).
ALTER TABLE bulletins ADD COLUMN kind text NOT NULL DEFAULT 'week' CHECK (kind IN ('week', 'month'));
ALTER TABLE bulletins RENAME COLUMN week TO period;
ALTER TABLE bulletins DROP CONSTRAINT bulletins_pkey, ADD PRIMARY KEY (person_id, kind, period);

-- +goose Down
DELETE FROM bulletins WHERE kind <> 'week';
ALTER TABLE bulletins DROP CONSTRAINT bulletins_pkey, ADD PRIMARY KEY (person_id, period);
ALTER TABLE bulletins RENAME COLUMN period TO week;
ALTER TABLE bulletins DROP COLUMN kind;
