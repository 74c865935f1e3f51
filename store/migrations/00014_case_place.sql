-- +goose Up
-- The name of the place a problem is at, when the reporter shared a place (a venue) rather
-- than a bare point on the map.
ALTER TABLE cases ADD COLUMN place text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cases DROP COLUMN place;
