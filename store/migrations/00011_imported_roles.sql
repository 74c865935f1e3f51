-- +goose Up
-- A person's row in the organisation data lists every role the organisation gives them, so a
-- role an earlier import gave and the row no longer lists is taken away by the next import.
-- Only such roles: a reporter's link made by an invite or by naming a unit is the person's
-- own, whatever the files say. The handler's, office's and admin's roles have only ever come
-- from imports. A reporter's link of a person the data names may have come from either, so
-- it is left unmarked here; an import whose row lists it marks it.
ALTER TABLE person_roles ADD COLUMN imported boolean NOT NULL DEFAULT false;
UPDATE person_roles SET imported = true WHERE role <> 'reporter';

-- +goose Down
ALTER TABLE person_roles DROP COLUMN imported;
