-- Retention: sent or given-up outbox rows and processed inbox rows are
-- deleted after a while (DB.Prune), oldest first, through these indexes.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX inbox_processed ON inbox (processed_at) WHERE processed_at IS NOT NULL;
-- Deleting an inbox row looks up the rows that refer to it (foreign keys).
CREATE INDEX messages_inbox ON messages (inbox_id) WHERE inbox_id IS NOT NULL;
CREATE INDEX outbox_inbox ON outbox (inbox_id) WHERE inbox_id IS NOT NULL;
