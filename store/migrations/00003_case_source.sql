-- +goose Up
-- A case remembers what created it (the bot, the update that confirmed it), so that a
-- redelivered confirm, after a crash between the commit and the reply, finds the case it
-- already made instead of making a second one.
ALTER TABLE cases ADD COLUMN source_key text UNIQUE;

-- +goose Down
ALTER TABLE cases DROP COLUMN source_key;
