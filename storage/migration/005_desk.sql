-- The operators' desk closes a handoff's forum topic after the handoff is
-- closed (the Telegram call runs outside the transaction that closes it);
-- topic_closed_at records that it did, or that a later handoff of the same
-- customer took the topic over.
ALTER TABLE handoffs ADD COLUMN topic_closed_at DATETIME;
UPDATE handoffs SET topic_closed_at = COALESCE(closed_at, created_at) WHERE state = 'closed' AND topic_id <> '';
CREATE INDEX handoffs_topic_to_close ON handoffs (id) WHERE state = 'closed' AND topic_id <> '' AND topic_closed_at IS NULL;
CREATE INDEX handoffs_conversation_topic ON handoffs (conversation_id, id) WHERE topic_id <> '';
