package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/supportbot/supportbot/storage"
)

// writableDB is what /readyz asks the database: *storage.DB implements it
// with a write transaction that it rolls back.
type writableDB interface {
	Writable(ctx context.Context) error
}

// queueSource is what the queue gauges read: *storage.DB implements it.
type queueSource interface {
	QueueGauge(ctx context.Context) (storage.Queue, error)
}

// opsTimeout bounds one readiness check or one queue query of a scrape.
const opsTimeout = 3 * time.Second

// newOpsMux serves the operational endpoints, to be mounted on the HTTP
// server of SUPPORTBOT_LISTEN next to the webhooks:
//
//	/healthz  200 "ok" while the process serves HTTP
//	/readyz   200 "ready" when the database takes writes and ready() returns
//	          nil (channels connected); 503 and the reason otherwise
//	/metrics  Prometheus text format, from the default registry
//
// ready may be nil (no channel to wait for).
func newOpsMux(db writableDB, ready func() error) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthHandler())
	mux.Handle("GET /readyz", readyHandler(db, ready))
	mux.Handle("GET /metrics", metricsHandler(prometheus.DefaultRegisterer, prometheus.DefaultGatherer))
	return mux
}

// healthHandler answers 200 "ok": the process is alive and serving.
func healthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, "ok")
	})
}

// readyHandler answers 200 "ready" when the database takes a write and
// ready reports the channels connected, and 503 with the first reason
// otherwise.
func readyHandler(db writableDB, ready func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(r.Context(), opsTimeout)
		defer cancel()
		if err := db.Writable(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: database: %v\n", err)
			return
		}
		if ready != nil {
			if err := ready(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, "not ready: %v\n", err)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
}

// metricsHandler serves the gatherer's metrics; a collector that fails (the
// queue gauges when the database is locked) is left out of that scrape
// instead of failing it.
func metricsHandler(reg prometheus.Registerer, g prometheus.Gatherer) http.Handler {
	return promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
	}))
}

// registerQueueMetrics registers, in the default registry, the gauges of the
// handoff queue that each scrape reads from the database:
// supportbot_queue_length and supportbot_queue_oldest_wait_seconds.
func registerQueueMetrics(db queueSource) error {
	return prometheus.Register(newQueueCollector(db, time.Now))
}

// queueCollector reads the queue once per scrape for both gauges.
type queueCollector struct {
	db             queueSource
	now            func() time.Time
	length, oldest *prometheus.Desc
}

func newQueueCollector(db queueSource, now func() time.Time) *queueCollector {
	return &queueCollector{
		db:  db,
		now: now,
		length: prometheus.NewDesc("supportbot_queue_length",
			"Handed-off conversations waiting for an operator.", nil, nil),
		oldest: prometheus.NewDesc("supportbot_queue_oldest_wait_seconds",
			"How long the longest-waiting conversation in the queue has waited; 0 when the queue is empty.", nil, nil),
	}
}

// Describe sends the two gauges' descriptions.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.length
	ch <- c.oldest
}

// Collect queries the queue and sends both gauges, or an invalid metric
// carrying the error.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), opsTimeout)
	defer cancel()
	q, err := c.db.QueueGauge(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.length, err)
		ch <- prometheus.NewInvalidMetric(c.oldest, err)
		return
	}
	wait := 0.0
	if q.Waiting > 0 && !q.Oldest.IsZero() {
		wait = max(c.now().Sub(q.Oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.length, prometheus.GaugeValue, float64(q.Waiting))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, wait)
}
