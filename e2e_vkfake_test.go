package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	vkToken   = "vk1.a.E2E-community-token-NeverPrintMe-7Hq2"
	vkGroupID = 227001122
	vkLPKey   = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
	vkTSBase  = 4200
)

// vkCall is one API request the fake received.
type vkCall struct {
	Method string
	Form   url.Values
	At     time.Time
	Error  int // VK error code answered, 0 for success
}

// vkSent is one message the fake delivered (messages.send).
type vkSent struct {
	PeerID   int64
	RandomID int64
	Message  string
	Keyboard *vkKeyboard
	ID       int64
	At       time.Time
}

type vkKeyboard struct {
	OneTime bool `json:"one_time"`
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

// vkFailure is an error the fake answers instead of doing the method.
type vkFailure struct {
	Code int    // VK error_code
	Msg  string // error_msg
	HTTP int    // when set, an HTTP error page with this status instead
}

// vkEvent is one Bots Long Poll event.
type vkEvent struct {
	Num      int64
	Type     string
	EventID  string
	Raw      json.RawMessage
	PushedAt time.Time
}

// vkFake plays the VK API (POST /method/<name>, form-urlencoded, answers
// application/json {"response":...} or {"error":...}) and a Bots Long Poll
// server (/lp?act=a_check&key=&ts=&wait=). messages.send requires random_id
// and deduplicates on it as VK does.
type vkFake struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	changed   chan struct{}
	calls     []vkCall
	sent      []vkSent
	byRandom  map[int64]int64 // random_id → message id
	nextMsgID int64
	events    []vkEvent // every event, numbered from vkTSBase
	confirmed int64     // highest ts an a_check carried
	fail      map[string][]vkFailure
	failAll   *vkFailure
	blocked   map[int64]bool // peers who did not allow messages (901)
	lpChecks  int            // a_check requests received
	lpFail    []int          // the next a_check requests answer {"failed": n}
	confirm   string         // groups.getCallbackConfirmationCode
	echo      bool           // add a message_reply event for each message sent
	// onConfirm runs (outside the lock) with the message events an a_check
	// ts confirms for the first time.
	onConfirm func(evs []vkEvent)
	onSend    func(s vkSent)
}

func newVKFake(t testing.TB) *vkFake {
	f := &vkFake{
		t:         t,
		changed:   make(chan struct{}),
		byRandom:  map[int64]int64{},
		nextMsgID: 9000,
		fail:      map[string][]vkFailure{},
		blocked:   map[int64]bool{},
		echo:      true,
		confirmed: vkTSBase,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is VK_API_URL.
func (f *vkFake) URL() string { return f.srv.URL + "/method/" }

func (f *vkFake) changedLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// push adds long poll events, each built by mk from its event_id.
func (f *vkFake) push(typ string, mk ...func(eventID string) []byte) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, m := range mk {
		ids = append(ids, f.pushLocked(typ, m))
	}
	f.changedLocked()
	return ids
}

func (f *vkFake) pushLocked(typ string, mk func(eventID string) []byte) string {
	num := vkTSBase + int64(len(f.events))
	id := fmt.Sprintf("%040x", num*7919+int64(len(typ)))
	f.events = append(f.events, vkEvent{Num: num, Type: typ, EventID: id, Raw: mk(id), PushedAt: time.Now()})
	return id
}

func (f *vkFake) failNext(method string, fs ...vkFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = append(f.fail[method], fs...)
}

func (f *vkFake) setDown(fa *vkFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAll = fa
}

func (f *vkFake) block(peer int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked[peer] = true
}

func (f *vkFake) callsTo(method string) []vkCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []vkCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// sentTo returns the messages delivered to peer (0 for all).
func (f *vkFake) sentTo(peer int64) []vkSent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []vkSent
	for _, s := range f.sent {
		if peer == 0 || s.PeerID == peer {
			out = append(out, s)
		}
	}
	return out
}

func (f *vkFake) waitSent(peer int64, n int) []vkSent {
	f.t.Helper()
	var got []vkSent
	if !eventually(e2eDeadline, func() bool { got = f.sentTo(peer); return len(got) >= n }) {
		var texts []string
		for _, s := range got {
			texts = append(texts, s.Message)
		}
		f.t.Fatalf("peer %d got %d messages, want %d: %q\nrefused: %v", peer, len(got), n, texts, f.refused())
	}
	return got
}

// refused returns the calls answered with a VK error other than injected
// ones the test expects (everything with Error != 0).
func (f *vkFake) refused() []vkCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []vkCall
	for _, c := range f.calls {
		if c.Error != 0 {
			out = append(out, c)
		}
	}
	return out
}

// waitPolling waits until the bot holds a long poll request: events pushed
// from then on reach it (VK delivers nothing from before the first
// groups.getLongPollServer of a bot that has no saved ts).
func (f *vkFake) waitPolling() {
	f.t.Helper()
	if !eventually(e2eDeadline, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.lpChecks > 0
	}) {
		f.t.Fatal("the bot never started long polling VK")
	}
}

// ---------------------------------------------------------------------------

func (f *vkFake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/lp" {
		f.longPoll(w, r)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/method/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	call := &vkCall{Method: method, Form: r.Form, At: time.Now()}
	defer func() {
		f.mu.Lock()
		f.calls = append(f.calls, *call)
		f.changedLocked()
		f.mu.Unlock()
	}()
	f.mu.Lock()
	fa := f.failAll
	if fa == nil {
		if q := f.fail[method]; len(q) > 0 {
			fa = &q[0]
			f.fail[method] = q[1:]
		}
	}
	f.mu.Unlock()
	if fa != nil {
		if fa.HTTP != 0 {
			call.Error = fa.HTTP
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(fa.HTTP)
			fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", fa.HTTP, http.StatusText(fa.HTTP))
			return
		}
		f.apiError(w, call, fa.Code, fa.Msg)
		return
	}
	token := r.Form.Get("access_token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer // vksdk sends the token in the header, as VK allows
	}
	if token != vkToken {
		f.apiError(w, call, 5, "User authorization failed: invalid access_token (4).")
		return
	}
	if r.Form.Get("v") == "" {
		f.apiError(w, call, 8, "Invalid request: v is required")
		return
	}
	gid := strconv.Itoa(vkGroupID)
	switch method {
	case "groups.getById":
		f.respond(w, []map[string]any{{
			"id": vkGroupID, "name": "Листок — чай и посуда", "screen_name": "listok_tea",
			"is_closed": 0, "type": "group", "is_admin": 1, "admin_level": 3, "is_member": 1,
			"photo_50": "https://sun1-1.userapi.com/s/v1/if1/x.jpg",
		}})
	case "groups.getTokenPermissions":
		f.respond(w, map[string]any{"mask": 1<<12 | 1<<18 | 1<<17, "permissions": []map[string]any{
			{"setting": 4096, "name": "messages"}, {"setting": 131072, "name": "photos"}, {"setting": 262144, "name": "manage"},
		}})
	case "groups.getSettings":
		f.respond(w, map[string]any{"title": "Листок — чай и посуда", "messages": 1, "bots_capabilities": 1, "bots_start_button": 1, "bots_add_to_chat": 0})
	case "groups.getLongPollSettings":
		f.respond(w, map[string]any{"is_enabled": true, "api_version": "5.199", "events": map[string]int{
			"message_new": 1, "message_reply": 1, "message_event": 1, "message_edit": 0, "message_allow": 1, "message_deny": 1, "message_typing_state": 0,
		}})
	case "groups.getLongPollServer":
		if r.Form.Get("group_id") != gid {
			f.apiError(w, call, 100, "One of the parameters specified was missing or invalid: group_id is undefined")
			return
		}
		f.mu.Lock()
		ts := vkTSBase + int64(len(f.events))
		f.mu.Unlock()
		f.respond(w, map[string]any{"key": vkLPKey, "server": f.srv.URL + "/lp", "ts": strconv.FormatInt(ts, 10)})
	case "groups.getCallbackConfirmationCode":
		f.mu.Lock()
		code := f.confirm
		f.mu.Unlock()
		if code == "" {
			f.apiError(w, call, 15, "Access denied: no access to call this method")
			return
		}
		f.respond(w, map[string]any{"code": code})
	case "users.get":
		var users []map[string]any
		for _, s := range strings.Split(r.Form.Get("user_ids"), ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				continue
			}
			users = append(users, map[string]any{"id": id, "first_name": "Ирина", "last_name": fmt.Sprintf("К%d", id%100), "can_access_closed": true, "is_closed": false})
		}
		f.respond(w, users)
	case "messages.send":
		f.send(w, call)
	case "messages.sendMessageEventAnswer":
		if r.Form.Get("event_id") == "" || r.Form.Get("user_id") == "" || r.Form.Get("peer_id") == "" {
			f.apiError(w, call, 100, "One of the parameters specified was missing or invalid: event_id, user_id and peer_id are required")
			return
		}
		f.respond(w, 1)
	default:
		f.apiError(w, call, 3, "Unknown method passed")
	}
}

func (f *vkFake) respond(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"response": v})
}

func (f *vkFake) apiError(w http.ResponseWriter, call *vkCall, code int, msg string) {
	call.Error = code
	params := []map[string]string{{"key": "method", "value": call.Method}, {"key": "oauth", "value": "1"}, {"key": "v", "value": call.Form.Get("v")}}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"error_code": code, "error_msg": msg, "request_params": params}})
}

func (f *vkFake) send(w http.ResponseWriter, call *vkCall) {
	form := call.Form
	rs := form.Get("random_id")
	if rs == "" {
		f.apiError(w, call, 100, "One of the parameters specified was missing or invalid: random_id is a required parameter")
		return
	}
	random, err := strconv.ParseInt(rs, 10, 64)
	if err != nil || random < -(1<<31) || random >= 1<<31 {
		f.apiError(w, call, 100, "One of the parameters specified was missing or invalid: random_id should be an int32")
		return
	}
	peer, err := strconv.ParseInt(form.Get("peer_id"), 10, 64)
	if err != nil || peer == 0 {
		f.apiError(w, call, 100, "One of the parameters specified was missing or invalid: you should specify peer_id, user_id, domain, chat_id or user_ids param")
		return
	}
	text := form.Get("message")
	if strings.TrimSpace(text) == "" && form.Get("attachment") == "" {
		f.apiError(w, call, 100, "One of the parameters specified was missing or invalid: message is empty or invalid")
		return
	}
	if utf8.RuneCountInString(text) > 4096 {
		f.apiError(w, call, 914, "Message is too long")
		return
	}
	var kb *vkKeyboard
	if raw := form.Get("keyboard"); raw != "" {
		kb = &vkKeyboard{}
		if err := json.Unmarshal([]byte(raw), kb); err != nil {
			f.apiError(w, call, 911, "Keyboard format is invalid: invalid json")
			return
		}
		if msg := vkCheckKeyboard(kb); msg != "" {
			f.apiError(w, call, 911, "Keyboard format is invalid: "+msg)
			return
		}
	}
	f.mu.Lock()
	if f.blocked[peer] {
		f.mu.Unlock()
		f.apiError(w, call, 901, "Can't send messages for users without permission")
		return
	}
	if random != 0 {
		if id, ok := f.byRandom[random]; ok {
			f.mu.Unlock()
			f.respond(w, id) // VK: the same random_id is not delivered twice
			return
		}
	}
	f.nextMsgID++
	s := vkSent{PeerID: peer, RandomID: random, Message: text, Keyboard: kb, ID: f.nextMsgID, At: time.Now()}
	f.sent = append(f.sent, s)
	if random != 0 {
		f.byRandom[random] = s.ID
	}
	if f.onSend != nil {
		f.onSend(s)
	}
	if f.echo {
		f.pushLocked("message_reply", func(eventID string) []byte {
			return fixture(f.t, "vk_message_reply", map[string]any{
				"GroupID": vkGroupID, "EventID": eventID, "Date": time.Now().Unix(), "MessageID": s.ID,
				"ConversationMessageID": s.ID, "PeerID": peer, "RandomID": random, "Text": text,
			})
		})
		f.changedLocked()
	}
	f.mu.Unlock()
	f.respond(w, s.ID)
}

// vkCheckKeyboard applies VK's keyboard limits; "" when it is valid.
func vkCheckKeyboard(kb *vkKeyboard) string {
	rows, width, total := 10, 5, 40
	if kb.Inline {
		rows, total = 6, 10
	}
	if len(kb.Buttons) > rows {
		return fmt.Sprintf("too many rows (%d > %d)", len(kb.Buttons), rows)
	}
	n := 0
	for _, row := range kb.Buttons {
		if len(row) > width {
			return fmt.Sprintf("too many buttons in a row (%d > %d)", len(row), width)
		}
		for _, b := range row {
			n++
			a := b.Action
			switch a.Type {
			case "text", "callback":
				if a.Label == "" || utf8.RuneCountInString(a.Label) > 40 {
					return fmt.Sprintf("label %q must be 1 to 40 characters", a.Label)
				}
				if len(a.Payload) > 255 {
					return "payload is longer than 255 bytes"
				}
				if a.Payload != "" && !json.Valid([]byte(a.Payload)) {
					return "payload is not JSON"
				}
			case "open_link":
				if a.Link == "" {
					return "open_link without link"
				}
			default:
				return fmt.Sprintf("unknown button type %q", a.Type)
			}
		}
	}
	if n > total {
		return fmt.Sprintf("too many buttons (%d > %d)", n, total)
	}
	return ""
}

// longPoll serves a_check: the events from ts on, holding the request up
// to wait seconds while there are none.
func (f *vkFake) longPoll(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lpChecks++
	f.changedLocked()
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if q.Get("act") != "a_check" {
		_ = json.NewEncoder(w).Encode(map[string]any{"failed": 2})
		return
	}
	if q.Get("key") != vkLPKey {
		_ = json.NewEncoder(w).Encode(map[string]any{"failed": 2})
		return
	}
	ts, err := strconv.ParseInt(q.Get("ts"), 10, 64)
	f.mu.Lock()
	cur := vkTSBase + int64(len(f.events))
	if len(f.lpFail) > 0 {
		code := f.lpFail[0]
		f.lpFail = f.lpFail[1:]
		f.mu.Unlock()
		ans := map[string]any{"failed": code}
		if code == 1 {
			ans["ts"] = strconv.FormatInt(cur, 10)
		}
		_ = json.NewEncoder(w).Encode(ans)
		return
	}
	if err != nil || ts < vkTSBase || ts > cur {
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"failed": 1, "ts": strconv.FormatInt(cur, 10)})
		return
	}
	var newly []vkEvent
	if ts > f.confirmed {
		for _, e := range f.events[f.confirmed-vkTSBase : ts-vkTSBase] {
			if e.Type != "message_reply" {
				newly = append(newly, e)
			}
		}
		f.confirmed = ts
	}
	onConfirm := f.onConfirm
	f.mu.Unlock()
	if len(newly) > 0 && onConfirm != nil {
		onConfirm(newly)
	}
	wait, _ := strconv.Atoi(q.Get("wait"))
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		cur := vkTSBase + int64(len(f.events))
		var out []json.RawMessage
		for _, e := range f.events[ts-vkTSBase:] {
			out = append(out, e.Raw)
		}
		ch := f.changed
		f.mu.Unlock()
		if len(out) > 0 {
			_ = json.NewEncoder(w).Encode(map[string]any{"ts": strconv.FormatInt(cur, 10), "updates": out})
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			_ = json.NewEncoder(w).Encode(map[string]any{"ts": strconv.FormatInt(cur, 10), "updates": []any{}})
			return
		case <-r.Context().Done():
			return
		}
	}
}

// ---------------------------------------------------------------------------
// Events a customer produces.

// vkText is a message from user (a private dialog: peer_id = user id).
func vkText(t testing.TB, user int64, cmid int64, text, payload, secret string) func(eventID string) []byte {
	return func(eventID string) []byte {
		return fixture(t, "vk_message_new", map[string]any{
			"GroupID": vkGroupID, "EventID": eventID, "Date": time.Now().Unix(), "UserID": user,
			"MessageID": cmid + 100000, "ConversationMessageID": cmid, "Text": text, "Payload": payload, "Secret": secret,
		})
	}
}

// vkPress is user pressing a callback button whose payload (JSON) is
// payload.
func vkPress(t testing.TB, user int64, cmid int64, payload, secret string) func(eventID string) []byte {
	return func(eventID string) []byte {
		return fixture(t, "vk_message_event", map[string]any{
			"GroupID": vkGroupID, "EventID": eventID, "UserID": user, "CallbackEventID": "b" + eventID[:12],
			"Payload": payload, "ConversationMessageID": cmid, "Secret": secret,
		})
	}
}

// vkAdminReply is a community admin (user id admin) writing to peer in VK's
// own community messages screen: VK reports it as message_reply with
// admin_author_id and random_id 0 (the bot's own messages.send carry no
// admin_author_id and the random_id the bot chose).
func vkAdminReply(t testing.TB, peer, admin, cmid int64, text string) func(eventID string) []byte {
	return func(eventID string) []byte {
		return fixture(t, "vk_message_reply", map[string]any{
			"GroupID": vkGroupID, "EventID": eventID, "Date": time.Now().Unix(), "MessageID": cmid + 200000,
			"ConversationMessageID": cmid, "PeerID": peer, "RandomID": 0, "Text": text, "AdminAuthorID": admin,
		})
	}
}
