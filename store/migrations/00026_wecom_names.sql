-- +goose Up
-- The name WeCom gives a member (user/get), asked once, the first time they are seen: NULL
-- until asked, '' when WeCom gave none (an app created after mid-2022 is given no names). A
-- person known only by their userid (a reporter who joined in WeCom before it was asked)
-- takes it, so that offices see who they are.
ALTER TABLE wecom_accounts ADD COLUMN name text CHECK (length(name) <= 64);

-- +goose Down
ALTER TABLE wecom_accounts DROP COLUMN name;
