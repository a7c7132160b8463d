-- The platform's own payload of an inbox event, kept for debugging and
-- replays (bot.Message JSON stays in payload).
ALTER TABLE inbox ADD COLUMN raw TEXT NOT NULL DEFAULT '';

-- The sender delivers each chat's replies in order: it looks up the pending
-- rows of a chat.
CREATE INDEX outbox_chat_pending ON outbox (platform, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Find a conversation's handoffs newest first, and the assigned ones whose
-- VK admin went quiet.
CREATE INDEX handoffs_admin ON handoffs (last_admin_at) WHERE state = 'assigned' AND last_admin_at IS NOT NULL;
