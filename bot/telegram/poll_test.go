package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
)

// handlerFunc adapts a function to bot.Handler.
type handlerFunc func(ctx context.Context, m bot.Message) error

func (f handlerFunc) Handle(ctx context.Context, m bot.Message) error { return f(ctx, m) }

// recorder of handled messages, safe for the poll goroutine and the test.
type handled struct {
	mu   sync.Mutex
	msgs []bot.Message
}

func (h *handled) add(m bot.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, m)
}

func (h *handled) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, m := range h.msgs {
		out = append(out, m.EventID)
	}
	return out
}

// startPoll runs Poll in the background; the returned stop cancels it and
// waits for it to return, failing the test if it does not within 5s.
func startPoll(t *testing.T, tg *Telegram, h bot.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Poll(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Poll did not return within 5s of ctx cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func hasOffset(f *fakeAPI, off int64) func() bool {
	return func() bool { return slices.Contains(f.offsetsLocked(), off) }
}

func TestPollHandsTextAndConfirmsAfter(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	var got handled
	stop := startPoll(t, tg, handlerFunc(func(_ context.Context, m bot.Message) error { got.add(m); return nil }))

	f.push(readUpdate(t, "private_text"))
	f.waitUntil("the update is confirmed", hasOffset(f, 870211002))
	if err := stop(); err != nil {
		t.Fatalf("Poll returned %v on cancel; want nil", err)
	}
	if ev := got.events(); !slices.Equal(ev, []string{"870211001"}) {
		t.Fatalf("handled %v", ev)
	}
	m := got.msgs[0]
	if m.Kind != bot.KindText || m.ChatID != "111222333" || m.Text != "Где мой заказ? <b>срочно</b> & спасибо" {
		t.Errorf("message %+v", m)
	}
	// Raw is the update as Telegram sent it.
	var raw struct {
		UpdateID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw.UpdateID != 870211001 {
		t.Errorf("raw payload %s: %v", m.Raw, err)
	}
	c := f.callsTo("getUpdates")[0]
	if c.Params["allowed_updates"] != `["message","callback_query"]` || c.Params["timeout"] != "10" {
		t.Errorf("getUpdates params %v", c.Params)
	}
}

func TestPollFailingHandlerRepeatsOffset(t *testing.T) {
	f := newFake(t)
	tg, logs := f.client()
	var got handled
	var fails sync.Once
	startPoll(t, tg, handlerFunc(func(_ context.Context, m bot.Message) error {
		got.add(m)
		failed := false
		if m.EventID == "870211003" {
			fails.Do(func() { failed = true })
		}
		if failed {
			return errors.New("database is locked")
		}
		return nil
	}))

	f.push(readUpdate(t, "private_text"))
	f.waitUntil("the first update is confirmed", hasOffset(f, 870211002))
	f.push(readUpdate(t, "callback_query"))
	f.waitUntil("the second update is confirmed", hasOffset(f, 870211004))

	// After the failure the same offset was asked for again, and never a
	// higher one before the handler succeeded.
	offs := f.offsets()
	i := slices.Index(offs, 870211002)
	j := slices.Index(offs, 870211004)
	if k := slices.Index(offs[i+1:], 870211002); k < 0 || i+1+k > j {
		t.Errorf("getUpdates offsets %v: want 870211002 repeated after the failure", offs)
	}
	if ev := got.events(); !slices.Equal(ev, []string{"870211001", "870211003", "870211003"}) {
		t.Errorf("handled %v; want the failed update handled again, the first once", ev)
	}
	if !strings.Contains(logs.String(), "database is locked") {
		t.Errorf("the failure was not logged:\n%s", logs)
	}
}

func TestPollBatchConfirmsOnlyTheHandledPrefix(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	var got handled
	var fails sync.Once
	f.push(readUpdate(t, "private_text"), readUpdate(t, "start"), readUpdate(t, "sticker"))
	startPoll(t, tg, handlerFunc(func(_ context.Context, m bot.Message) error {
		got.add(m)
		failed := false
		if m.EventID == "870211002" {
			fails.Do(func() { failed = true })
		}
		if failed {
			return errors.New("disk full")
		}
		return nil
	}))
	f.waitUntil("the batch is confirmed", hasOffset(f, 870211005))
	if offs := f.offsets(); !slices.Equal(offs[:3], []int64{0, 870211002, 870211005}) {
		t.Errorf("offsets %v; want 0, then the handled prefix 870211002, then past the batch", offs)
	}
	if ev := got.events(); !slices.Equal(ev, []string{"870211001", "870211002", "870211002", "870211004"}) {
		t.Errorf("handled %v", ev)
	}
}

func TestPollBlockedHandlerConfirmsNothing(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	entered := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	blocked := false
	var early []int64
	f.onGetUpdates = func(off int64) {
		mu.Lock()
		defer mu.Unlock()
		if blocked && off > 870211001 {
			early = append(early, off)
		}
	}
	f.push(readUpdate(t, "private_text"))
	startPoll(t, tg, handlerFunc(func(ctx context.Context, m bot.Message) error {
		mu.Lock()
		blocked = true
		mu.Unlock()
		close(entered)
		<-release
		mu.Lock()
		blocked = false
		mu.Unlock()
		return nil
	}))
	<-entered
	// Give a wrong implementation (one that reads ahead while the handler
	// runs, as the SDK does) the chance to ask for the next offset. The
	// assertion is the early list, not this wait.
	time.Sleep(50 * time.Millisecond)
	close(release)
	f.waitUntil("the update is confirmed after the handler returned", hasOffset(f, 870211002))
	mu.Lock()
	defer mu.Unlock()
	if len(early) > 0 {
		t.Fatalf("getUpdates confirmed %v while the handler was still running", early)
	}
}

func TestPollSkipsMalformedAndUnhandled(t *testing.T) {
	f := newFake(t)
	tg, logs := f.client()
	var got handled
	f.push(readUpdate(t, "start"), readUpdate(t, "edited_message"), readUpdate(t, "malformed"), `{"update_id": 870211020, "my_chat_member": {}}`)
	startPoll(t, tg, handlerFunc(func(_ context.Context, m bot.Message) error { got.add(m); return nil }))
	f.waitUntil("the batch is confirmed", hasOffset(f, 870211021))
	if ev := got.events(); !slices.Equal(ev, []string{"870211002"}) {
		t.Errorf("handled %v; want only /start", ev)
	}
	if !strings.Contains(logs.String(), "malformed update") {
		t.Errorf("the malformed update was not logged:\n%s", logs)
	}
}

func TestPollRetriesServerErrors(t *testing.T) {
	f := newFake(t)
	tg, logs := f.client()
	f.fail("getUpdates", 502, `<html><body>502 Bad Gateway</body></html>`)
	f.fail("getUpdates", 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	f.fail("getUpdates", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 0","parameters":{"retry_after":0}}`)
	f.push(readUpdate(t, "start"))
	var got handled
	startPoll(t, tg, handlerFunc(func(_ context.Context, m bot.Message) error { got.add(m); return nil }))
	f.waitUntil("the update is confirmed", hasOffset(f, 870211003))
	if n := len(f.callsTo("getUpdates")); n < 5 {
		t.Errorf("%d getUpdates calls; want three failures, then the batch, then the confirmation", n)
	}
	if !strings.Contains(logs.String(), "getUpdates failed") || strings.Contains(logs.String(), testToken) {
		t.Errorf("logs: want the failures, never the token:\n%s", logs)
	}
}

func TestPollConflictWithWebhook(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	f.fail("getUpdates", 409, `{"ok":false,"error_code":409,"description":"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}`)
	err := tg.Poll(context.Background(), handlerFunc(func(context.Context, bot.Message) error { return nil }))
	if err == nil || !strings.Contains(err.Error(), "webhook is set") || strings.Contains(err.Error(), testToken) {
		t.Fatalf("Poll = %v; want one sentence about the webhook", err)
	}
}

func TestPollConflictWithAnotherInstance(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	for range 3 {
		f.fail("getUpdates", 409, `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}`)
	}
	err := tg.Poll(context.Background(), handlerFunc(func(context.Context, bot.Message) error { return nil }))
	if err == nil || !strings.Contains(err.Error(), "another process is polling") {
		t.Fatalf("Poll = %v", err)
	}
}

func TestPollRevokedToken(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	f.fail("getUpdates", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
	err := tg.Poll(context.Background(), handlerFunc(func(context.Context, bot.Message) error { return nil }))
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_TOKEN") || strings.Contains(err.Error(), testToken) {
		t.Fatalf("Poll = %v", err)
	}
}

func TestPollStopsPromptlyDuringLongPoll(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client(WithPollTimeout(50 * time.Second))
	stop := startPoll(t, tg, handlerFunc(func(context.Context, bot.Message) error { return nil }))
	f.waitUntil("a long poll is pending", func() bool { return len(f.offsetsLocked()) == 1 })
	if err := stop(); err != nil { // fails the test if it takes 5s
		t.Fatal(err)
	}
}

// batchRecorder is a bot.BatchHandler that records each HandleBatch call's
// event ids and fails the first fails calls.
type batchRecorder struct {
	mu      sync.Mutex
	fails   int
	batches [][]string
	singles int // Handle calls: there should be none
}

func (b *batchRecorder) Handle(context.Context, bot.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.singles++
	return nil
}

func (b *batchRecorder) HandleBatch(_ context.Context, ms []bot.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ids []string
	for _, m := range ms {
		if len(m.Raw) == 0 {
			return errors.New("message without raw payload")
		}
		ids = append(ids, m.EventID)
	}
	b.batches = append(b.batches, ids)
	if len(b.batches) <= b.fails {
		return errors.New("disk full")
	}
	return nil
}

func (b *batchRecorder) calls() (batches [][]string, singles int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.batches), b.singles
}

func TestPollBatchHandlerStoresBatchInOneCall(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	var h batchRecorder
	// The edited message is skipped, and confirmed with the batch.
	f.push(readUpdate(t, "private_text"), readUpdate(t, "start"), readUpdate(t, "sticker"), readUpdate(t, "edited_message"))
	startPoll(t, tg, &h)
	f.waitUntil("the batch is confirmed", hasOffset(f, 870211015))
	batches, singles := h.calls()
	if singles != 0 || len(batches) != 1 || !slices.Equal(batches[0], []string{"870211001", "870211002", "870211004"}) {
		t.Errorf("HandleBatch calls %v, Handle calls %d; want the three messages in one HandleBatch call", batches, singles)
	}
	if offs := f.offsets(); !slices.Equal(offs[:2], []int64{0, 870211015}) {
		t.Errorf("offsets %v; want 0, then past the batch", offs)
	}
}

func TestPollBatchHandlerFailureRetriesWholeBatch(t *testing.T) {
	f := newFake(t)
	tg, logs := f.client()
	h := batchRecorder{fails: 2}
	f.push(readUpdate(t, "private_text"), readUpdate(t, "start"), readUpdate(t, "sticker"))
	startPoll(t, tg, &h)
	f.waitUntil("the batch is confirmed", hasOffset(f, 870211005))
	// Nothing was confirmed before HandleBatch succeeded: the same offset
	// was asked for again after each failure, then the one past the batch.
	if offs := f.offsets(); !slices.Equal(offs[:4], []int64{0, 0, 0, 870211005}) {
		t.Errorf("offsets %v; want 0 three times, then past the batch", offs)
	}
	batches, singles := h.calls()
	want := []string{"870211001", "870211002", "870211004"}
	if singles != 0 || len(batches) != 3 || !slices.Equal(batches[0], want) || !slices.Equal(batches[1], want) || !slices.Equal(batches[2], want) {
		t.Errorf("HandleBatch calls %v, Handle calls %d; want the whole batch three times", batches, singles)
	}
	if !strings.Contains(logs.String(), "disk full") {
		t.Errorf("the failure was not logged:\n%s", logs)
	}
}
