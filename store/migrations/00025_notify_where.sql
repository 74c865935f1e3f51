-- +goose Up
-- A person bound on both platforms may choose where their notifications go (/where): always
-- Telegram, always WeCom, or, when notify_on is NULL (the default), the platform they used
-- last (people.chat_id, moved by each use).
ALTER TABLE people ADD COLUMN notify_on text CHECK (notify_on IN ('telegram', 'wecom'));

-- +goose Down
ALTER TABLE people DROP COLUMN notify_on;
