package vk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/SevereCloud/vksdk/v2/api"

	"github.com/supportbot/supportbot/bot"
)

func TestPollTextMessage(t *testing.T) {
	f := newFake(t)
	text := testdata(t, "message_new_text.json")
	f.lp = func(_ *http.Request, q url.Values) string {
		if q.Get("ts") == "10" {
			return batch("11", text)
		}
		return ""
	}
	rec := newRecorder()
	runPoll(t, f.vk(), rec)

	got := rec.next(t)
	want := bot.Message{
		Platform:   bot.VK,
		EventID:    "a1c5c3d7e2f8b9a0c1d2e3f4a5b6c7d8e9f0a1b2",
		Kind:       bot.KindText,
		ChatID:     "123456789",
		MessageID:  "4521",
		UserID:     "123456789",
		UserName:   "Ирина Кузнецова",
		ProfileURL: "https://vk.com/id123456789",
		Text:       "Где мой заказ?",
		Time:       time.Unix(1732270000, 0).UTC(),
	}
	// Raw is the event object as VK sent it.
	var obj struct {
		Message struct {
			ID int64 `json:"id"`
		} `json:"message"`
	}
	if err := json.Unmarshal(got.Raw, &obj); err != nil || obj.Message.ID != 4521 {
		t.Errorf("raw payload %s: %v", got.Raw, err)
	}
	got.Raw = nil
	if !equalMessage(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if calls := f.callsOf("users.get"); len(calls) != 1 || calls[0].Get("user_ids") != "123456789" {
		t.Errorf("users.get calls = %v", calls)
	}
	if calls := f.callsOf("groups.getLongPollServer"); len(calls) != 1 || calls[0].Get("group_id") != "218375169" {
		t.Errorf("groups.getLongPollServer calls = %v", calls)
	}
}

func equalMessage(a, b bot.Message) bool {
	return reflect.DeepEqual(a, b)
}

// A failing Handle keeps ts where it was: the next a_check after the batch
// asks for ts "12" only once Handle returned nil for every event of it.
func TestPollNeverConfirmsBeforeHandle(t *testing.T) {
	f := newFake(t)
	text := testdata(t, "message_new_text.json")
	payload := testdata(t, "message_new_payload.json")
	f.lp = func(_ *http.Request, q url.Values) string {
		if q.Get("ts") == "10" {
			return batch("12", text, payload)
		}
		return ""
	}
	rec := newRecorder()
	var mu sync.Mutex
	var handled []string
	rec.fail = func(m bot.Message, n int) error {
		// Whenever Handle runs, VK must not have been asked for ts 12.
		for _, q := range f.lpRequests() {
			if q.Get("ts") == "12" {
				t.Errorf("ts 12 requested before the batch was handled (call %d)", n)
			}
		}
		mu.Lock()
		handled = append(handled, m.EventID)
		mu.Unlock()
		if n == 1 || n == 2 || n == 4 { // the first event fails twice, the second once
			return errors.New("database is locked")
		}
		return nil
	}
	runPoll(t, f.vk(), rec)
	rec.next(t)
	rec.next(t)
	// Wait for the poll that confirms the batch.
	for q := range f.lpReqCh {
		if q.Get("ts") == "12" {
			break
		}
	}
	want := []string{
		"a1c5c3d7e2f8b9a0c1d2e3f4a5b6c7d8e9f0a1b2", // fails
		"a1c5c3d7e2f8b9a0c1d2e3f4a5b6c7d8e9f0a1b2", // fails
		"a1c5c3d7e2f8b9a0c1d2e3f4a5b6c7d8e9f0a1b2", // stored
		"b2d6d4e8f3a9c0b1d2e3f4a5b6c7d8e9f0a1b2c3", // fails
		"b2d6d4e8f3a9c0b1d2e3f4a5b6c7d8e9f0a1b2c3", // stored
	}
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != len(want) {
		t.Fatalf("Handle calls = %v, want %v", handled, want)
	}
	for i := range want {
		if handled[i] != want[i] {
			t.Errorf("Handle call %d = %s, want %s", i+1, handled[i], want[i])
		}
	}
	var tss []string
	for _, q := range f.lpRequests() {
		tss = append(tss, q.Get("ts"))
	}
	if len(tss) < 2 || tss[0] != "10" || tss[1] != "12" {
		t.Errorf("a_check ts sequence = %v, want 10 then 12", tss)
	}
}

// failed 1 takes the new ts, failed 2 gets a new key and keeps ts, failed 3
// gets a new key and ts.
func TestPollFailedAnswers(t *testing.T) {
	f := newFake(t)
	text := testdata(t, "message_new_text.json")
	f.lpTS = "1"
	f.lp = func(_ *http.Request, q url.Values) string {
		switch key, ts := q.Get("key"), q.Get("ts"); {
		case key == "key1" && ts == "1":
			return `{"failed":1,"ts":"5"}`
		case key == "key1" && ts == "5":
			f.mu.Lock()
			f.lpTS = "9"
			f.mu.Unlock()
			return `{"failed":2}`
		case key == "key2" && ts == "5":
			return `{"failed":3}`
		case key == "key3" && ts == "9":
			return batch("10", text)
		}
		return ""
	}
	rec := newRecorder()
	runPoll(t, f.vk(), rec)
	rec.next(t)
	for q := range f.lpReqCh {
		if q.Get("ts") == "10" {
			break
		}
	}
	var got []string
	for _, q := range f.lpRequests() {
		got = append(got, q.Get("key")+"@"+q.Get("ts"))
	}
	want := []string{"key1@1", "key1@5", "key2@5", "key3@9", "key3@10"}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("a_check (key@ts) = %v, want %v first", got, want)
		}
	}
	if n := len(f.callsOf("groups.getLongPollServer")); n != 3 {
		t.Errorf("groups.getLongPollServer called %d times, want 3", n)
	}
}

func TestPollSkipsMalformedAndForeign(t *testing.T) {
	f := newFake(t)
	text := testdata(t, "message_new_text.json")
	f.lp = func(_ *http.Request, q url.Values) string {
		if q.Get("ts") == "10" {
			return batch("11",
				testdata(t, "malformed.json"),
				`{"type":"message_new","object":{"message":{"peer_id":1,"from_id":1,"text":"x"}},"group_id":1,"event_id":"other"}`,
				`"not an update"`,
				`{"type":"group_join","object":{"user_id":1,"join_type":"join"},"group_id":218375169,"event_id":"gj"}`,
				testdata(t, "message_reply_bot.json"),
				text)
		}
		return ""
	}
	rec := newRecorder()
	runPoll(t, f.vk(), rec)
	m := rec.next(t)
	if m.Text != "Где мой заказ?" {
		t.Errorf("handled %+v", m)
	}
	for q := range f.lpReqCh {
		if q.Get("ts") == "11" {
			break
		}
	}
	if n := len(rec.messages()); n != 1 {
		t.Errorf("handled %d messages, want 1: %+v", n, rec.messages())
	}
}

func TestPollStopsOnCancel(t *testing.T) {
	f := newFake(t)
	block := make(chan struct{})
	f.lp = func(r *http.Request, _ url.Values) string {
		select { // a long poll that VK holds open
		case <-r.Context().Done():
		case <-block:
		}
		return `{"ts":"10","updates":[]}`
	}
	defer close(block)
	stop := runPoll(t, f.vk(WithLongPollWait(90)), newRecorder())
	<-f.lpReqCh
	if err := stop(); err != nil {
		t.Errorf("Poll returned %v after cancel, want nil", err)
	}
}

func TestPollStopsWhileHandleKeepsFailing(t *testing.T) {
	f := newFake(t)
	f.lp = func(_ *http.Request, q url.Values) string {
		if q.Get("ts") == "10" {
			return batch("11", testdata(t, "message_new_text.json"))
		}
		return ""
	}
	rec := newRecorder()
	failing := make(chan struct{}, 100)
	rec.fail = func(bot.Message, int) error {
		failing <- struct{}{}
		return errors.New("disk full")
	}
	stop := runPoll(t, f.vk(), rec)
	<-failing
	<-failing
	if err := stop(); err != nil {
		t.Errorf("Poll = %v", err)
	}
	for _, q := range f.lpRequests() {
		if q.Get("ts") == "11" {
			t.Error("ts advanced although Handle never succeeded")
		}
	}
}

func TestPollRetriesServerErrorsAndStopsOnBadToken(t *testing.T) {
	f := newFake(t)
	f.errs["groups.getLongPollServer"] = []int{1502, 10, 6}
	f.lp = func(_ *http.Request, q url.Values) string {
		if q.Get("ts") == "10" {
			return batch("11", testdata(t, "message_new_text.json"))
		}
		return ""
	}
	rec := newRecorder()
	runPoll(t, f.vk(), rec)
	rec.next(t)
	if n := len(f.callsOf("groups.getLongPollServer")); n != 4 {
		t.Errorf("groups.getLongPollServer called %d times, want 4", n)
	}

	f2 := newFake(t)
	f2.errs["groups.getLongPollServer"] = []int{5}
	err := f2.vk().Poll(context.Background(), newRecorder())
	if err == nil || !errors.Is(err, api.ErrAuth) {
		t.Errorf("Poll with a revoked token = %v, want error 5", err)
	}
}

// The cursor resumes from the stored ts and stores each confirmed ts.
func TestPollCursor(t *testing.T) {
	f := newFake(t)
	f.lp = func(_ *http.Request, q url.Values) string {
		if q.Get("ts") == "7" {
			return batch("8", testdata(t, "message_new_text.json"))
		}
		return ""
	}
	c := &memCursor{ts: "7", saved: make(chan string, 10)}
	rec := newRecorder()
	runPoll(t, f.vk(WithCursor(c)), rec)
	rec.next(t)
	if ts := <-c.saved; ts != "8" {
		t.Errorf("saved ts %q, want 8", ts)
	}
	if q := f.lpRequests()[0]; q.Get("ts") != "7" {
		t.Errorf("first a_check ts = %q, want the stored 7", q.Get("ts"))
	}
}

type memCursor struct {
	ts    string
	saved chan string
}

func (c *memCursor) LoadCursor(context.Context) (string, error) { return c.ts, nil }
func (c *memCursor) SaveCursor(_ context.Context, ts string) error {
	c.saved <- ts
	return nil
}

func TestPollReportsConnectedBeforeFirstCheck(t *testing.T) {
	f := newFake(t)
	connected := make(chan struct{})
	var checksBefore atomic.Int32
	var isConnected atomic.Bool
	f.lp = func(_ *http.Request, q url.Values) string {
		if !isConnected.Load() {
			checksBefore.Add(1)
		}
		return ""
	}
	v := f.vk(WithConnected(func() {
		isConnected.Store(true)
		close(connected)
	}))
	stop := runPoll(t, v, newRecorder())
	defer stop()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("Poll never reported it was connected")
	}
	if n := checksBefore.Load(); n != 0 {
		t.Errorf("%d long poll requests before Poll reported connected; want 0", n)
	}
}

// batchRecorder is a bot.BatchHandler that records each HandleBatch call's
// event ids; fail, when set, decides whether call n fails.
type batchRecorder struct {
	mu      sync.Mutex
	batches [][]string
	singles int // Handle calls: there should be none
	fail    func(n int) error
}

func (b *batchRecorder) Handle(context.Context, bot.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.singles++
	return nil
}

func (b *batchRecorder) HandleBatch(_ context.Context, ms []bot.Message) error {
	b.mu.Lock()
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.EventID)
	}
	b.batches = append(b.batches, ids)
	n, fail := len(b.batches), b.fail
	b.mu.Unlock()
	if fail != nil {
		return fail(n)
	}
	return nil
}

// TestPollBatchHandler: a bot.BatchHandler gets the batch's messages in one
// call; a failing call is retried with the whole batch, and ts advances
// only after a call returned nil.
func TestPollBatchHandler(t *testing.T) {
	for _, fails := range []int{0, 2} {
		f := newFake(t)
		f.lp = func(_ *http.Request, q url.Values) string {
			if q.Get("ts") == "10" {
				return batch("12", testdata(t, "message_new_text.json"), testdata(t, "message_new_payload.json"))
			}
			return ""
		}
		h := &batchRecorder{}
		h.fail = func(n int) error {
			for _, q := range f.lpRequests() {
				if q.Get("ts") == "12" {
					t.Errorf("fails %d: ts 12 requested before the batch was stored (call %d)", fails, n)
				}
			}
			if n <= fails {
				return errors.New("database is locked")
			}
			return nil
		}
		stop := runPoll(t, f.vk(), h)
		for q := range f.lpReqCh {
			if q.Get("ts") == "12" {
				break
			}
		}
		stop()
		h.mu.Lock()
		want := []string{"a1c5c3d7e2f8b9a0c1d2e3f4a5b6c7d8e9f0a1b2", "b2d6d4e8f3a9c0b1d2e3f4a5b6c7d8e9f0a1b2c3"}
		if h.singles != 0 || len(h.batches) != fails+1 {
			t.Errorf("fails %d: HandleBatch calls %v, Handle calls %d; want %d HandleBatch calls", fails, h.batches, h.singles, fails+1)
		}
		for i, b := range h.batches {
			if !reflect.DeepEqual(b, want) {
				t.Errorf("fails %d: HandleBatch call %d got %v, want %v", fails, i+1, b, want)
			}
		}
		h.mu.Unlock()
	}
}
