-- +goose Up
-- An import may bind a person to a WeCom userid (people's WeCom userid column), so that an
-- office binds a whole county at once. Such a person is told once, at their first contact
-- with the app, that they have been added and as what: wecom_added marks the news as not yet
-- told, and is cleared by the first contact that tells it.
ALTER TABLE people ADD COLUMN wecom_added boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE people DROP COLUMN wecom_added;
