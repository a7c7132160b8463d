package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// tgToken is the bot token the fake accepts. It is a valid token shape,
// and unique enough to be searched for in the bot's output.
const tgToken = "7301928374:AAE2e-TesT_t0k3n-NeverPrintMe-x9Q"

const (
	tgBotID    = 7301928374
	tgUsername = "ListokE2EBot"
)

// tgCall is one Bot API request the fake received.
type tgCall struct {
	Method string
	Params map[string]string
	At     time.Time
	Status int // HTTP status the fake answered
}

// tgSent is one message the fake accepted (sendMessage).
type tgSent struct {
	ChatID    string
	Text      string // as the bot sent it (HTML)
	Plain     string // what the customer sees: entities decoded, tags dropped
	Markup    *tgMarkup
	MessageID int
	At        time.Time
}

type tgMarkup struct {
	InlineKeyboard [][]struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data"`
		URL          string `json:"url"`
	} `json:"inline_keyboard"`
}

// tgFailure is an error the fake answers instead of doing the method.
type tgFailure struct {
	Code       int    // error_code and HTTP status
	Desc       string // description
	RetryAfter int    // parameters.retry_after, for 429
	HTML       bool   // answer an HTML error page (a proxy in front of a down API)
}

// tgUpdate is one update the fake holds for getUpdates.
type tgUpdate struct {
	ID       int64
	Raw      json.RawMessage
	PushedAt time.Time
}

// tgFake plays the Telegram Bot API at /bot<token>/<method>: multipart,
// urlencoded and JSON bodies; getUpdates long polling with offset
// semantics; sendMessage with Telegram's HTML parse rules, length and
// keyboard limits; injectable errors. Answers are the Bot API's envelope.
type tgFake struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change
	calls     []tgCall
	sent      []tgSent
	updates   []tgUpdate // not confirmed yet
	confirmed int64      // highest offset received: updates below it are gone
	nextID    int64      // next update_id
	nextMsgID int
	fail      map[string][]tgFailure // per method, answered in order
	failAll   *tgFailure             // every method (the API is down)
	blocked   map[string]bool        // chat ids that blocked the bot
	revoked   bool                   // the token is revoked: 401 everywhere
	webhook   struct{ URL, Secret string }
	// onConfirm runs (outside the lock) with every update id that a
	// getUpdates offset confirms for the first time.
	onConfirm func(ids []int64)
	// onSend runs (under the lock) for every accepted sendMessage.
	onSend func(s tgSent)
	// lean: keep neither calls nor sent messages (the benchmark).
	lean bool
}

func newTGFake(t testing.TB) *tgFake {
	f := &tgFake{
		t:         t,
		changed:   make(chan struct{}),
		nextID:    100000,
		nextMsgID: 500,
		fail:      map[string][]tgFailure{},
		blocked:   map[string]bool{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is TELEGRAM_API_URL.
func (f *tgFake) URL() string { return f.srv.URL }

// changedLocked wakes everyone waiting for a change; the caller holds mu.
func (f *tgFake) changedLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// push makes updates available; each is built by mk from its update_id.
// It returns the ids.
func (f *tgFake) push(mk ...func(id int64) []byte) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int64
	now := time.Now()
	for _, m := range mk {
		id := f.nextID
		f.nextID++
		f.updates = append(f.updates, tgUpdate{ID: id, Raw: m(id), PushedAt: now})
		ids = append(ids, id)
	}
	f.changedLocked()
	return ids
}

// failNext makes the next requests to method answer the failures in order.
func (f *tgFake) failNext(method string, fs ...tgFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = append(f.fail[method], fs...)
}

// setDown makes every method answer fail (nil: the API is back).
func (f *tgFake) setDown(fail *tgFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAll = fail
}

func (f *tgFake) block(chatID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked[chatID] = true
}

func (f *tgFake) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = true
}

// callsTo returns the calls to method.
func (f *tgFake) callsTo(method string) []tgCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tgCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// sentTo returns the messages accepted for chatID ("" for all).
func (f *tgFake) sentTo(chatID string) []tgSent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tgSent
	for _, s := range f.sent {
		if chatID == "" || s.ChatID == chatID {
			out = append(out, s)
		}
	}
	return out
}

// errors400 returns the requests the fake refused with 400 (the bot sent
// something Telegram would not take).
func (f *tgFake) errors400() []tgCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tgCall
	for _, c := range f.calls {
		if c.Status == http.StatusBadRequest {
			out = append(out, c)
		}
	}
	return out
}

// waitSent waits until chatID has at least n messages and returns them.
func (f *tgFake) waitSent(chatID string, n int) []tgSent {
	f.t.Helper()
	var got []tgSent
	if !eventually(e2eDeadline, func() bool { got = f.sentTo(chatID); return len(got) >= n }) {
		f.t.Fatalf("chat %s got %d messages, want %d: %v\n400s: %v", chatID, len(got), n, plains(got), f.errors400())
	}
	return got
}

func plains(ss []tgSent) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Plain)
	}
	return out
}

func (f *tgFake) confirmedOffset() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.confirmed
}

// ---------------------------------------------------------------------------

func (f *tgFake) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	tokenPart, method, ok := strings.Cut(path, "/")
	if !ok || !strings.HasPrefix(tokenPart, "bot") {
		f.answer(w, nil, http.StatusNotFound, tgError(404, "Not Found"))
		return
	}
	params, err := tgParams(r)
	call := &tgCall{Method: method, Params: params, At: time.Now()}
	defer func() {
		f.mu.Lock()
		if !f.lean {
			f.calls = append(f.calls, *call)
			f.changedLocked()
		}
		f.mu.Unlock()
	}()
	if err != nil {
		f.answer(w, call, http.StatusBadRequest, tgError(400, "Bad Request: "+err.Error()))
		return
	}

	f.mu.Lock()
	if fa := f.failAll; fa != nil {
		f.mu.Unlock()
		f.answerFailure(w, call, *fa)
		return
	}
	revoked := f.revoked
	f.mu.Unlock()
	if strings.TrimPrefix(tokenPart, "bot") != tgToken || revoked {
		f.answer(w, call, http.StatusUnauthorized, tgError(401, "Unauthorized"))
		return
	}
	f.mu.Lock()
	if q := f.fail[method]; len(q) > 0 {
		fa := q[0]
		f.fail[method] = q[1:]
		f.mu.Unlock()
		f.answerFailure(w, call, fa)
		return
	}
	f.mu.Unlock()

	switch method {
	case "getMe":
		f.answer(w, call, 200, tgOK(map[string]any{
			"id": tgBotID, "is_bot": true, "first_name": "Листок", "username": tgUsername,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
		}))
	case "deleteWebhook":
		f.mu.Lock()
		f.webhook.URL, f.webhook.Secret = "", ""
		f.mu.Unlock()
		f.answer(w, call, 200, tgOK(true))
	case "setWebhook":
		if params["url"] == "" {
			f.answer(w, call, 400, tgError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"))
			return
		}
		f.mu.Lock()
		f.webhook.URL, f.webhook.Secret = params["url"], params["secret_token"]
		f.mu.Unlock()
		f.answer(w, call, 200, tgOK(true))
	case "getUpdates":
		f.getUpdates(w, r, call)
	case "sendMessage":
		f.sendMessage(w, call)
	case "answerCallbackQuery":
		if params["callback_query_id"] == "" {
			f.answer(w, call, 400, tgError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid"))
			return
		}
		f.answer(w, call, 200, tgOK(true))
	default:
		f.answer(w, call, 404, tgError(404, "Not Found"))
	}
}

func tgOK(result any) map[string]any { return map[string]any{"ok": true, "result": result} }

func tgError(code int, desc string) map[string]any {
	return map[string]any{"ok": false, "error_code": code, "description": desc}
}

func (f *tgFake) answerFailure(w http.ResponseWriter, call *tgCall, fa tgFailure) {
	if fa.HTML {
		call.Status = fa.Code
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(fa.Code)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>nginx</center></body></html>",
			fa.Code, http.StatusText(fa.Code), fa.Code, http.StatusText(fa.Code))
		return
	}
	body := tgError(fa.Code, fa.Desc)
	if fa.RetryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": fa.RetryAfter}
	}
	f.answer(w, call, fa.Code, body)
}

func (f *tgFake) answer(w http.ResponseWriter, call *tgCall, status int, body any) {
	if call != nil {
		call.Status = status
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// tgParams reads a Bot API request's parameters the way Telegram does:
// query string, then multipart/form-data, urlencoded or JSON body.
func tgParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if r.Body == nil {
		return out, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return out, nil // a method without parameters
		}
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("multipart: %v", err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return nil, err
			}
			out[p.FormName()] = string(b)
		}
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		for k, vs := range v {
			out[k] = vs[0]
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil && err != io.EOF {
			return nil, fmt.Errorf("json: %v", err)
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(raw)
			}
		}
	}
	return out, nil
}

// getUpdates answers the unconfirmed updates from offset on, holding the
// request up to timeout seconds while there are none.
func (f *tgFake) getUpdates(w http.ResponseWriter, r *http.Request, call *tgCall) {
	p := call.Params
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	f.mu.Lock()
	if f.webhook.URL != "" {
		f.mu.Unlock()
		f.answer(w, call, 409, tgError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"))
		return
	}
	var newly []int64
	if offset > f.confirmed {
		keep := f.updates[:0]
		for _, u := range f.updates {
			if u.ID < offset {
				newly = append(newly, u.ID)
			} else {
				keep = append(keep, u)
			}
		}
		f.updates = keep
		f.confirmed = offset
	}
	onConfirm := f.onConfirm
	f.mu.Unlock()
	if len(newly) > 0 && onConfirm != nil {
		onConfirm(newly)
	}

	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		var out []json.RawMessage
		for _, u := range f.updates {
			if u.ID >= offset && len(out) < limit {
				out = append(out, u.Raw)
			}
		}
		ch := f.changed
		f.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			f.answer(w, call, 200, tgOK(out))
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			f.answer(w, call, 200, tgOK([]json.RawMessage{}))
			return
		case <-r.Context().Done():
			call.Status = -1 // the bot went away
			return
		}
	}
}

func (f *tgFake) sendMessage(w http.ResponseWriter, call *tgCall) {
	p := call.Params
	chat := p["chat_id"]
	if chat == "" {
		f.answer(w, call, 400, tgError(400, "Bad Request: chat_id is empty"))
		return
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		f.answer(w, call, 400, tgError(400, "Bad Request: message text is empty"))
		return
	}
	plain := text
	switch strings.ToLower(p["parse_mode"]) {
	case "html":
		var err error
		if plain, err = parseTelegramHTML(text); err != nil {
			f.answer(w, call, 400, tgError(400, "Bad Request: can't parse entities: "+err.Error()))
			return
		}
	case "", "none":
	default:
		f.answer(w, call, 400, tgError(400, "Bad Request: unsupported parse_mode"))
		return
	}
	if n := len(utf16.Encode([]rune(plain))); n > 4096 {
		f.answer(w, call, 400, tgError(400, "Bad Request: message is too long"))
		return
	}
	var markup *tgMarkup
	if rm := p["reply_markup"]; rm != "" {
		markup = &tgMarkup{}
		if err := json.Unmarshal([]byte(rm), markup); err != nil {
			f.answer(w, call, 400, tgError(400, "Bad Request: can't parse reply keyboard markup JSON object"))
			return
		}
		for _, row := range markup.InlineKeyboard {
			for _, b := range row {
				switch {
				case strings.TrimSpace(b.Text) == "":
					f.answer(w, call, 400, tgError(400, "Bad Request: text buttons are unallowed in the inline keyboard"))
					return
				case b.CallbackData == "" && b.URL == "":
					f.answer(w, call, 400, tgError(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"))
					return
				case len(b.CallbackData) > 64:
					f.answer(w, call, 400, tgError(400, "Bad Request: BUTTON_DATA_INVALID"))
					return
				}
			}
		}
	}
	f.mu.Lock()
	if f.blocked[chat] {
		f.mu.Unlock()
		f.answer(w, call, 403, tgError(403, "Forbidden: bot was blocked by the user"))
		return
	}
	f.nextMsgID++
	s := tgSent{ChatID: chat, Text: text, Plain: plain, Markup: markup, MessageID: f.nextMsgID, At: time.Now()}
	if !f.lean {
		f.sent = append(f.sent, s)
	}
	if f.onSend != nil {
		f.onSend(s)
	}
	f.mu.Unlock()
	chatID, _ := strconv.ParseInt(chat, 10, 64)
	msg := map[string]any{
		"message_id": s.MessageID,
		"from":       map[string]any{"id": tgBotID, "is_bot": true, "first_name": "Листок", "username": tgUsername},
		"chat":       map[string]any{"id": chatID, "first_name": "Customer", "type": "private"},
		"date":       time.Now().Unix(),
		"text":       plain,
	}
	if markup != nil {
		msg["reply_markup"] = json.RawMessage(p["reply_markup"])
	}
	f.answer(w, call, 200, tgOK(msg))
}

// tgTags are the tags Telegram's HTML parse mode knows.
var tgTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "tg-emoji": true, "code": true, "pre": true, "blockquote": true,
}

var tgEntities = map[string]string{"lt": "<", "gt": ">", "amp": "&", "quot": "\""}

// parseTelegramHTML checks s the way the Bot API parses parse_mode HTML and
// returns the text the user sees. Errors are worded like Telegram's.
func parseTelegramHTML(s string) (string, error) {
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("Unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			closing := strings.HasPrefix(tag, "/")
			name := strings.TrimPrefix(tag, "/")
			if sp := strings.IndexAny(name, " \t\n"); sp >= 0 {
				name = name[:sp]
			}
			name = strings.ToLower(name)
			if name == "" || !tgTags[name] {
				if closing {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				return "", fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, i)
			}
			if closing {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, last(stack), name)
				}
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, name)
			}
			i += end + 1
		case '&':
			semi := strings.IndexByte(s[i:], ';')
			if semi < 0 || semi > 10 {
				return "", fmt.Errorf("Character entity expected at byte offset %d", i)
			}
			ent := s[i+1 : i+semi]
			switch {
			case tgEntities[ent] != "":
				out.WriteString(tgEntities[ent])
			case strings.HasPrefix(ent, "#x"):
				n, err := strconv.ParseInt(ent[2:], 16, 32)
				if err != nil {
					return "", fmt.Errorf("Character entity expected at byte offset %d", i)
				}
				out.WriteRune(rune(n))
			case strings.HasPrefix(ent, "#"):
				n, err := strconv.ParseInt(ent[1:], 10, 32)
				if err != nil {
					return "", fmt.Errorf("Character entity expected at byte offset %d", i)
				}
				out.WriteRune(rune(n))
			default:
				return "", fmt.Errorf("Unsupported entity \"%s\" at byte offset %d", ent, i)
			}
			i += semi + 1
		case '>':
			// Telegram accepts a bare '>' in text.
			out.WriteByte(c)
			i++
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", last(stack))
	}
	return out.String(), nil
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// ---------------------------------------------------------------------------
// Updates a customer produces.

type tgCustomer struct {
	ID        int64
	FirstName string
	LastName  string
	Username  string
}

// tgText is a private text message from c.
func tgText(t testing.TB, c tgCustomer, text string) func(id int64) []byte {
	return func(id int64) []byte {
		return fixture(t, "tg_message", map[string]any{
			"UpdateID": id, "MessageID": id % 100000, "Date": time.Now().Unix(), "Customer": c,
			"Text": text, "Command": strings.HasPrefix(text, "/"), "CommandLen": len(utf16.Encode([]rune(strings.Fields(text + " ")[0]))),
		})
	}
}

// tgPress is c pressing the button with data under the bot's message msgID.
func tgPress(t testing.TB, c tgCustomer, msgID int, data string) func(id int64) []byte {
	return func(id int64) []byte {
		return fixture(t, "tg_callback", map[string]any{
			"UpdateID": id, "QueryID": fmt.Sprintf("%d%06d", c.ID, id%1000000), "MessageID": msgID,
			"Date": time.Now().Unix(), "Customer": c, "Data": data,
			"BotID": tgBotID, "BotUsername": tgUsername,
		})
	}
}
