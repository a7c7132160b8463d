-- Conversations: one per customer chat on one platform. The state machine
-- bot -> waiting -> assigned -> closed -> bot lives here; the current handoff
-- episode (if any) is handoff_id.
CREATE TABLE conversations (
	id          INTEGER PRIMARY KEY,
	platform    TEXT NOT NULL,
	chat_id     TEXT NOT NULL,
	user_id     TEXT NOT NULL DEFAULT '',
	user_name   TEXT NOT NULL DEFAULT '',
	profile_url TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL DEFAULT 'bot' CHECK (state IN ('bot', 'waiting', 'assigned', 'closed')),
	handoff_id  INTEGER REFERENCES handoffs (id),
	failures    INTEGER NOT NULL DEFAULT 0,  -- consecutive fallbacks / "none of these"
	lang        TEXT NOT NULL DEFAULT 'ru',
	banned      INTEGER NOT NULL DEFAULT 0,
	blocked     INTEGER NOT NULL DEFAULT 0,  -- the customer blocked the bot (403 / VK 901)
	created_at  DATETIME NOT NULL,
	updated_at  DATETIME NOT NULL,
	UNIQUE (platform, chat_id)
);

-- Handoffs: one episode of a conversation with a person, from the moment it
-- is queued until it is closed. The queue is the rows with state 'waiting'.
CREATE TABLE handoffs (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id),
	reason          TEXT NOT NULL,            -- request, angry, failures, entry, media, none_of_these, admin
	priority        INTEGER NOT NULL DEFAULT 0, -- higher first
	state           TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'assigned', 'closed')),
	owner_id        TEXT NOT NULL DEFAULT '',  -- operator: "telegram:123" or "vk:456"
	owner_name      TEXT NOT NULL DEFAULT '',
	topic_id        TEXT NOT NULL DEFAULT '',  -- the desk's forum topic (message_thread_id)
	created_at      DATETIME NOT NULL,
	assigned_at     DATETIME,
	first_reply_at  DATETIME,                 -- first operator message to the customer
	closed_at       DATETIME,
	last_notice_at  DATETIME,                 -- last "still waiting" sent to the customer
	reminded_at     DATETIME,                 -- last reminder in the desk
	last_admin_at   DATETIME,                 -- last VK admin message (quiet-period return)
	rating          INTEGER                   -- 1..5
);
CREATE INDEX handoffs_queue ON handoffs (state, priority DESC, created_at);
CREATE INDEX handoffs_conversation ON handoffs (conversation_id);
CREATE INDEX handoffs_topic ON handoffs (topic_id) WHERE topic_id <> '';

-- Messages: the transcript. Every customer message is stored before it is
-- answered; bot and operator messages are stored with the decision.
CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id),
	inbox_id        INTEGER REFERENCES inbox (id),
	author          TEXT NOT NULL CHECK (author IN ('customer', 'bot', 'operator', 'note', 'admin')),
	author_id       TEXT NOT NULL DEFAULT '',
	kind            TEXT NOT NULL DEFAULT 'text', -- bot.Kind
	text            TEXT NOT NULL DEFAULT '',
	attachments     TEXT NOT NULL DEFAULT '',     -- JSON []bot.Attachment
	action          TEXT NOT NULL DEFAULT '',     -- on customer messages: answer, clarify, handoff, fallback, smalltalk, relay
	entry_id        TEXT NOT NULL DEFAULT '',
	score           REAL NOT NULL DEFAULT 0,
	created_at      DATETIME NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_created ON messages (created_at);

-- Inbox: every platform event, stored before the platform is told it was
-- received; deduplicated by (platform, event_id).
CREATE TABLE inbox (
	id           INTEGER PRIMARY KEY,
	platform     TEXT NOT NULL,
	event_id     TEXT NOT NULL,
	payload      TEXT NOT NULL,               -- JSON bot.Message
	received_at  DATETIME NOT NULL,
	processed_at DATETIME,
	attempts     INTEGER NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	UNIQUE (platform, event_id)
);
CREATE INDEX inbox_pending ON inbox (id) WHERE processed_at IS NULL;

-- Outbox: every reply, written in the same transaction as the decision and
-- delivered by the sender with retries.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER REFERENCES conversations (id),
	inbox_id        INTEGER REFERENCES inbox (id),
	platform        TEXT NOT NULL,
	chat_id         TEXT NOT NULL,
	payload         TEXT NOT NULL,            -- JSON bot.Reply (Key is filled from id)
	created_at      DATETIME NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME NOT NULL,
	sent_at         DATETIME,
	failed_at       DATETIME,                 -- given up (blocked, or a permanent error)
	error           TEXT NOT NULL DEFAULT '',
	sent_id         TEXT NOT NULL DEFAULT ''  -- platform message id
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
