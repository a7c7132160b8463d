-- Cursors: where a platform's event stream was last confirmed (the VK Bots
-- Long Poll ts), so a restart resumes there and VK redelivers what arrived
-- while the bot was down instead of skipping it.
CREATE TABLE cursors (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at DATETIME NOT NULL
);
