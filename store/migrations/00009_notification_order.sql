-- +goose Up
-- A notification goes to its chat only after those enqueued before it for the same chat: the
-- check, made before each is sent, asks for an earlier one not yet done. This index serves it
-- without reading the whole job table; its predicate is the literal the query names.
CREATE INDEX river_job_notification_chat_idx ON river_job (((args->>'chat_id')::bigint), id)
    WHERE kind = 'notification' AND state IN ('available', 'running', 'retryable', 'scheduled');

-- +goose Down
DROP INDEX river_job_notification_chat_idx;
