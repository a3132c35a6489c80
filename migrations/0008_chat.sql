-- Chat: a chat's live events are for the user who owns the chat, not the
-- whole school; sessions are listed per user; an assistant message's action
-- carries one of the known statuses.

ALTER TABLE events ADD COLUMN user_id uuid;
ALTER TABLE events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

CREATE INDEX chat_sessions_user_idx ON chat_sessions (school_id, user_id, created_at);

ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_action_check CHECK (
    action IS NULL
    OR (jsonb_typeof(action) = 'object'
        AND action->>'status' IN ('proposed', 'confirmed', 'cancelled', 'done', 'failed')));
