package vk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supportbot/supportbot/bot"
)

// The wire types below are the few fields the adapter reads, decoded
// leniently on purpose: vksdk's full objects fail to decode a whole event
// when one field of one attachment has an unexpected type, and a message
// must not be lost for a thumbnail's width.

// update is one Bots Long Poll update or Callback API request.
type update struct {
	Type    string          `json:"type"`
	Object  json.RawMessage `json:"object"`
	GroupID int64           `json:"group_id"`
	EventID string          `json:"event_id"`
	V       string          `json:"v"`
	Secret  string          `json:"secret"`
}

// wireMessage is a VK message object (message_new's "message",
// message_reply's object).
type wireMessage struct {
	ID                    int64             `json:"id"`
	Date                  int64             `json:"date"`
	PeerID                int64             `json:"peer_id"`
	FromID                int64             `json:"from_id"`
	Text                  string            `json:"text"`
	RandomID              int64             `json:"random_id"`
	ConversationMessageID int64             `json:"conversation_message_id"`
	AdminAuthorID         int64             `json:"admin_author_id"`
	Payload               json.RawMessage   `json:"payload"`
	Attachments           []json.RawMessage `json:"attachments"`
	ReplyMessage          *struct {
		FromID int64 `json:"from_id"`
	} `json:"reply_message"`
	Geo         json.RawMessage   `json:"geo"`
	FwdMessages []json.RawMessage `json:"fwd_messages"`
	Action      json.RawMessage   `json:"action"`
}

// clientInfo tells what the customer's VK client can show.
type clientInfo struct {
	ButtonActions  []string `json:"button_actions"`
	Keyboard       flexBool `json:"keyboard"`
	InlineKeyboard flexBool `json:"inline_keyboard"`
}

// messageNew is the object of message_new (API 5.103 and later).
type messageNew struct {
	Message    *wireMessage `json:"message"`
	ClientInfo *clientInfo  `json:"client_info"`
}

// messageEvent is the object of message_event (a callback button press).
type messageEvent struct {
	UserID                int64           `json:"user_id"`
	PeerID                int64           `json:"peer_id"`
	EventID               string          `json:"event_id"`
	Payload               json.RawMessage `json:"payload"`
	ConversationMessageID int64           `json:"conversation_message_id"`
}

// flexBool reads true/false, 1/0 and "1"/"0".
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch strings.Trim(string(data), `"`) {
	case "true", "1":
		*b = true
	case "false", "0", "", "null":
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", data)
	}
	return nil
}

// errMalformed marks an event that cannot be read; it is logged and skipped.
var errMalformed = errors.New("malformed event")

// convert turns an update into a bot.Message, with the event object's JSON
// as its Raw payload. ok is false for events the bot ignores (other event
// types, the bot's own sends, messages from other communities); err wraps
// errMalformed for events that cannot be read.
func (v *VK) convert(u update) (m bot.Message, ok bool, err error) {
	switch u.Type {
	case "message_new":
		m, ok, err = v.convertNew(u)
	case "message_event":
		m, ok, err = v.convertEvent(u)
	case "message_reply":
		m, ok, err = v.convertReply(u)
	}
	if ok && err == nil {
		m.Raw = u.Object
	}
	return m, ok, err
}

func malformed(u update, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s: %s", errMalformed, u.Type, u.EventID, fmt.Sprintf(format, args...))
}

func (v *VK) convertNew(u update) (bot.Message, bool, error) {
	var obj messageNew
	if err := json.Unmarshal(u.Object, &obj); err != nil {
		return bot.Message{}, false, malformed(u, "%v", err)
	}
	if obj.Message == nil {
		// API versions before 5.103 send the message itself as the object.
		var msg wireMessage
		if err := json.Unmarshal(u.Object, &msg); err != nil {
			return bot.Message{}, false, malformed(u, "%v", err)
		}
		obj.Message = &msg
	}
	w := obj.Message
	if w.PeerID == 0 || w.FromID == 0 {
		return bot.Message{}, false, malformed(u, "no peer_id or from_id")
	}
	if w.FromID < 0 {
		return bot.Message{}, false, nil // another community or bot in a chat
	}
	if len(w.Action) > 0 && string(w.Action) != "null" {
		return bot.Message{}, false, nil // a chat service message (invite, pin, title)
	}
	if obj.ClientInfo != nil {
		v.caps.put(w.PeerID, capsFrom(*obj.ClientInfo))
	}
	m := v.base(u, w)
	m.UserID = strconv.FormatInt(w.FromID, 10)
	m.ProfileURL = profileURL(w.FromID)
	m.Text = w.Text
	if m.Group {
		m.Text, m.Mentioned = v.stripMention(w.Text)
		if w.ReplyMessage != nil && w.ReplyMessage.FromID == -v.groupID {
			m.Mentioned = true
		}
	}
	m.Kind = bot.KindText
	m.Attachments = convertAttachments(w)
	if media(m.Attachments) {
		m.Kind = bot.KindMedia
	}
	if p := payloadString(w.Payload); p != "" {
		kind, text, payload := readPayload(p)
		switch kind {
		case bot.KindCommand:
			m.Kind, m.Text = kind, text
		case bot.KindButton:
			m.Kind, m.Payload = kind, payload
		}
		if m.Group {
			m.Mentioned = true // a button of the bot's keyboard
		}
	}
	return m, true, nil
}

func (v *VK) convertEvent(u update) (bot.Message, bool, error) {
	var e messageEvent
	if err := json.Unmarshal(u.Object, &e); err != nil {
		return bot.Message{}, false, malformed(u, "%v", err)
	}
	if e.UserID == 0 || e.PeerID == 0 || e.EventID == "" {
		return bot.Message{}, false, malformed(u, "no user_id, peer_id or event_id")
	}
	eventID := u.EventID
	if eventID == "" {
		eventID = "message_event:" + e.EventID
	}
	_, _, payload := readPayload(payloadString(e.Payload))
	m := bot.Message{
		Platform:   bot.VK,
		EventID:    eventID,
		Kind:       bot.KindButton,
		ChatID:     strconv.FormatInt(e.PeerID, 10),
		UserID:     strconv.FormatInt(e.UserID, 10),
		ProfileURL: profileURL(e.UserID),
		Payload:    payload,
		CallbackID: encodeCallback(e.EventID, e.UserID, e.PeerID),
		Group:      e.PeerID >= chatPeerOffset,
		Mentioned:  e.PeerID >= chatPeerOffset,
		Time:       time.Now().UTC(),
	}
	if e.ConversationMessageID != 0 {
		m.MessageID = strconv.FormatInt(e.ConversationMessageID, 10)
	}
	return m, true, nil
}

// convertReply turns an outgoing community message into KindAdminReply when
// a person wrote it. VK reports every outgoing message as message_reply,
// including the bot's own messages.send calls: those carry no
// admin_author_id (only messages written by an admin in VK's interface do),
// and as a second guard a message whose random_id this process generated is
// skipped too.
func (v *VK) convertReply(u update) (bot.Message, bool, error) {
	var w wireMessage
	if err := json.Unmarshal(u.Object, &w); err != nil {
		return bot.Message{}, false, malformed(u, "%v", err)
	}
	if w.PeerID == 0 {
		return bot.Message{}, false, malformed(u, "no peer_id")
	}
	if w.AdminAuthorID <= 0 {
		return bot.Message{}, false, nil
	}
	if w.RandomID != 0 && v.sent.has(w.RandomID) {
		return bot.Message{}, false, nil
	}
	m := v.base(u, &w)
	m.Kind = bot.KindAdminReply
	m.UserID = strconv.FormatInt(w.AdminAuthorID, 10)
	m.ProfileURL = profileURL(w.AdminAuthorID)
	m.Text = w.Text
	m.Attachments = convertAttachments(&w)
	return m, true, nil
}

// base fills what every message event shares.
func (v *VK) base(u update, w *wireMessage) bot.Message {
	m := bot.Message{
		Platform: bot.VK,
		EventID:  u.EventID,
		ChatID:   strconv.FormatInt(w.PeerID, 10),
		Group:    w.PeerID >= chatPeerOffset,
		Time:     time.Now().UTC(),
	}
	if w.Date > 0 {
		m.Time = time.Unix(w.Date, 0).UTC()
	}
	switch {
	case w.ID != 0:
		m.MessageID = strconv.FormatInt(w.ID, 10)
	case w.ConversationMessageID != 0:
		m.MessageID = strconv.FormatInt(w.ConversationMessageID, 10)
	}
	if m.EventID == "" {
		// Communities whose Long Poll is set to an API version before 5.103
		// get no event_id; the conversation message id is stable too.
		m.EventID = fmt.Sprintf("%s:%d:%d", u.Type, w.PeerID, w.ConversationMessageID)
	}
	return m
}

func profileURL(id int64) string {
	if id <= 0 {
		return ""
	}
	return "https://vk.com/id" + strconv.FormatInt(id, 10)
}

// stripMention removes the community's mention ("[club123|@brand], ...")
// from a chat message and reports whether there was one.
func (v *VK) stripMention(text string) (string, bool) {
	re := v.mention
	if !re.MatchString(text) {
		re = v.mentionPlain
		if !re.MatchString(text) {
			return text, false
		}
	}
	out := re.ReplaceAllString(text, "")
	out = strings.TrimLeft(out, " ,:;!\u00a0")
	return strings.TrimSpace(out), true
}

// payloadString returns a payload as text: message_new carries a JSON
// string holding JSON, message_event the JSON object itself.
func payloadString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s
		}
	}
	return string(raw)
}

// readPayload reads a button payload: {"p": "..."} is ours, {"command":
// "start"} is VK's "Начать" button, {"command": "not_supported_button",
// "payload": ...} is a callback button pressed in a client that cannot send
// message_event. Any other payload is passed on as it is.
func readPayload(p string) (kind bot.Kind, text, payload string) {
	if p == "" {
		return "", "", ""
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(p), &obj); err != nil {
		return bot.KindButton, "", p
	}
	if raw, ok := obj["p"]; ok && len(obj) == 1 {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return bot.KindButton, "", s
		}
	}
	if raw, ok := obj["command"]; ok {
		var cmd string
		_ = json.Unmarshal(raw, &cmd)
		switch cmd {
		case "start":
			return bot.KindCommand, "/start", ""
		case "not_supported_button":
			if inner := payloadString(obj["payload"]); inner != "" {
				_, _, pl := readPayload(inner)
				return bot.KindButton, "", pl
			}
		}
	}
	return bot.KindButton, "", p
}

// encodeCallback packs what messages.sendMessageEventAnswer needs into
// bot.Message.CallbackID: "event_id:user_id:peer_id".
func encodeCallback(eventID string, userID, peerID int64) string {
	return fmt.Sprintf("%s:%d:%d", eventID, userID, peerID)
}

// decodeCallback reverses encodeCallback.
func decodeCallback(s string) (eventID string, userID, peerID int64, err error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, 0, fmt.Errorf("vk: callback id %q is not event:user:peer", s)
	}
	j := strings.LastIndexByte(s[:i], ':')
	if j <= 0 {
		return "", 0, 0, fmt.Errorf("vk: callback id %q is not event:user:peer", s)
	}
	userID, err1 := strconv.ParseInt(s[j+1:i], 10, 64)
	peerID, err2 := strconv.ParseInt(s[i+1:], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, 0, fmt.Errorf("vk: callback id %q is not event:user:peer", s)
	}
	return s[:j], userID, peerID, nil
}
