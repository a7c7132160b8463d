package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

const (
	testToken    = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	testBotID    = 123456789
	testUsername = "SupportTestBot"
)

// apiCall is one request the fake received.
type apiCall struct {
	Method string
	Params map[string]string
}

type cannedReply struct {
	after  int // requests served normally before this one
	status int
	body   string
}

// fakeAPI plays the Telegram Bot API: it routes /bot<token>/<method>,
// parses multipart, JSON and urlencoded bodies like Telegram does, enforces
// the rules a real server would (HTML entities, text and caption length,
// callback_data size) and answers with the Bot API's JSON.
type fakeAPI struct {
	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	cond    *sync.Cond
	calls   []apiCall
	updates []json.RawMessage // not yet confirmed
	canned  map[string][]cannedReply
	chat    string // getChat result
	member  string // getChatMember result
	closed  map[string]bool
	nextID  int
	stop    bool

	// onGetUpdates, when set, runs for every getUpdates request with its
	// offset, before the fake answers.
	onGetUpdates func(offset int64)
}

func newFake(t testing.TB) *fakeAPI {
	f := &fakeAPI{
		t:      t,
		canned: map[string][]cannedReply{},
		closed: map[string]bool{},
		nextID: 1000,
		chat:   `{"id":-1001987654321,"title":"Support desk","type":"supergroup","is_forum":true,"accent_color_id":0,"max_reaction_count":11,"accepted_gift_types":{"unlimited_gifts":false,"limited_gifts":false,"unique_gifts":false,"premium_subscription":false}}`,
		member: `{"user":{"id":123456789,"is_bot":true,"first_name":"Support","username":"SupportTestBot"},"status":"administrator","can_be_edited":false,"can_manage_chat":true,"can_change_info":true,"can_delete_messages":true,"can_invite_users":true,"can_restrict_members":true,"can_pin_messages":true,"can_manage_topics":true,"can_promote_members":false,"can_manage_video_chats":true,"can_post_stories":false,"can_edit_stories":false,"can_delete_stories":false,"is_anonymous":false}`,
	}
	f.cond = sync.NewCond(&f.mu)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.mu.Lock()
		f.stop = true
		f.cond.Broadcast()
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

// client returns a Telegram on the fake, with no rate limits and tiny
// backoffs, logging into the returned buffer.
func (f *fakeAPI) client(opts ...Option) (*Telegram, *syncBuffer) {
	f.t.Helper()
	logs := &syncBuffer{}
	all := append([]Option{
		WithServerURL(f.srv.URL),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithLimits(NoLimits()),
		WithBackoff(time.Millisecond, 5*time.Millisecond),
		WithPollTimeout(10 * time.Second),
		WithClock(func() time.Time { return time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC) }),
	}, opts...)
	tg, err := New(testToken, all...)
	if err != nil {
		f.t.Fatal(err)
	}
	tg.username = testUsername
	return tg, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// push queues updates for getUpdates.
func (f *fakeAPI) push(raws ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range raws {
		f.updates = append(f.updates, json.RawMessage(r))
	}
	f.cond.Broadcast()
}

// fail makes the next request to method answer status with body.
func (f *fakeAPI) fail(method string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canned[method] = append(f.canned[method], cannedReply{status: status, body: body})
}

// failAfter lets n requests to method through, then answers one with status
// and body.
func (f *fakeAPI) failAfter(method string, n, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canned[method] = append(f.canned[method], cannedReply{after: n, status: status, body: body})
}

// callsTo returns the calls made to method (all calls when method is "").
func (f *fakeAPI) callsTo(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitUntil blocks until cond holds (checked under the fake's lock after
// every request) or fails the test after 10s.
func (f *fakeAPI) waitUntil(what string, cond func() bool) {
	f.t.Helper()
	timedOut := false
	tm := time.AfterFunc(10*time.Second, func() {
		f.mu.Lock()
		timedOut = true
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer tm.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for !cond() {
		if timedOut {
			f.t.Fatalf("timed out waiting until %s; calls: %v", what, f.calls)
		}
		f.cond.Wait()
	}
}

// offsets returns the offset of every getUpdates request so far; the
// caller holds the lock (inside waitUntil) or not (use getOffsets).
func (f *fakeAPI) offsetsLocked() []int64 {
	var out []int64
	for _, c := range f.calls {
		if c.Method == "getUpdates" {
			n, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
			out = append(out, n)
		}
	}
	return out
}

func (f *fakeAPI) offsets() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.offsetsLocked()
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func okJSON(w http.ResponseWriter, result string) {
	writeJSON(w, 200, `{"ok":true,"result":`+result+`}`)
}

func errJSON(w http.ResponseWriter, code int, desc string) {
	d, _ := json.Marshal(desc)
	writeJSON(w, code, fmt.Sprintf(`{"ok":false,"error_code":%d,"description":%s}`, code, d))
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		errJSON(w, 404, "Not Found")
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" {
		errJSON(w, 404, "Not Found")
		return
	}
	if token != testToken {
		errJSON(w, 401, "Unauthorized")
		return
	}
	params, err := parseParams(r)
	if err != nil {
		errJSON(w, 400, "Bad Request: "+err.Error())
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, apiCall{method, params})
	f.cond.Broadcast()
	hook := f.onGetUpdates
	var canned *cannedReply
	if q := f.canned[method]; len(q) > 0 {
		if q[0].after > 0 {
			q[0].after--
		} else {
			canned = &q[0]
			f.canned[method] = q[1:]
		}
	}
	f.mu.Unlock()

	if method == "getUpdates" && hook != nil {
		n, _ := strconv.ParseInt(params["offset"], 10, 64)
		hook(n)
	}
	if canned != nil {
		writeJSON(w, canned.status, canned.body)
		return
	}
	switch method {
	case "getMe":
		okJSON(w, `{"id":123456789,"is_bot":true,"first_name":"Support","username":"SupportTestBot","can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false,"can_connect_to_business":false,"has_main_web_app":false}`)
	case "getUpdates":
		f.getUpdates(w, r, params)
	case "sendMessage":
		f.sendMessage(w, params)
	case "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendVoice", "sendAnimation", "sendSticker", "sendVideoNote":
		f.sendMedia(w, method, params)
	case "answerCallbackQuery":
		if params["callback_query_id"] == "" {
			errJSON(w, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
			return
		}
		okJSON(w, "true")
	case "setWebhook":
		if !strings.HasPrefix(params["url"], "https://") {
			errJSON(w, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
			return
		}
		okJSON(w, "true")
	case "deleteWebhook":
		okJSON(w, "true")
	case "getChat":
		if params["chat_id"] != "-1001987654321" {
			errJSON(w, 400, "Bad Request: chat not found")
			return
		}
		okJSON(w, f.chat)
	case "getChatMember":
		okJSON(w, f.member)
	case "createForumTopic":
		name := params["name"]
		if n := len(utf16.Encode([]rune(name))); n < 1 || n > 128 {
			errJSON(w, 400, "Bad Request: TOPIC_NAME_INVALID")
			return
		}
		f.mu.Lock()
		f.nextID++
		id := f.nextID
		f.mu.Unlock()
		nb, _ := json.Marshal(name)
		okJSON(w, fmt.Sprintf(`{"message_thread_id":%d,"name":%s,"icon_color":7322096}`, id, nb))
	case "editForumTopic":
		okJSON(w, "true")
	case "closeForumTopic", "reopenForumTopic":
		key := params["chat_id"] + "/" + params["message_thread_id"]
		f.mu.Lock()
		was := f.closed[key]
		f.closed[key] = method == "closeForumTopic"
		f.mu.Unlock()
		if was == (method == "closeForumTopic") {
			errJSON(w, 400, "Bad Request: TOPIC_NOT_MODIFIED")
			return
		}
		okJSON(w, "true")
	default:
		errJSON(w, 404, "Not Found")
	}
}

// parseParams reads a Bot API request the three ways Telegram accepts it.
func parseParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF") {
				return out, nil // the SDK sends methods without parameters as an empty body
			}
			return nil, err
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
		for k := range r.MultipartForm.File {
			out[k] = "<upload>"
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, err
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	default:
		return nil, fmt.Errorf("unsupported content type %q", ct)
	}
	return out, nil
}

func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	stopWake := context.AfterFunc(r.Context(), func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer stopWake()
	tm := time.AfterFunc(time.Until(deadline), func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer tm.Stop()

	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		// An update is confirmed once getUpdates is called with an offset
		// higher than its update_id: forget those.
		if offset > 0 {
			kept := f.updates[:0:0]
			for _, u := range f.updates {
				if updateID(u) >= offset {
					kept = append(kept, u)
				}
			}
			f.updates = kept
		}
		if len(f.updates) > 0 || timeout == 0 || !time.Now().Before(deadline) || r.Context().Err() != nil || f.stop {
			break
		}
		f.cond.Wait()
	}
	n := min(limit, len(f.updates))
	b, _ := json.Marshal(f.updates[:n])
	okJSON(w, string(b))
}

func updateID(raw json.RawMessage) int64 {
	var h struct {
		ID int64 `json:"update_id"`
	}
	json.Unmarshal(raw, &h)
	return h.ID
}

func (f *fakeAPI) message(p map[string]string, extra string) string {
	f.mu.Lock()
	f.nextID++
	id := f.nextID
	f.mu.Unlock()
	chat := p["chat_id"]
	typ := "private"
	if strings.HasPrefix(chat, "-") {
		typ = "supergroup"
	}
	thread := ""
	if p["message_thread_id"] != "" {
		thread = fmt.Sprintf(`"message_thread_id":%s,"is_topic_message":true,`, p["message_thread_id"])
	}
	return fmt.Sprintf(`{"message_id":%d,%s"from":{"id":123456789,"is_bot":true,"first_name":"Support","username":"SupportTestBot"},"chat":{"id":%s,"type":%q},"date":1735725600%s}`, id, thread, chat, typ, extra)
}

func (f *fakeAPI) sendMessage(w http.ResponseWriter, p map[string]string) {
	if p["chat_id"] == "" {
		errJSON(w, 400, "Bad Request: chat_id is empty")
		return
	}
	text := p["text"]
	if p["parse_mode"] == "HTML" {
		var err error
		if text, err = parseTelegramHTML(text); err != nil {
			errJSON(w, 400, "Bad Request: can't parse entities: "+err.Error())
			return
		}
	}
	switch n := len(utf16.Encode([]rune(strings.TrimSpace(text)))); {
	case n == 0:
		errJSON(w, 400, "Bad Request: message text is empty")
		return
	case n > 4096:
		errJSON(w, 400, "Bad Request: message is too long")
		return
	}
	if err := checkMarkup(p["reply_markup"]); err != nil {
		errJSON(w, 400, "Bad Request: "+err.Error())
		return
	}
	tb, _ := json.Marshal(text)
	okJSON(w, f.message(p, `,"text":`+string(tb)))
}

var mediaField = map[string]string{
	"sendPhoto": "photo", "sendDocument": "document", "sendVideo": "video", "sendAudio": "audio",
	"sendVoice": "voice", "sendAnimation": "animation", "sendSticker": "sticker", "sendVideoNote": "video_note",
}

func (f *fakeAPI) sendMedia(w http.ResponseWriter, method string, p map[string]string) {
	file := p[mediaField[method]]
	switch {
	case file == "":
		errJSON(w, 400, "Bad Request: there is no "+mediaField[method]+" in the request")
		return
	case strings.Contains(file, "unreachable"):
		errJSON(w, 400, "Bad Request: failed to get HTTP URL content")
		return
	}
	caption := p["caption"]
	if p["parse_mode"] == "HTML" {
		var err error
		if caption, err = parseTelegramHTML(caption); err != nil {
			errJSON(w, 400, "Bad Request: can't parse entities: "+err.Error())
			return
		}
	}
	if len(utf16.Encode([]rune(caption))) > 1024 {
		errJSON(w, 400, "Bad Request: message caption is too long")
		return
	}
	if err := checkMarkup(p["reply_markup"]); err != nil {
		errJSON(w, 400, "Bad Request: "+err.Error())
		return
	}
	cb, _ := json.Marshal(caption)
	media := fmt.Sprintf(`{"file_id":"sent-%d","file_unique_id":"u"}`, len(file))
	if method == "sendPhoto" {
		media = "[" + media + "]"
	}
	okJSON(w, f.message(p, fmt.Sprintf(`,%q:%s,"caption":%s`, mediaField[method], media, cb)))
}

// checkMarkup applies Telegram's rules for inline keyboards.
func checkMarkup(raw string) error {
	if raw == "" {
		return nil
	}
	var m struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return fmt.Errorf("can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if ct, ok := b["copy_text"]; ok {
				var c struct{ Text string }
				json.Unmarshal(ct, &c)
				if c.Text == "" {
					return fmt.Errorf("BUTTON_COPY_TEXT_INVALID")
				}
			}
			var data, url string
			json.Unmarshal(b["callback_data"], &data)
			json.Unmarshal(b["url"], &url)
			if _, ok := b["callback_data"]; ok && (len(data) < 1 || len(data) > 64) {
				return fmt.Errorf("BUTTON_DATA_INVALID")
			}
			if data == "" && url == "" {
				return fmt.Errorf("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
		}
	}
	return nil
}

// parseTelegramHTML parses text the way parse_mode HTML does and returns
// the plain text, or the error Telegram would give.
func parseTelegramHTML(s string) (string, error) {
	supported := map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true,
		"strike": true, "del": true, "span": true, "tg-spoiler": true, "a": true, "code": true, "pre": true,
		"blockquote": true, "tg-emoji": true}
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return "", fmt.Errorf("Unsupported start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+j]
			closing := strings.HasPrefix(tag, "/")
			fields := strings.Fields(strings.TrimPrefix(tag, "/"))
			name := ""
			if len(fields) > 0 {
				name = strings.ToLower(fields[0])
			}
			if !supported[name] {
				return "", fmt.Errorf("Unsupported start tag %q at byte offset %d", name, i)
			}
			if closing {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d", i)
				}
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, name)
			}
			i += j + 1
		case '&':
			j := strings.IndexByte(s[i:], ';')
			if j < 0 || j > 12 {
				return "", fmt.Errorf("Character entity expected at byte offset %d", i)
			}
			ent := s[i+1 : i+j]
			switch {
			case ent == "lt":
				out.WriteByte('<')
			case ent == "gt":
				out.WriteByte('>')
			case ent == "amp":
				out.WriteByte('&')
			case ent == "quot":
				out.WriteByte('"')
			case strings.HasPrefix(ent, "#"):
				n, err := strconv.Atoi(ent[1:])
				if err != nil {
					return "", fmt.Errorf("Unsupported HTML entity at byte offset %d", i)
				}
				out.WriteRune(rune(n))
			default:
				return "", fmt.Errorf("Unsupported HTML entity at byte offset %d", i)
			}
			i += j + 1
		case '>':
			return "", fmt.Errorf("Unexpected end tag at byte offset %d", i)
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1])
	}
	return out.String(), nil
}

// readUpdate returns the JSON of testdata/updates/<name>.json.
func readUpdate(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "updates", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFakeHTMLParser(t *testing.T) {
	for in, want := range map[string]string{
		"a &lt; b &amp;&amp; c &gt; d": "a < b && c > d",
		"<b>bold</b> &#128512;":        "bold 😀",
	} {
		got, err := parseTelegramHTML(in)
		if err != nil || got != want {
			t.Errorf("parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a < b", "x & y", "<foo>", "<b>open", "1 > 0"} {
		if _, err := parseTelegramHTML(bad); err == nil {
			t.Errorf("parse(%q) accepted raw HTML that Telegram refuses", bad)
		}
	}
}
