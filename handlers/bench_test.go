package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// latencyChannel counts replies and the time from each chat's n-th message
// to its n-th reply.
type latencyChannel struct {
	mu      sync.Mutex
	handled map[string][]time.Time
	lat     []time.Duration
	n       map[string]int
	all     chan struct{}
	want    int
}

func (c *latencyChannel) Platform() bot.Platform { return bot.Telegram }

func (c *latencyChannel) Send(ctx context.Context, r bot.Reply) (string, error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.n[r.ChatID]
	c.n[r.ChatID]++
	if i < len(c.handled[r.ChatID]) {
		c.lat = append(c.lat, now.Sub(c.handled[r.ChatID][i]))
	}
	if len(c.lat) == c.want {
		close(c.all)
	}
	return "1", nil
}

// BenchmarkRouter pushes b.N customer messages (100 chats, 8 goroutines
// calling Handle as adapters do) through the whole pipeline: inbox, matcher,
// decision transaction, outbox, sender, on a real WAL SQLite file. It
// reports messages/s and the p50/p99 time from Handle to Send: with every
// message sent at once (the latency is then mostly the backlog), and paced
// at about 1,000 and 2,000 messages/s (the latency one message sees at the
// rate issue 3 targets).
func BenchmarkRouter(b *testing.B) {
	for _, tc := range []struct {
		kind string
		pace time.Duration // between two messages of one sender; 0 is as fast as possible
	}{{"text", 0}, {"button", 0}, {"text-paced-1000/s", 8 * time.Millisecond}, {"text-paced-2000/s", 4 * time.Millisecond}} {
		kind, _, _ := strings.Cut(tc.kind, "-paced")
		b.Run(tc.kind, func(b *testing.B) {
			ctx := context.Background()
			db, err := storage.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			f, err := faq.Load("testdata/faq.yaml")
			if err != nil {
				b.Fatal(err)
			}
			r := NewRouter(db, f, WithLogger(slog.New(slog.NewTextHandler(benchLog(), &slog.HandlerOptions{Level: slog.LevelWarn}))))
			ch := &latencyChannel{handled: map[string][]time.Time{}, n: map[string]int{}, all: make(chan struct{}), want: b.N}
			r.AddChannel(ch)
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- r.Run(runCtx) }()
			defer func() { stop(); <-done }()

			questions := []string{"как вернуть товар", "доставка", "можно ли оплатить картой", "спасибо"}
			buttons := []string{"entry:returns", "entry:delivery", "entry:payment", "entry:thanks"}
			const chats, senders = 100, 8
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for s := 0; s < senders; s++ {
				wg.Add(1)
				go func(s int) {
					defer wg.Done()
					// One goroutine per chat keeps a chat's messages in order.
					for i := 0; i < b.N; i++ {
						if i%chats%senders != s {
							continue
						}
						chat := fmt.Sprint(i % chats)
						m := bot.Message{Platform: bot.Telegram, EventID: fmt.Sprint(i), ChatID: chat, UserID: chat, Kind: bot.KindText, Text: questions[i/chats%len(questions)]}
						if kind == "button" {
							m.Kind, m.Payload = bot.KindButton, buttons[i/chats%len(buttons)]
						}
						ch.mu.Lock()
						ch.handled[chat] = append(ch.handled[chat], time.Now())
						ch.mu.Unlock()
						if err := r.Handle(ctx, m); err != nil {
							b.Error(err)
							return
						}
						if tc.pace > 0 {
							time.Sleep(tc.pace)
						}
					}
				}(s)
			}
			wg.Wait()
			select {
			case <-ch.all:
			case <-time.After(time.Minute + time.Duration(b.N)*time.Millisecond):
				b.Fatalf("only %d of %d replies", len(ch.lat), b.N)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			sort.Slice(ch.lat, func(i, j int) bool { return ch.lat[i] < ch.lat[j] })
			b.ReportMetric(float64(ch.lat[len(ch.lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(ch.lat[len(ch.lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// benchLog is where benchmark routers log: nowhere, unless
// SUPPORTBOT_BENCH_LOG is set.
func benchLog() io.Writer {
	if os.Getenv("SUPPORTBOT_BENCH_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
