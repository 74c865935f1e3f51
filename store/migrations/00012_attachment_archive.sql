-- +goose Up
-- The city keeps a copy of every photo and document attached to a case (the files package),
-- not only Telegram's file id, which belongs to one bot token. An archive job, enqueued with
-- the attachment, downloads it, checks it and records here where it is kept: the SHA-256 of
-- its bytes (its key names it), their size, the key, the content type they were kept with,
-- and when. A file that could not be kept says why instead (archive_error: too_large,
-- wrong_type, download_failed, store_failed; archive_detail: what happened, for whoever
-- looks into it), and the case's timeline says so too.
ALTER TABLE case_attachments
    ADD COLUMN sha256         text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN size_bytes     bigint CHECK (size_bytes >= 0),
    ADD COLUMN stored_key     text,
    ADD COLUMN stored_type    text,
    ADD COLUMN archived_at    timestamptz,
    ADD COLUMN archive_error  text CHECK (archive_error IN ('too_large', 'wrong_type', 'download_failed', 'store_failed')),
    ADD COLUMN archive_detail text NOT NULL DEFAULT '',
    ADD COLUMN archive_failed_at timestamptz,
    -- When Telegram no longer accepts the file id and the kept copy was uploaded again,
    -- file_id is the new one; the one it replaced is kept here.
    ADD COLUMN replaced_file_id text,
    ADD CONSTRAINT case_attachments_archived_whole CHECK (archived_at IS NULL OR
        (sha256 IS NOT NULL AND size_bytes IS NOT NULL AND stored_key IS NOT NULL AND archive_error IS NULL)),
    ADD CONSTRAINT case_attachments_not_kept_why CHECK ((archive_error IS NULL) = (archive_failed_at IS NULL));

-- A file id Telegram refuses is looked up to find the kept copy to upload instead.
CREATE INDEX case_attachments_file_id_idx ON case_attachments (file_id);
CREATE INDEX case_attachments_replaced_file_id_idx ON case_attachments (replaced_file_id) WHERE replaced_file_id IS NOT NULL;
-- The files neither kept nor given up yet, which the hourly sweep makes sure have a job
-- (those attached before this migration, and any whose job was lost).
CREATE INDEX case_attachments_unarchived_idx ON case_attachments (id) WHERE archived_at IS NULL AND archive_error IS NULL;

-- +goose Down
DROP INDEX case_attachments_unarchived_idx;
DROP INDEX case_attachments_replaced_file_id_idx;
DROP INDEX case_attachments_file_id_idx;
ALTER TABLE case_attachments
    DROP CONSTRAINT case_attachments_not_kept_why,
    DROP CONSTRAINT case_attachments_archived_whole,
    DROP COLUMN replaced_file_id,
    DROP COLUMN archive_failed_at,
    DROP COLUMN archive_detail,
    DROP COLUMN archive_error,
    DROP COLUMN archived_at,
    DROP COLUMN stored_type,
    DROP COLUMN stored_key,
    DROP COLUMN size_bytes,
    DROP COLUMN sha256;
