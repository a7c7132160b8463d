-- When the customer was last found to have blocked the bot: a message they
-- wrote before that moment (processed after it) does not show they can be
-- reached again; one received after it does.
ALTER TABLE conversations ADD COLUMN blocked_at DATETIME;
UPDATE conversations SET blocked_at = updated_at WHERE blocked = 1;
