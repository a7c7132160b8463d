package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/supportbot/supportbot/bot"
)

// allowedUpdates are the update types the bot asks for (getUpdates and
// setWebhook): everything else is never sent to it.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}

// decodeUpdate reads one update. id is the update_id when it could be read
// (so even a malformed update can be confirmed), ok says whether the rest
// decoded too.
func decodeUpdate(raw []byte) (id int64, u *models.Update, err error) {
	var head struct {
		ID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return 0, nil, fmt.Errorf("not an update: %w", err)
	}
	if head.ID == nil {
		return 0, nil, errors.New("update without update_id")
	}
	u = &models.Update{}
	if err := json.Unmarshal(raw, u); err != nil {
		return *head.ID, nil, fmt.Errorf("update %d does not decode: %w", *head.ID, err)
	}
	return *head.ID, u, nil
}

// convert turns an update into a bot.Message. ok is false for updates the
// bot does not handle (edited messages, channel posts, service messages,
// messages without an author); why says which, for the debug log.
func (t *Telegram) convert(u *models.Update) (m bot.Message, ok bool, why string) {
	switch {
	case u.Message != nil:
		return t.convertMessage(u.ID, u.Message)
	case u.CallbackQuery != nil:
		return t.convertCallback(u.ID, u.CallbackQuery)
	case u.EditedMessage != nil:
		return m, false, "edited message"
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return m, false, "channel post"
	default:
		return m, false, "update type not handled"
	}
}

var commandPattern = regexp.MustCompile(`^/([A-Za-z0-9_]{1,64})(@([A-Za-z0-9_]{3,64}))?$`)

func (t *Telegram) convertMessage(updateID int64, msg *models.Message) (bot.Message, bool, string) {
	if msg.From == nil {
		return bot.Message{}, false, "message without an author (sent on behalf of a chat)"
	}
	if msg.Chat.Type == models.ChatTypeChannel {
		return bot.Message{}, false, "channel message"
	}
	m := bot.Message{
		Platform:  bot.Telegram,
		EventID:   strconv.FormatInt(updateID, 10),
		ChatID:    strconv.FormatInt(msg.Chat.ID, 10),
		MessageID: strconv.Itoa(msg.ID),
		Time:      time.Unix(int64(msg.Date), 0).UTC(),
		Group:     msg.Chat.Type == models.ChatTypeGroup || msg.Chat.Type == models.ChatTypeSupergroup,
	}
	if msg.IsTopicMessage && msg.MessageThreadID != 0 {
		m.ThreadID = strconv.Itoa(msg.MessageThreadID)
	}
	setAuthor(&m, msg.From)

	text, entities := msg.Text, msg.Entities
	if text == "" {
		text, entities = msg.Caption, msg.CaptionEntities
	}
	m.Attachments = attachments(msg)
	me := t.Username()
	addressed := false
	switch {
	case len(m.Attachments) > 0:
		m.Kind = bot.KindMedia
		m.Text = text
	case msg.Text != "":
		m.Kind = bot.KindText
		m.Text = msg.Text
		if fields := strings.Fields(msg.Text); len(fields) > 0 {
			if sm := commandPattern.FindStringSubmatch(fields[0]); sm != nil {
				target := sm[3]
				if target == "" || strings.EqualFold(target, me) {
					m.Kind = bot.KindCommand
					m.Text = strings.TrimSpace("/" + sm[1] + strings.TrimPrefix(strings.TrimLeft(msg.Text, " "), fields[0]))
					addressed = true
				}
			}
		}
	default:
		return bot.Message{}, false, "service or unsupported message"
	}
	if m.Group {
		m.Mentioned = addressed || t.mentions(text, entities, me) ||
			(msg.ReplyToMessage != nil && msg.ReplyToMessage.From != nil && msg.ReplyToMessage.From.ID == t.id() && !isTopicRoot(msg))
	}
	return m, true, ""
}

// isTopicRoot reports whether msg "replies" to the forum_topic_created
// service message: Telegram sets reply_to_message on every message in a
// topic to the topic's first message, which the bot wrote if it created the
// topic. That is not a reply to the bot.
func isTopicRoot(msg *models.Message) bool {
	r := msg.ReplyToMessage
	return msg.IsTopicMessage && r != nil && (r.ForumTopicCreated != nil || r.ID == msg.MessageThreadID)
}

// mentions reports whether entities mention the bot (@username, or a
// text_mention of the bot's user).
func (t *Telegram) mentions(text string, entities []models.MessageEntity, me string) bool {
	var u16 []uint16
	for _, e := range entities {
		switch e.Type {
		case models.MessageEntityTypeMention:
			if me == "" {
				continue
			}
			if u16 == nil {
				u16 = utf16.Encode([]rune(text))
			}
			if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > len(u16) {
				continue
			}
			if strings.EqualFold(string(utf16.Decode(u16[e.Offset:e.Offset+e.Length])), "@"+me) {
				return true
			}
		case models.MessageEntityTypeTextMention:
			if e.User != nil && e.User.ID == t.id() {
				return true
			}
		}
	}
	return false
}

func setAuthor(m *bot.Message, u *models.User) {
	m.UserID = strconv.FormatInt(u.ID, 10)
	m.UserName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	if m.UserName == "" {
		m.UserName = u.Username
	}
	if u.Username != "" {
		m.ProfileURL = "https://t.me/" + u.Username
	}
}

// attachments lists the media of msg. Only file_ids are kept: a file's
// download URL contains the bot token.
func attachments(msg *models.Message) []bot.Attachment {
	var as []bot.Attachment
	if n := len(msg.Photo); n > 0 {
		as = append(as, bot.Attachment{Type: "photo", FileID: msg.Photo[n-1].FileID}) // the largest size
	}
	if s := msg.Sticker; s != nil {
		as = append(as, bot.Attachment{Type: "sticker", FileID: s.FileID, Name: s.Emoji})
	}
	if v := msg.Voice; v != nil {
		as = append(as, bot.Attachment{Type: "voice", FileID: v.FileID})
	}
	if a := msg.Audio; a != nil {
		name := a.FileName
		if name == "" {
			name = strings.Trim(a.Performer+" – "+a.Title, " –")
		}
		as = append(as, bot.Attachment{Type: "audio", FileID: a.FileID, Name: name})
	}
	if v := msg.Video; v != nil {
		as = append(as, bot.Attachment{Type: "video", FileID: v.FileID, Name: v.FileName})
	}
	if v := msg.VideoNote; v != nil {
		as = append(as, bot.Attachment{Type: "video_note", FileID: v.FileID})
	}
	if a := msg.Animation; a != nil {
		as = append(as, bot.Attachment{Type: "animation", FileID: a.FileID, Name: a.FileName})
	} else if d := msg.Document; d != nil { // an animation comes with a copy as document
		as = append(as, bot.Attachment{Type: "document", FileID: d.FileID, Name: d.FileName})
	}
	if l := msg.Location; l != nil && msg.Venue == nil {
		as = append(as, bot.Attachment{Type: "location", Name: fmt.Sprintf("%.6f,%.6f", l.Latitude, l.Longitude)})
	}
	if v := msg.Venue; v != nil {
		as = append(as, bot.Attachment{Type: "venue", Name: strings.TrimSpace(v.Title + ", " + v.Address)})
	}
	if c := msg.Contact; c != nil {
		as = append(as, bot.Attachment{Type: "contact", Name: strings.TrimSpace(c.FirstName + " " + c.LastName + " " + c.PhoneNumber)})
	}
	if d := msg.Dice; d != nil {
		as = append(as, bot.Attachment{Type: "dice", Name: d.Emoji})
	}
	if p := msg.Poll; p != nil {
		as = append(as, bot.Attachment{Type: "poll", Name: p.Question})
	}
	return as
}

func (t *Telegram) convertCallback(updateID int64, q *models.CallbackQuery) (bot.Message, bool, string) {
	var msg *models.Message
	var chat models.Chat
	var msgID int
	switch q.Message.Type {
	case models.MaybeInaccessibleMessageTypeMessage:
		if q.Message.Message != nil {
			msg, chat, msgID = q.Message.Message, q.Message.Message.Chat, q.Message.Message.ID
		}
	case models.MaybeInaccessibleMessageTypeInaccessibleMessage:
		if q.Message.InaccessibleMessage != nil {
			chat, msgID = q.Message.InaccessibleMessage.Chat, q.Message.InaccessibleMessage.MessageID
		}
	}
	if chat.ID == 0 {
		return bot.Message{}, false, "button press on an inline message (no chat)"
	}
	m := bot.Message{
		Platform:   bot.Telegram,
		EventID:    strconv.FormatInt(updateID, 10),
		Kind:       bot.KindButton,
		ChatID:     strconv.FormatInt(chat.ID, 10),
		MessageID:  strconv.Itoa(msgID),
		Payload:    q.Data,
		CallbackID: q.ID,
		Time:       t.now().UTC(),
		Group:      chat.Type == models.ChatTypeGroup || chat.Type == models.ChatTypeSupergroup,
	}
	if msg != nil && msg.IsTopicMessage && msg.MessageThreadID != 0 {
		m.ThreadID = strconv.Itoa(msg.MessageThreadID)
	}
	m.Mentioned = m.Group // a button under the bot's own message is addressed to it
	setAuthor(&m, &q.From)
	return m, true, ""
}
