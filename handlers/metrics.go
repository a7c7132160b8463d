package handlers

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics exported on /metrics. They are package-level because the process
// runs one router; tests read them with prometheus/testutil.
var (
	// MessagesIn counts incoming events by platform and decision
	// (answer, clarify, handoff, fallback, smalltalk, relay, button, media, ignored).
	MessagesIn = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "supportbot_messages_in_total",
		Help: "Incoming customer and operator events by platform and decision.",
	}, []string{"platform", "decision"})
	// MessagesOut counts replies delivered by platform.
	MessagesOut = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "supportbot_messages_out_total",
		Help: "Replies delivered to the platform.",
	}, []string{"platform"})
	// Handoffs counts conversations handed to a person by reason.
	Handoffs = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "supportbot_handoffs_total",
		Help: "Conversations handed off to a person, by reason.",
	}, []string{"reason"})
	// SendErrors counts failed send attempts by platform and kind
	// (retry, blocked, permanent).
	SendErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "supportbot_send_errors_total",
		Help: "Failed send attempts by platform and kind (retry, blocked, permanent).",
	}, []string{"platform", "kind"})
	// SendRetries counts send attempts after the first one.
	SendRetries = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "supportbot_send_retries_total",
		Help: "Send attempts after the first, by platform.",
	}, []string{"platform"})
	// MatchSeconds observes the matcher's latency.
	MatchSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "supportbot_match_seconds",
		Help:    "Time to match one customer message against the FAQ.",
		Buckets: []float64{5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.01},
	})
)
