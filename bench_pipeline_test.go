package main

// BenchmarkPipeline runs the whole pipeline in one process: updates come in
// through getUpdates from a fake Bot API on loopback (e2e_tgfake_test.go),
// the bot/telegram adapter hands them to handlers.Router, which stores
// them in a WAL SQLite file, decides, writes the reply to the outbox and
// sends it with sendMessage back to the fake.
//
//	go test -run x -bench Pipeline .
//
// flood: every message is available at once; messages/s is the pipeline's
// throughput. rate=N: messages arrive at N a second (below capacity);
// p50-ms and p99-ms are the added latency, from the update being available
// to the fake until its sendMessage arrives. rss-MB is the process's peak
// resident set (VmHWM), fake included.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot/telegram"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/handlers"
	"github.com/supportbot/supportbot/storage"
)

const benchChats = 1000

func BenchmarkPipeline(b *testing.B) {
	b.Run("flood", func(b *testing.B) { benchPipeline(b, 0) })
	b.Run("rate=1000", func(b *testing.B) { benchPipeline(b, 1000) })
	b.Run("rate=2000", func(b *testing.B) { benchPipeline(b, 2000) })
}

// benchPipeline sends b.N messages from benchChats customers, all at once
// (rate 0) or rate a second, and waits for every answer.
func benchPipeline(b *testing.B, rate int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	f, err := faq.Load(e2eFAQPath)
	if err != nil {
		b.Fatal(err)
	}
	const question = "Где мой заказ?"
	if d := faq.NewMatcher(f).Match(question); d.Action != faq.Answer {
		b.Fatalf("%q is not answered (%s)", question, d.Action)
	}
	db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	fake := newTGFake(b)
	fake.lean = true
	var (
		mu      sync.Mutex
		pending = map[string][]time.Time{} // per chat, when its unanswered updates were made available
		lat     []time.Duration
		answers int
		allDone = make(chan struct{})
		want    int
	)
	fake.onSend = func(s tgSent) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		q := pending[s.ChatID]
		if len(q) == 0 {
			b.Errorf("a reply to chat %s that asked nothing", s.ChatID)
			return
		}
		lat = append(lat, now.Sub(q[0]))
		pending[s.ChatID] = q[1:]
		answers++
		if answers == want {
			close(allDone)
		}
	}

	tg, err := telegram.New(tgToken,
		telegram.WithServerURL(fake.URL()),
		telegram.WithLimits(telegram.NoLimits()),
		telegram.WithLogger(quiet),
		telegram.WithPollTimeout(10*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	if err := tg.Check(ctx); err != nil {
		b.Fatal(err)
	}
	router := handlers.NewRouter(db, f, handlers.WithLogger(quiet))
	router.AddChannel(tg)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = router.Run(ctx) }()
	go func() { defer wg.Done(); _ = tg.Poll(ctx, router) }()
	defer wg.Wait()
	defer cancel()

	text := strconv.Quote(question) // JSON-compatible for this text
	mk := func(chat int64) func(id int64) []byte {
		return func(id int64) []byte {
			return fmt.Appendf(nil, `{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"Ирина"},"chat":{"id":%d,"first_name":"Ирина","type":"private"},"date":%d,"text":%s}}`,
				id, id, chat, chat, time.Now().Unix(), text)
		}
	}
	push := func(from, to int) {
		batch := make([]func(int64) []byte, 0, to-from)
		now := time.Now()
		mu.Lock()
		for i := from; i < to; i++ {
			chat := int64(100000 + i%benchChats)
			pending[strconv.FormatInt(chat, 10)] = append(pending[strconv.FormatInt(chat, 10)], now)
			batch = append(batch, mk(chat))
		}
		mu.Unlock()
		fake.push(batch...)
	}

	// Warm up: every chat has a conversation, the matcher and the
	// connections are hot.
	mu.Lock()
	want = benchChats
	mu.Unlock()
	push(0, benchChats)
	select {
	case <-allDone:
	case <-time.After(60 * time.Second):
		b.Fatalf("warm-up: %d of %d answers", answers, benchChats)
	}
	mu.Lock()
	lat, answers, want, allDone = nil, 0, b.N, make(chan struct{})
	done := allDone
	mu.Unlock()

	b.ResetTimer()
	start := time.Now()
	if rate <= 0 {
		push(0, b.N)
	} else {
		// Open loop: every tick adds what is due since start.
		const tick = 5 * time.Millisecond
		sent := 0
		for sent < b.N {
			due := min(int(time.Since(start).Seconds()*float64(rate))+1, b.N)
			if due > sent {
				push(sent, due)
				sent = due
			}
			time.Sleep(tick)
		}
	}
	select {
	case <-done:
	case <-time.After(time.Duration(b.N/100+60) * time.Second):
		b.Fatalf("%d of %d answers", answers, b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	mu.Lock()
	slices.Sort(lat)
	p := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(int(q*float64(len(lat))), len(lat)-1)]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "messages/s")
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	mu.Unlock()
	b.ReportMetric(vmHWM()/1024, "rss-MB")
	b.ReportMetric(0, "ns/op")
}

// vmHWM returns the process's peak resident set in kB (0 when unknown).
func vmHWM() float64 {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb
		}
	}
	return 0
}
