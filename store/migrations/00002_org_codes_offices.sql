-- +goose Up
-- Natural keys for the organisation data, so that importing the same file twice changes
-- nothing: every unit and person has a code of the city's own (a unit's code may be its
-- credit code), and the campaign offices become rows of their own.
ALTER TABLE units ADD COLUMN code text;
UPDATE units SET code = 'unit-' || id WHERE code IS NULL;
ALTER TABLE units ALTER COLUMN code SET NOT NULL;
ALTER TABLE units ADD CONSTRAINT units_code_key UNIQUE (code);

ALTER TABLE people ADD COLUMN code text UNIQUE;

-- 活动办: the campaign office of a region, or the lead of a working group.
CREATE TABLE offices (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    name          text NOT NULL,
    region_id     bigint REFERENCES regions (id),
    working_group text REFERENCES working_groups (code),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((region_id IS NULL) <> (working_group IS NULL))
);

ALTER TABLE person_roles ADD COLUMN office_id bigint REFERENCES offices (id);
DROP INDEX person_roles_uniq;
CREATE UNIQUE INDEX person_roles_uniq ON person_roles
    (person_id, role, coalesce(unit_id, 0), coalesce(region_id, 0), coalesce(working_group, ''), coalesce(office_id, 0));

ALTER TABLE invites ADD COLUMN office_id bigint REFERENCES offices (id);
CREATE INDEX invites_unit_idx ON invites (unit_id);
CREATE INDEX invites_person_idx ON invites (person_id);

-- +goose Down
DROP INDEX invites_person_idx;
DROP INDEX invites_unit_idx;
ALTER TABLE invites DROP COLUMN office_id;
DROP INDEX person_roles_uniq;
ALTER TABLE person_roles DROP COLUMN office_id;
CREATE UNIQUE INDEX person_roles_uniq ON person_roles
    (person_id, role, coalesce(unit_id, 0), coalesce(region_id, 0), coalesce(working_group, ''));
DROP TABLE offices;
ALTER TABLE people DROP COLUMN code;
ALTER TABLE units DROP COLUMN code;
