package vk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/supportbot/supportbot/bot"
)

const (
	testGroup = 218375169
	testToken = "vk1.a.TOPSECRET-token-do-not-leak"
)

// fakeVK plays the VK API (POST /method/<name>, form-urlencoded, answers
// application/json) and a Bots Long Poll server (GET /lp?act=a_check...).
type fakeVK struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	calls []apiCall
	// errs[method] is a queue of answers given before the method works:
	// a VK error code, or an HTTP status when above 1000 (1500 = HTTP 500).
	errs map[string][]int
	// errMsg overrides the error_msg of scripted errors.
	errMsg string

	// messages.send
	byRandom map[string]int64
	sent     []sentMessage
	nextID   int64

	// methods answers (raw JSON of "response"), by method
	answers map[string]string

	// long poll
	lpServers []string // keys handed out by groups.getLongPollServer, in order
	lpTS      string   // ts handed out by groups.getLongPollServer
	lpReqs    []url.Values
	lpReqCh   chan url.Values
	// lp answers a_check; nil answers nothing new after a short wait.
	lp func(r *http.Request, q url.Values) string
}

type apiCall struct {
	method string
	form   url.Values
}

type sentMessage struct {
	form url.Values
	id   int64
}

func newFake(t *testing.T) *fakeVK {
	f := &fakeVK{
		t:        t,
		errs:     map[string][]int{},
		byRandom: map[string]int64{},
		nextID:   1000,
		lpTS:     "10",
		lpReqCh:  make(chan url.Values, 100),
		answers: map[string]string{
			"groups.getById":                  `[{"id":218375169,"name":"Brand Shop","screen_name":"brandshop","is_closed":0,"type":"group"}]`,
			"groups.getTokenPermissions":      `{"mask":274432,"permissions":[{"name":"messages","setting":4096},{"name":"manage","setting":262144},{"name":"photos","setting":4}]}`,
			"groups.getSettings":              `{"title":"Brand Shop","messages":1,"bots_capabilities":1}`,
			"groups.getLongPollSettings":      `{"is_enabled":true,"api_version":"5.131","events":{"message_new":1,"message_reply":1,"message_event":1,"message_allow":0,"wall_post_new":0}}`,
			"users.get":                       `[{"id":123456789,"first_name":"Ирина","last_name":"Кузнецова","can_access_closed":true,"is_closed":false}]`,
			"messages.sendMessageEventAnswer": `1`,
		},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// vk returns an adapter talking to the fake, with fast retries.
func (f *fakeVK) vk(opts ...Option) *VK {
	f.t.Helper()
	all := append([]Option{
		WithAPIURL(f.srv.URL + "/method"),
		WithHTTPClient(f.srv.Client()),
		WithRateLimit(rate.Inf, 1),
		WithBackoff(time.Millisecond, 5*time.Millisecond),
		WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)
	v, err := New(testToken, testGroup, all...)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fakeVK) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/lp" {
		f.serveLP(w, r)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/method/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		f.t.Errorf("%s: method %s, want POST", method, r.Method)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		f.t.Errorf("%s: Content-Type %q, want form-urlencoded", method, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("%s: %v", method, err)
	}
	form := r.PostForm
	if form.Get("access_token") != "" {
		f.t.Errorf("%s: token in the body", method)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, apiCall{method: method, form: form})
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		f.apiErr(w, 5, "User authorization failed: invalid access_token (4).")
		return
	}
	if q := f.errs[method]; len(q) > 0 {
		code := q[0]
		f.errs[method] = q[1:]
		if code > 1000 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code - 1000)
			io.WriteString(w, "<html>bad gateway</html>")
			return
		}
		msg := f.errMsg
		if msg == "" {
			msg = fmt.Sprintf("scripted error %d", code)
		}
		f.apiErr(w, code, msg)
		return
	}
	switch method {
	case "messages.send":
		f.send(w, form)
	case "groups.getLongPollServer":
		key := fmt.Sprintf("key%d", len(f.lpServers)+1)
		f.lpServers = append(f.lpServers, key)
		f.ok(w, fmt.Sprintf(`{"key":%q,"server":%q,"ts":%q}`, key, f.srv.URL+"/lp", f.lpTS))
	default:
		a, ok := f.answers[method]
		if !ok {
			f.t.Errorf("unexpected method %s", method)
			f.apiErr(w, 3, "Unknown method passed")
			return
		}
		f.ok(w, a)
	}
}

func (f *fakeVK) ok(w http.ResponseWriter, response string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"response":%s}`, response)
}

func (f *fakeVK) apiErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"error_code": code,
		"error_msg":  msg,
		"request_params": []map[string]string{
			{"key": "method", "value": "x"}, {"key": "oauth", "value": "1"}, {"key": "v", "value": "5.131"},
		},
	}})
	w.Write(b)
}

// send checks a messages.send call like VK does and deduplicates on
// random_id.
func (f *fakeVK) send(w http.ResponseWriter, form url.Values) {
	rid := form.Get("random_id")
	if rid == "" || rid == "0" {
		f.t.Errorf("messages.send without random_id: %v", form)
		f.apiErr(w, 100, "One of the parameters specified was missing or invalid: random_id is undefined")
		return
	}
	if form.Get("peer_id") == "" {
		f.apiErr(w, 100, "One of the parameters specified was missing or invalid: peer_id is undefined")
		return
	}
	if form.Get("message") == "" && form.Get("attachment") == "" {
		f.apiErr(w, 100, "One of the parameters specified was missing or invalid: message is empty or invalid")
		return
	}
	if n := utf8.RuneCountInString(form.Get("message")); n > maxText {
		f.apiErr(w, 914, "Message is too long")
		return
	}
	if kb := form.Get("keyboard"); kb != "" {
		if err := checkKeyboard(kb); err != nil {
			f.t.Errorf("keyboard refused: %v\n%s", err, kb)
			f.apiErr(w, 911, "Keyboard format is invalid: "+err.Error())
			return
		}
	}
	if id, ok := f.byRandom[rid]; ok {
		f.ok(w, strconv.FormatInt(id, 10))
		return
	}
	f.nextID++
	f.byRandom[rid] = f.nextID
	f.sent = append(f.sent, sentMessage{form: form, id: f.nextID})
	f.ok(w, strconv.FormatInt(f.nextID, 10))
}

// checkKeyboard enforces VK's keyboard limits.
func checkKeyboard(s string) error {
	var kb struct {
		Inline  bool `json:"inline"`
		Buttons [][]struct {
			Action struct {
				Type    string `json:"type"`
				Label   string `json:"label"`
				Payload string `json:"payload"`
				Link    string `json:"link"`
			} `json:"action"`
		} `json:"buttons"`
	}
	if err := json.Unmarshal([]byte(s), &kb); err != nil {
		return err
	}
	rows, total := 10, 40
	if kb.Inline {
		rows, total = 6, 10
	}
	if len(kb.Buttons) > rows {
		return fmt.Errorf("%d rows", len(kb.Buttons))
	}
	n := 0
	for _, row := range kb.Buttons {
		width := 0
		for _, b := range row {
			n++
			width++
			if b.Action.Type == "open_link" {
				width++
				if b.Action.Link == "" {
					return fmt.Errorf("open_link without link")
				}
			}
			if l := utf8.RuneCountInString(b.Action.Label); l == 0 || l > 40 {
				return fmt.Errorf("label of %d characters", l)
			}
			if len(b.Action.Payload) > 255 {
				return fmt.Errorf("payload of %d bytes", len(b.Action.Payload))
			}
			if b.Action.Payload != "" && !json.Valid([]byte(b.Action.Payload)) {
				return fmt.Errorf("payload is not JSON")
			}
			switch b.Action.Type {
			case "text", "callback", "open_link":
			default:
				return fmt.Errorf("button type %q", b.Action.Type)
			}
			if b.Action.Type == "callback" && !kb.Inline {
				// allowed by VK, but this adapter should not do it
				return fmt.Errorf("callback button in a regular keyboard")
			}
		}
		if width > 5 {
			return fmt.Errorf("row of width %d", width)
		}
	}
	if n > total {
		return fmt.Errorf("%d buttons", n)
	}
	return nil
}

func (f *fakeVK) serveLP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("act") != "a_check" || q.Get("wait") == "" {
		f.t.Errorf("long poll request %v", q)
	}
	f.mu.Lock()
	f.lpReqs = append(f.lpReqs, q)
	lp := f.lp
	f.mu.Unlock()
	select {
	case f.lpReqCh <- q:
	default:
	}
	w.Header().Set("Content-Type", "application/json")
	if lp != nil {
		if body := lp(r, q); body != "" {
			io.WriteString(w, body)
			return
		}
	}
	// Nothing new: hold the request a little, like a long poll.
	select {
	case <-r.Context().Done():
		return
	case <-time.After(50 * time.Millisecond):
	}
	fmt.Fprintf(w, `{"ts":%q,"updates":[]}`, q.Get("ts"))
}

// callsOf returns the calls of one method.
func (f *fakeVK) callsOf(method string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c.form)
		}
	}
	return out
}

func (f *fakeVK) sentMessages() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sent...)
}

func (f *fakeVK) lpRequests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.lpReqs...)
}

// testdata reads an update from testdata/.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recorder is a bot.Handler that records messages; fail, when set, decides
// whether a call fails.
type recorder struct {
	mu   sync.Mutex
	msgs []bot.Message
	fail func(m bot.Message, n int) error
	n    int
	ch   chan bot.Message
}

func newRecorder() *recorder { return &recorder{ch: make(chan bot.Message, 100)} }

func (r *recorder) Handle(ctx context.Context, m bot.Message) error {
	r.mu.Lock()
	r.n++
	n := r.n
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(m, n); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.ch <- m
	return nil
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.msgs...)
}

// next waits for the next handled message; the deadline is a guard
// against a hung test, not an assertion on timing.
func (r *recorder) next(t *testing.T) bot.Message {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message handled")
		return bot.Message{}
	}
}

// runPoll runs Poll in the background and returns a stop function that
// cancels it and waits for it to return.
func runPoll(t *testing.T, v *VK, h bot.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Poll(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Poll did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// batch wraps updates in an a_check answer.
func batch(ts string, updates ...string) string {
	return fmt.Sprintf(`{"ts":%q,"updates":[%s]}`, ts, strings.Join(updates, ","))
}
