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
	"sort"
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

// tgSent is one message the fake accepted (sendMessage, or a media method
// such as sendPhoto).
type tgSent struct {
	ChatID     string
	ThreadID   int    // message_thread_id: the forum topic, 0 outside one
	Method     string // sendMessage, sendPhoto, sendDocument, …
	Media      string // the file_id or URL a media method sent
	Text       string // as the bot sent it (HTML); the caption of media
	Plain      string // what the customer sees: entities decoded, tags dropped
	Markup     *tgMarkup
	MarkupJSON string // reply_markup as the bot sent it
	MessageID  int
	At         time.Time
}

// tgForum is the operators' supergroup the fake knows (getChat,
// getChatMember, the forum topic methods). The zero value of a field is
// what a misconfigured group would say.
type tgForum struct {
	ChatID          int64
	Title           string
	Type            string // "supergroup"; "group" for a basic group
	IsForum         bool   // Topics turned on
	BotStatus       string // the bot's chat member status: "administrator", "member", "left", …
	CanManageTopics bool   // the administrator right
}

// tgTopic is a forum topic the bot created.
type tgTopic struct {
	ThreadID int
	Name     string
	Names    []string // every name it had, oldest first
	Closed   bool
	Created  time.Time
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
	// forum is the operators' group, nil when the bot is in none.
	forum  *tgForum
	topics map[int]*tgTopic // by message_thread_id
}

func newTGFake(t testing.TB) *tgFake {
	f := &tgFake{
		t:         t,
		changed:   make(chan struct{}),
		nextID:    100000,
		nextMsgID: 500,
		fail:      map[string][]tgFailure{},
		blocked:   map[string]bool{},
		topics:    map[int]*tgTopic{},
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
		if r.Context().Err() != nil || strings.Contains(err.Error(), "EOF") {
			// The bot was killed in the middle of sending the request:
			// Telegram would never see it, so it is no refusal.
			call.Status = -1
			return
		}
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
	case "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendVoice", "sendAnimation", "sendSticker", "sendVideoNote":
		f.sendMedia(w, call)
	case "getChat":
		f.getChat(w, call)
	case "getChatMember":
		f.getChatMember(w, call)
	case "createForumTopic", "editForumTopic", "closeForumTopic", "reopenForumTopic":
		f.forumTopic(w, call)
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
	thread, ok := f.lockChat(w, call, chat, p["message_thread_id"])
	if !ok {
		return
	}
	f.nextMsgID++
	s := tgSent{ChatID: chat, ThreadID: thread, Method: "sendMessage", Text: text, Plain: plain, Markup: markup,
		MarkupJSON: p["reply_markup"], MessageID: f.nextMsgID, At: time.Now()}
	if !f.lean {
		f.sent = append(f.sent, s)
	}
	if f.onSend != nil {
		f.onSend(s)
	}
	msg := f.sentMessageLocked(s)
	f.mu.Unlock()
	msg["text"] = plain
	f.answer(w, call, 200, tgOK(msg))
}

// lockChat takes f.mu for a send to chat, as Telegram refuses one: 403
// when the customer blocked the bot, 400 for a topic that is not there. On
// a refusal it has answered the call and released the lock.
func (f *tgFake) lockChat(w http.ResponseWriter, call *tgCall, chat, threadParam string) (thread int, ok bool) {
	f.mu.Lock()
	if f.blocked[chat] {
		f.mu.Unlock()
		f.answer(w, call, 403, tgError(403, "Forbidden: bot was blocked by the user"))
		return 0, false
	}
	thread, status, desc := f.threadLocked(chat, threadParam)
	if status != 0 {
		f.mu.Unlock()
		f.answer(w, call, status, tgError(status, desc))
		return 0, false
	}
	return thread, true
}

// threadLocked checks message_thread_id of a send to chat: in the forum
// it must be a topic the bot created (Telegram lets an administrator who
// manages topics write in a closed one); elsewhere it is ignored, as
// Telegram does in a private chat. A non-zero status is the refusal.
func (f *tgFake) threadLocked(chat, threadParam string) (thread, status int, desc string) {
	if threadParam == "" {
		return 0, 0, ""
	}
	n, err := strconv.Atoi(threadParam)
	if err != nil || n < 0 {
		return 0, 400, "Bad Request: invalid message_thread_id specified"
	}
	if f.forum == nil || chat != strconv.FormatInt(f.forum.ChatID, 10) {
		return 0, 0, ""
	}
	if n != 0 && f.topics[n] == nil {
		return 0, 400, "Bad Request: message thread not found"
	}
	return n, 0, ""
}

// sentMessageLocked is the Message object Telegram answers for s.
func (f *tgFake) sentMessageLocked(s tgSent) map[string]any {
	chatID, _ := strconv.ParseInt(s.ChatID, 10, 64)
	msg := map[string]any{
		"message_id": s.MessageID,
		"from":       map[string]any{"id": tgBotID, "is_bot": true, "first_name": "Листок", "username": tgUsername},
		"chat":       map[string]any{"id": chatID, "first_name": "Customer", "type": "private"},
		"date":       time.Now().Unix(),
	}
	if fo := f.forum; fo != nil && chatID == fo.ChatID {
		msg["chat"] = f.forumChatLocked()
		if s.ThreadID != 0 {
			msg["message_thread_id"] = s.ThreadID
			msg["is_topic_message"] = true
		}
	}
	if s.MarkupJSON != "" {
		msg["reply_markup"] = json.RawMessage(s.MarkupJSON)
	}
	return msg
}

// sendMedia accepts sendPhoto, sendDocument and the other media methods:
// the file (a file_id or an http(s) URL), an optional caption and
// keyboard, and message_thread_id.
func (f *tgFake) sendMedia(w http.ResponseWriter, call *tgCall) {
	p := call.Params
	chat := p["chat_id"]
	field := map[string]string{
		"sendPhoto": "photo", "sendDocument": "document", "sendVideo": "video", "sendAudio": "audio", "sendVoice": "voice",
		"sendAnimation": "animation", "sendSticker": "sticker", "sendVideoNote": "video_note",
	}[call.Method]
	media := p[field]
	switch {
	case chat == "":
		f.answer(w, call, 400, tgError(400, "Bad Request: chat_id is empty"))
		return
	case media == "":
		f.answer(w, call, 400, tgError(400, "Bad Request: there is no "+field+" in the request"))
		return
	}
	caption := p["caption"]
	plain := caption
	if strings.ToLower(p["parse_mode"]) == "html" {
		var err error
		if plain, err = parseTelegramHTML(caption); err != nil {
			f.answer(w, call, 400, tgError(400, "Bad Request: can't parse entities: "+err.Error()))
			return
		}
	}
	if n := len(utf16.Encode([]rune(plain))); n > 1024 {
		f.answer(w, call, 400, tgError(400, "Bad Request: message caption is too long"))
		return
	}
	var markup *tgMarkup
	if rm := p["reply_markup"]; rm != "" {
		markup = &tgMarkup{}
		if err := json.Unmarshal([]byte(rm), markup); err != nil {
			f.answer(w, call, 400, tgError(400, "Bad Request: can't parse reply keyboard markup JSON object"))
			return
		}
	}
	thread, ok := f.lockChat(w, call, chat, p["message_thread_id"])
	if !ok {
		return
	}
	f.nextMsgID++
	s := tgSent{ChatID: chat, ThreadID: thread, Method: call.Method, Media: media, Text: caption, Plain: plain, Markup: markup,
		MarkupJSON: p["reply_markup"], MessageID: f.nextMsgID, At: time.Now()}
	if !f.lean {
		f.sent = append(f.sent, s)
	}
	if f.onSend != nil {
		f.onSend(s)
	}
	msg := f.sentMessageLocked(s)
	f.mu.Unlock()
	if plain != "" {
		msg["caption"] = plain
	}
	id := "AgACAgIAAxkBAAE" + strconv.Itoa(s.MessageID)
	switch field {
	case "photo":
		msg["photo"] = []map[string]any{{"file_id": id, "file_unique_id": "AQAD" + strconv.Itoa(s.MessageID), "width": 1280, "height": 960, "file_size": 123456}}
	default:
		msg[field] = map[string]any{"file_id": id, "file_unique_id": "AgAD" + strconv.Itoa(s.MessageID)}
	}
	f.answer(w, call, 200, tgOK(msg))
}

// ---------------------------------------------------------------------------
// The operators' forum group.

// setForum makes the bot a member of the group fo (see tgForum).
func (f *tgFake) setForum(fo tgForum) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fo.Title == "" {
		fo.Title = "Листок · операторы"
	}
	f.forum = &fo
}

// forumChatLocked is the group's Chat object, as in its messages.
func (f *tgFake) forumChatLocked() map[string]any {
	fo := f.forum
	c := map[string]any{"id": fo.ChatID, "title": fo.Title, "type": fo.Type}
	if fo.IsForum {
		c["is_forum"] = true
	}
	return c
}

// getChat answers the forum group's ChatFullInfo; any other chat is not
// found (the bot is in no other group).
func (f *tgFake) getChat(w http.ResponseWriter, call *tgCall) {
	id, err := strconv.ParseInt(call.Params["chat_id"], 10, 64)
	f.mu.Lock()
	fo := f.forum
	var info map[string]any
	if fo != nil && err == nil && id == fo.ChatID {
		info = f.forumChatLocked()
		info["accent_color_id"] = 3
		info["max_reaction_count"] = 11
		info["permissions"] = map[string]any{
			"can_send_messages": true, "can_send_photos": true, "can_send_documents": true,
			"can_manage_topics": false, "can_pin_messages": false, "can_invite_users": true,
		}
	}
	f.mu.Unlock()
	if info == nil {
		f.answer(w, call, 400, tgError(400, "Bad Request: chat not found"))
		return
	}
	f.answer(w, call, 200, tgOK(info))
}

// getChatMember answers the bot's membership in the forum group (as
// tgForum says) and "member" for anyone else.
func (f *tgFake) getChatMember(w http.ResponseWriter, call *tgCall) {
	id, err := strconv.ParseInt(call.Params["chat_id"], 10, 64)
	user, uerr := strconv.ParseInt(call.Params["user_id"], 10, 64)
	f.mu.Lock()
	fo := f.forum
	f.mu.Unlock()
	if fo == nil || err != nil || id != fo.ChatID {
		f.answer(w, call, 400, tgError(400, "Bad Request: chat not found"))
		return
	}
	if uerr != nil || user <= 0 {
		f.answer(w, call, 400, tgError(400, "Bad Request: invalid user_id specified"))
		return
	}
	if user != tgBotID {
		f.answer(w, call, 200, tgOK(map[string]any{"status": "member", "user": map[string]any{"id": user, "is_bot": false, "first_name": "Участник"}}))
		return
	}
	m := map[string]any{
		"status": fo.BotStatus,
		"user":   map[string]any{"id": tgBotID, "is_bot": true, "first_name": "Листок", "username": tgUsername},
	}
	if fo.BotStatus == "administrator" {
		for k, v := range map[string]any{
			"can_be_edited": false, "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
			"can_manage_video_chats": false, "can_restrict_members": false, "can_promote_members": false,
			"can_change_info": false, "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
			"can_delete_stories": false, "can_pin_messages": true, "can_manage_topics": fo.CanManageTopics,
		} {
			m[k] = v
		}
	}
	if fo.BotStatus == "restricted" {
		m["is_member"], m["until_date"] = true, 0
	}
	if fo.BotStatus == "kicked" {
		m["until_date"] = 0
	}
	f.answer(w, call, 200, tgOK(m))
}

// forumTopic does createForumTopic (name 1–128 characters; the thread id
// is the message_id of the topic's service message), editForumTopic,
// closeForumTopic and reopenForumTopic, with Telegram's answers: only in
// the forum, only with the right to manage topics, TOPIC_NOT_MODIFIED for
// a change that changes nothing.
func (f *tgFake) forumTopic(w http.ResponseWriter, call *tgCall) {
	p := call.Params
	id, err := strconv.ParseInt(p["chat_id"], 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	fo := f.forum
	refuse := func(desc string) {
		f.answer(w, call, 400, tgError(400, "Bad Request: "+desc))
	}
	switch {
	case fo == nil || err != nil || id != fo.ChatID:
		refuse("chat not found")
		return
	case !fo.IsForum:
		refuse("the chat is not a forum")
		return
	case fo.BotStatus != "administrator" && fo.BotStatus != "creator" || fo.BotStatus == "administrator" && !fo.CanManageTopics:
		refuse("not enough rights to manage topics")
		return
	}
	if call.Method == "createForumTopic" {
		name := p["name"]
		if n := len([]rune(name)); n == 0 || n > 128 {
			refuse("TOPIC_TITLE_INVALID")
			return
		}
		f.nextMsgID++
		tp := &tgTopic{ThreadID: f.nextMsgID, Name: name, Names: []string{name}, Created: time.Now()}
		f.topics[tp.ThreadID] = tp
		f.changedLocked()
		f.answer(w, call, 200, tgOK(map[string]any{"message_thread_id": tp.ThreadID, "name": name, "icon_color": 7322096}))
		return
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	tp := f.topics[thread]
	if tp == nil {
		refuse("TOPIC_ID_INVALID")
		return
	}
	switch call.Method {
	case "editForumTopic":
		name, ok := p["name"]
		if !ok || name == tp.Name {
			refuse("TOPIC_NOT_MODIFIED")
			return
		}
		if n := len([]rune(name)); n == 0 || n > 128 {
			refuse("TOPIC_TITLE_INVALID")
			return
		}
		tp.Name = name
		tp.Names = append(tp.Names, name)
	case "closeForumTopic", "reopenForumTopic":
		closing := call.Method == "closeForumTopic"
		if tp.Closed == closing {
			refuse("TOPIC_NOT_MODIFIED")
			return
		}
		tp.Closed = closing
	}
	f.changedLocked()
	f.answer(w, call, 200, tgOK(true))
}

// forumTopics returns copies of the topics the bot created, oldest first.
func (f *tgFake) forumTopics() []tgTopic {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tgTopic
	for _, tp := range f.topics {
		c := *tp
		c.Names = append([]string(nil), tp.Names...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ThreadID < out[j].ThreadID })
	return out
}

// waitTopics waits until the bot has created at least n topics and returns
// them.
func (f *tgFake) waitTopics(n int) []tgTopic {
	f.t.Helper()
	var got []tgTopic
	if !eventually(e2eDeadline, func() bool { got = f.forumTopics(); return len(got) >= n }) {
		f.t.Fatalf("%d forum topics created, want %d; createForumTopic calls: %v\n400s: %v", len(got), n, f.callsTo("createForumTopic"), f.errors400())
	}
	return got
}

// topicPosts returns what the bot posted in topic thread of chat.
func (f *tgFake) topicPosts(chatID string, thread int) []tgSent {
	var out []tgSent
	for _, s := range f.sentTo(chatID) {
		if s.ThreadID == thread {
			out = append(out, s)
		}
	}
	return out
}

// waitTopicPost waits for a post in topic thread whose text contains want
// and returns it.
func (f *tgFake) waitTopicPost(chatID string, thread int, want string) tgSent {
	f.t.Helper()
	var found tgSent
	if !eventually(e2eDeadline, func() bool {
		for _, s := range f.topicPosts(chatID, thread) {
			if strings.Contains(s.Plain, want) {
				found = s
				return true
			}
		}
		return false
	}) {
		f.t.Fatalf("no post containing %q in topic %d; the topic has %q\n400s: %v", want, thread, plains(f.topicPosts(chatID, thread)), f.errors400())
	}
	return found
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

// ---------------------------------------------------------------------------
// Updates from the operators' forum group.

// tgTopicText is a message from u in topic thread of the forum group chat
// (thread 0: the group's General topic, whose messages carry no thread).
// As Telegram sends it, a topic message "replies" to the topic's service
// message (forum_topic_created, written by the bot that created it).
func tgTopicText(t testing.TB, chat int64, thread int, u tgCustomer, text string) func(id int64) []byte {
	return func(id int64) []byte {
		return fixture(t, "tg_topic_message", map[string]any{
			"UpdateID": id, "MessageID": 20000 + id%100000, "ThreadID": thread, "From": u, "ChatID": chat,
			"Title": "Листок · операторы", "Date": time.Now().Unix(), "TopicDate": time.Now().Add(-time.Minute).Unix(),
			"TopicName": "обращение", "BotID": tgBotID, "BotUsername": tgUsername, "Text": text,
			"Command": strings.HasPrefix(text, "/"), "CommandLen": len(utf16.Encode([]rune(strings.Fields(text + " ")[0]))),
		})
	}
}

// tgTopicPress is u pressing the button with data under post, a message the
// bot posted in a topic of the forum group.
func tgTopicPress(t testing.TB, post tgSent, u tgCustomer, data string) func(id int64) []byte {
	return func(id int64) []byte {
		chat, _ := strconv.ParseInt(post.ChatID, 10, 64)
		markup := post.MarkupJSON
		if markup == "" {
			markup = "null"
		}
		return fixture(t, "tg_topic_callback", map[string]any{
			"UpdateID": id, "QueryID": fmt.Sprintf("%d%06d", u.ID, id%1000000), "From": u, "MessageID": post.MessageID,
			"ThreadID": post.ThreadID, "ChatID": chat, "Title": "Листок · операторы", "Date": post.At.Unix(),
			"TopicName": "обращение", "BotID": tgBotID, "BotUsername": tgUsername, "Text": post.Plain,
			"Markup": markup, "Data": data,
		})
	}
}
