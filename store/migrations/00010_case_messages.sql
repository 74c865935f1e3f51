-- +goose Up
-- The messages in people's chats that carry a case's action buttons, as they were sent, so
-- that when the case moves on each can be edited: the buttons that no longer apply taken
-- off, and a line saying what happened. A row goes when its message has no buttons left to
-- retire, or is too old for Telegram to edit.
CREATE TABLE case_messages (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    chat_id     bigint NOT NULL,
    message_id  bigint NOT NULL,
    person_id   bigint REFERENCES people (id) ON DELETE CASCADE,
    lang        text NOT NULL DEFAULT '',
    text        text NOT NULL,
    buttons     jsonb NOT NULL,
    sent_at     timestamptz NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX case_messages_case_idx ON case_messages (case_id, id);

-- +goose Down
DROP TABLE case_messages;
