package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supportbot/supportbot/handlers"
	"github.com/supportbot/supportbot/storage"
)

type fakeOpsDB struct {
	writeErr error
	queue    storage.Queue
	queueErr error
}

func (f *fakeOpsDB) Writable(ctx context.Context) error { return f.writeErr }
func (f *fakeOpsDB) QueueGauge(ctx context.Context) (storage.Queue, error) {
	return f.queue, f.queueErr
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestHealthReady(t *testing.T) {
	for _, c := range []struct {
		name     string
		db       *fakeOpsDB
		ready    func() error
		code     int
		contains string
	}{
		{"all well", &fakeOpsDB{}, func() error { return nil }, 200, "ready"},
		{"no channels to wait for", &fakeOpsDB{}, nil, 200, "ready"},
		{"read-only database", &fakeOpsDB{writeErr: errors.New("attempt to write a readonly database")}, nil, 503, "not ready: database: attempt to write a readonly database"},
		{"channel down", &fakeOpsDB{}, func() error { return errors.New("telegram: not connected yet") }, 503, "not ready: telegram: not connected yet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mux := newOpsMux(c.db, c.ready)
			code, body := get(t, mux, "/readyz")
			if code != c.code || !strings.Contains(body, c.contains) {
				t.Errorf("/readyz = %d %q, want %d %q", code, body, c.code, c.contains)
			}
			if code, body := get(t, mux, "/healthz"); code != 200 || body != "ok\n" {
				t.Errorf("/healthz = %d %q, want 200 ok even when not ready", code, body)
			}
		})
	}
}

// The real database: writable when open, not once closed.
func TestHealthReadyDatabase(t *testing.T) {
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "ready.db"))
	if err != nil {
		t.Fatal(err)
	}
	mux := newOpsMux(db, nil)
	if code, body := get(t, mux, "/readyz"); code != 200 {
		t.Errorf("/readyz on an open database = %d %q", code, body)
	}
	db.Close()
	if code, body := get(t, mux, "/readyz"); code != 503 || !strings.Contains(body, "database") {
		t.Errorf("/readyz on a closed database = %d %q", code, body)
	}
}

func TestHealthMetrics(t *testing.T) {
	now := time.Date(2026, 11, 8, 12, 0, 0, 0, time.UTC)
	db := &fakeOpsDB{queue: storage.Queue{Waiting: 3, Oldest: now.Add(-90 * time.Second)}}
	c := newQueueCollector(db, func() time.Time { return now })
	if err := prometheus.Register(c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prometheus.Unregister(c) })
	// Vectors appear on /metrics once they have a child.
	handlers.MessagesIn.WithLabelValues("telegram", "answer").Add(0)
	handlers.MessagesOut.WithLabelValues("telegram").Add(0)
	handlers.Handoffs.WithLabelValues("request").Add(0)
	handlers.SendErrors.WithLabelValues("telegram", "retry").Add(0)
	handlers.SendRetries.WithLabelValues("telegram").Add(0)

	mux := newOpsMux(db, nil)
	code, body := get(t, mux, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d\n%s", code, body)
	}
	for _, want := range []string{
		"supportbot_queue_length 3",
		"supportbot_queue_oldest_wait_seconds 90",
		"supportbot_messages_in_total{decision=\"answer\",platform=\"telegram\"}",
		"supportbot_messages_out_total",
		"supportbot_handoffs_total",
		"supportbot_send_errors_total",
		"supportbot_send_retries_total",
		"supportbot_match_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// An empty queue waits 0 s; a failing query leaves the gauges out of
	// the scrape but the rest is served.
	db.queue = storage.Queue{}
	if _, body := get(t, mux, "/metrics"); !strings.Contains(body, "supportbot_queue_length 0\n") || !strings.Contains(body, "supportbot_queue_oldest_wait_seconds 0\n") {
		t.Errorf("empty queue: /metrics lacks length 0 and oldest wait 0")
	}
	db.queueErr = errors.New("database is locked")
	code, body = get(t, mux, "/metrics")
	if code != 200 || strings.Contains(body, "supportbot_queue_length") || !strings.Contains(body, "supportbot_match_seconds") {
		t.Errorf("/metrics with a failing queue query = %d, queue gauge present: %v", code, strings.Contains(body, "supportbot_queue_length"))
	}
}

// registerQueueMetrics registers in the default registry; twice is an error
// the caller sees.
func TestHealthRegisterQueueMetrics(t *testing.T) {
	db := &fakeOpsDB{}
	if err := registerQueueMetrics(db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prometheus.Unregister(newQueueCollector(db, time.Now)) })
	if err := registerQueueMetrics(db); err == nil {
		t.Error("registering twice is not an error")
	}
}
