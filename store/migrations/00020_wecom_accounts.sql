-- +goose Up
-- WeCom (企业微信) accounts. A WeCom user is known by a userid string, unique in the
-- corporation; the dialogs and the job queue know people's accounts and chats by number. Each
-- userid gets a number of its own here, the first time it writes, in a range no Telegram id
-- reaches (Telegram's user ids are positive, its group ids above -10^16): from -2^62 down.
-- So a chat id says which platform it is on, a person bound on both has one of each, and
-- people.chat_id (where notifications go) may name either.
CREATE SEQUENCE wecom_account_seq;
CREATE TABLE wecom_accounts (
    account_id bigint PRIMARY KEY DEFAULT (-4611686018427387904 - nextval('wecom_account_seq')),
    userid     text NOT NULL UNIQUE CHECK (userid <> '' AND length(userid) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (account_id <= -4611686018427387904)
);
ALTER TABLE people ADD COLUMN wecom_account_id bigint UNIQUE REFERENCES wecom_accounts (account_id);

-- +goose Down
ALTER TABLE people DROP COLUMN wecom_account_id;
DROP TABLE wecom_accounts;
DROP SEQUENCE wecom_account_seq;
