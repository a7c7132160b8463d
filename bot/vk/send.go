package vk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/SevereCloud/vksdk/v2/api"
	"github.com/SevereCloud/vksdk/v2/object"

	"github.com/supportbot/supportbot/bot"
)

// VK message limits.
const (
	maxText    = 4096 // characters per message
	maxLabel   = 40   // characters per button label
	maxPayload = 255  // bytes of a button payload
)

// keyboardsOffFor is how long Send stops offering keyboards after VK said
// the community has bot capabilities off (error 912).
const keyboardsOffFor = 10 * time.Minute

// kbLimits is the size of a keyboard VK accepts.
type kbLimits struct{ rows, width, total int }

var (
	inlineLimits  = kbLimits{rows: 6, width: 5, total: 10}
	regularLimits = kbLimits{rows: 10, width: 5, total: 40}
)

// Send delivers r with messages.send and returns the id of the last message
// sent (a long text goes out in several messages of at most 4096
// characters, split at paragraphs, lines or words; the keyboard and the
// attachments ride on the last one). Each part carries a random_id derived
// from r.Key and the part number, so a retried Send is not delivered twice.
//
// r.CallbackID acknowledges a callback button with
// messages.sendMessageEventAnswer; a failed acknowledgement is only logged
// when the reply also has something to send. Buttons become an inline
// keyboard of callback buttons (open_link for URL buttons); for a customer
// whose VK client cannot show those (client_info of their last message),
// text buttons in an inline or a one-time keyboard, or lines of text.
//
// Errors: *bot.RetryError for temporary failures (VK 1, 6, 9, 10, 29, HTTP
// 429/5xx, network), an error wrapping bot.ErrBlocked when the recipient
// cannot be written to (VK 7, 900, 901, 902, 917, 945), and a plain error
// otherwise (bad token, invalid reply).
func (v *VK) Send(ctx context.Context, r bot.Reply) (string, error) {
	peer, err := strconv.ParseInt(r.ChatID, 10, 64)
	if err != nil || peer == 0 {
		return "", errorf("chat id %q is not a VK peer_id", r.ChatID)
	}
	hasMessage := strings.TrimSpace(r.Text) != "" || len(r.Attachments) > 0 || len(r.Buttons) > 0
	if r.CallbackID != "" {
		if err := v.answerEvent(ctx, r.CallbackID); err != nil {
			if !hasMessage {
				return "", err
			}
			v.log.Warn("vk: button press not acknowledged", "peer_id", peer, "err", err)
		}
	}
	if !hasMessage {
		return "", nil
	}
	if r.Key == "" {
		v.warnOnce("nokey", "vk: a reply without Key: its random_id is random, so a retry may deliver it twice")
	}

	cp, ok := v.caps.get(peer)
	if !ok {
		cp = fullCaps
	}
	if until, ok := v.noKeyboards.Load().(time.Time); ok && time.Now().Before(until) {
		cp = caps{}
	}
	return v.sendParts(ctx, r, peer, cp)
}

// sendParts sends the parts of r for a client that can show cp.
func (v *VK) sendParts(ctx context.Context, r bot.Reply, peer int64, cp caps) (string, error) {
	kb, kbLines := v.keyboard(r.Buttons, cp)
	ids, attLines := outgoingAttachments(r.Attachments)
	text := joinText(r.Text, attLines, kbLines)
	if strings.TrimSpace(text) == "" && len(ids) == 0 {
		return "", errorf("reply %q has buttons but no text", r.Key)
	}
	parts := splitText(text, maxText)
	var lastID int64
	for i, part := range parts {
		p := api.Params{
			"peer_id":   peer,
			"random_id": randomID(r.Key, i),
			"message":   part,
		}
		last := i == len(parts)-1
		if last && kb != "" {
			p["keyboard"] = kb
		}
		if last && len(ids) > 0 {
			p["attachment"] = strings.Join(ids, ",")
		}
		id, err := v.sendOne(ctx, p)
		if err != nil && kb != "" && (errors.Is(err, api.ErrMessagesKeyboardInvalid) || errors.Is(err, api.ErrMessagesChatBotFeature)) {
			// VK refused the keyboard: bot capabilities are off (912) or
			// the keyboard is invalid (911). Deliver the choices as lines
			// of text rather than nothing. The text before the keyboard
			// splits the same way, so the parts already sent keep their
			// random_ids and are not sent twice.
			v.warnOnce("keyboard", "vk: VK refused the keyboard; sending buttons as text (turn on bot capabilities in Manage → Messages → Bot settings)", "err", err)
			if errors.Is(err, api.ErrMessagesChatBotFeature) {
				v.noKeyboards.Store(time.Now().Add(keyboardsOffFor))
			}
			return v.sendParts(ctx, r, peer, caps{})
		}
		if err != nil {
			return "", err
		}
		lastID = id
	}
	return strconv.FormatInt(lastID, 10), nil
}

// sendOne makes one messages.send call. The random_id is remembered first,
// so the message_reply VK echoes back (possibly before the call returns) is
// recognised as the bot's own.
func (v *VK) sendOne(ctx context.Context, p api.Params) (int64, error) {
	v.sent.add(p["random_id"].(int64))
	var id int64
	if err := v.call(ctx, "messages.send", p, &id); err != nil {
		return 0, err
	}
	return id, nil
}

// answerEvent acknowledges a callback button press.
func (v *VK) answerEvent(ctx context.Context, callbackID string) error {
	eventID, userID, peerID, err := decodeCallback(callbackID)
	if err != nil {
		return err
	}
	var ok int
	return v.call(ctx, "messages.sendMessageEventAnswer", api.Params{
		"event_id": eventID,
		"user_id":  userID,
		"peer_id":  peerID,
	}, &ok)
}

// randomID derives messages.send's random_id from a reply's key and part.
// VK drops a message whose random_id it has seen from the same sender, so
// ids must not collide: a numeric key (an outbox row id) maps one to one to
// key*16+part in the positive int32 range; any other key (or a seventeenth
// part) is hashed with FNV-1a into the negative range, so the two never
// collide with each other. An empty key gets a random id.
func randomID(key string, part int) int64 {
	if key == "" {
		return -int64(rand.Int32N(1<<31-1)) - 1
	}
	if n, err := strconv.ParseUint(key, 10, 64); err == nil && part < 16 {
		if id := int64((n*16 + uint64(part)) & 0x7fffffff); id != 0 {
			return id
		}
	}
	h := fnv.New32a()
	h.Write([]byte(key + "/part" + strconv.Itoa(part)))
	x := int64(h.Sum32() & 0x7fffffff)
	if x == 0 {
		x = 1
	}
	return -x
}

// keyboard builds the keyboard JSON for rows of buttons within VK's limits
// and what the client can show, and the lines of text for buttons that
// cannot be buttons (URL buttons without open_link, everything when the
// client has no keyboard).
func (v *VK) keyboard(rows [][]bot.Button, cp caps) (string, []string) {
	if len(rows) == 0 {
		return "", nil
	}
	if !cp.inline && !cp.keyboard {
		return "", buttonLines(rows, cp)
	}
	kb := object.MessagesKeyboard{Inline: object.BaseBoolInt(cp.inline), OneTime: object.BaseBoolInt(!cp.inline)}
	limits := regularLimits
	if cp.inline {
		limits = inlineLimits
	}
	payloadType := object.ButtonText
	if cp.inline && cp.callback {
		payloadType = object.ButtonCallback
	}
	var lines []string
	var built [][]object.MessagesKeyboardButton
	for _, row := range rows {
		var out []object.MessagesKeyboardButton
		for _, b := range row {
			switch {
			case b.URL != "" && cp.openLink:
				out = append(out, object.MessagesKeyboardButton{Action: object.MessagesKeyboardButtonAction{
					Type: object.ButtonOpenLink, Label: label(b.Text), Link: b.URL,
				}})
			case b.URL != "":
				lines = append(lines, b.Text+": "+b.URL)
			default:
				p, err := encodePayload(b.Payload)
				if err != nil {
					v.log.Error("vk: button dropped", "label", b.Text, "err", err)
					continue
				}
				out = append(out, object.MessagesKeyboardButton{Action: object.MessagesKeyboardButtonAction{
					Type: payloadType, Label: label(b.Text), Payload: p,
				}})
			}
		}
		built = append(built, reflow(out, limits.width)...)
	}
	built, dropped := fit(built, limits)
	if len(dropped) > 0 {
		v.log.Warn("vk: keyboard too large; buttons dropped", "labels", dropped)
	}
	if len(built) == 0 {
		return "", lines
	}
	kb.Buttons = built
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(kb)
	return strings.TrimSpace(buf.String()), lines
}

// buttonLines writes buttons as text for a client without keyboards.
func buttonLines(rows [][]bot.Button, cp caps) []string {
	var lines []string
	for _, row := range rows {
		for _, b := range row {
			if b.URL != "" {
				lines = append(lines, b.Text+": "+b.URL)
			} else {
				lines = append(lines, "• "+b.Text)
			}
		}
	}
	return lines
}

// encodePayload wraps a reply payload as {"p": "..."} and checks VK's limit.
func encodePayload(p string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]string{"p": p}); err != nil {
		return "", err
	}
	s := strings.TrimSpace(buf.String())
	if len(s) > maxPayload {
		return "", errorf("payload of %d bytes is over VK's %d", len(s), maxPayload)
	}
	return s, nil
}

// label shortens a button label to VK's 40 characters.
func label(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "•"
	}
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxLabel-1])) + "…"
}

// width is how many places a button takes in a row: links are wide.
func width(b object.MessagesKeyboardButton) int {
	if b.Action.Type == object.ButtonOpenLink {
		return 2
	}
	return 1
}

// reflow splits a row that is wider than VK allows.
func reflow(row []object.MessagesKeyboardButton, maxWidth int) [][]object.MessagesKeyboardButton {
	var out [][]object.MessagesKeyboardButton
	var cur []object.MessagesKeyboardButton
	w := 0
	for _, b := range row {
		if w+width(b) > maxWidth && len(cur) > 0 {
			out = append(out, cur)
			cur, w = nil, 0
		}
		cur = append(cur, b)
		w += width(b)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// fit keeps a keyboard within VK's row and button counts. The last row (by
// convention "talk to a person" or navigation) is always kept; earlier rows
// are kept in order while they fit. It returns the labels it dropped.
func fit(rows [][]object.MessagesKeyboardButton, l kbLimits) ([][]object.MessagesKeyboardButton, []string) {
	total := 0
	for _, r := range rows {
		total += len(r)
	}
	if len(rows) <= l.rows && total <= l.total {
		return rows, nil
	}
	last := rows[len(rows)-1]
	rowsLeft, buttonsLeft := l.rows-1, l.total-len(last)
	var kept [][]object.MessagesKeyboardButton
	var dropped []string
	for _, r := range rows[:len(rows)-1] {
		n := len(r)
		if rowsLeft == 0 || buttonsLeft == 0 {
			n = 0
		} else if n > buttonsLeft {
			n = buttonsLeft
		}
		if n > 0 {
			kept = append(kept, r[:n])
			rowsLeft--
			buttonsLeft -= n
		}
		for _, b := range r[n:] {
			dropped = append(dropped, b.Action.Label)
		}
	}
	return append(kept, last), dropped
}

// joinText appends lines (attachments, buttons as text) to a text.
func joinText(text string, groups ...[]string) string {
	out := strings.TrimRight(text, " \n")
	for _, lines := range groups {
		if len(lines) == 0 {
			continue
		}
		if out != "" {
			out += "\n\n"
		}
		out += strings.Join(lines, "\n")
	}
	return out
}

// splitText cuts text into parts of at most limit characters, preferring a
// paragraph break, then a line break, then a space in the second half of
// the window, and cutting hard only in a single long word.
func splitText(s string, limit int) []string {
	var parts []string
	for utf8.RuneCountInString(s) > limit {
		cut, n := len(s), 0
		for i := range s {
			if n == limit {
				cut = i
				break
			}
			n++
		}
		window := s[:cut]
		at, skip := -1, 0
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(window, sep); i > len(window)/2 {
				at, skip = i, len(sep)
				break
			}
		}
		if at < 0 {
			at, skip = cut, 0
		}
		parts = append(parts, strings.TrimRight(s[:at], " \n"))
		s = strings.TrimLeft(s[at+skip:], " \n")
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}
