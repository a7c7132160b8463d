package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/storage"
)

// Router is the conversation engine. Handle stores incoming events in the
// inbox; Run processes them (per conversation in order, different
// conversations concurrently), writes each decision, its transcript, the
// state change and the replies in one transaction, and delivers the replies
// through the channels.
type Router struct {
	db *storage.DB
	kb atomic.Pointer[knowledge]

	mu       sync.RWMutex
	channels map[bot.Platform]bot.Channel
	desk     Desk

	// Now returns the current time (working hours, retry schedule); tests
	// replace it before Run. Timestamps written to the database come from
	// the storage.DB's own Now.
	Now func() time.Time

	log            *slog.Logger
	workers        int
	stillWaiting   time.Duration
	adminQuiet     time.Duration
	remindAfter    time.Duration
	sendAttempts   int
	maxRetryAge    time.Duration
	shutdownGrace  time.Duration
	recoverAttempt int
	retention      time.Duration

	// dk is the operators' desk's settings and state (desk_*.go).
	dk deskState

	// beforeTurn, when set (tests), runs at the start of each event's
	// transaction.
	beforeTurn func(bot.Message)

	wakeIn   chan struct{} // a new inbox event
	wakeOut  chan struct{} // a new outbox row
	progress notifier      // something was processed or sent
}

// knowledge is one loaded FAQ with its matcher; SetFAQ swaps it whole.
type knowledge struct {
	f *faq.FAQ
	m *faq.Matcher
	// greetings are the ids of the FAQ's greeting entries (see
	// isGreetingEntry).
	greetings map[string]bool
}

// Option configures a Router.
type Option func(*Router)

// WithLogger sets the logger (slog.Default() otherwise).
func WithLogger(l *slog.Logger) Option { return func(r *Router) { r.log = l } }

// WithNow sets the clock used for working hours and retry schedules.
func WithNow(now func() time.Time) Option { return func(r *Router) { r.Now = now } }

// WithWorkers sets how many conversations are processed at once (8 by
// default). Events of one conversation are always processed in order.
func WithWorkers(n int) Option {
	return func(r *Router) {
		if n > 0 {
			r.workers = n
		}
	}
}

// WithStillWaiting sets how often at most a waiting customer who keeps
// writing is told again that they are in the queue (10 minutes by default).
func WithStillWaiting(d time.Duration) Option { return func(r *Router) { r.stillWaiting = d } }

// WithAdminQuiet sets after how long without a message from a VK admin who
// took a conversation over it returns to the bot (30 minutes by default; 0
// never).
func WithAdminQuiet(d time.Duration) Option { return func(r *Router) { r.adminQuiet = d } }

// WithReminder sets after how long a waiting conversation is reminded in the
// desk (15 minutes by default; 0 never).
func WithReminder(d time.Duration) Option { return func(r *Router) { r.remindAfter = d } }

// WithSendAttempts sets how many times a reply that fails with an error that
// is neither temporary nor "blocked" is tried before it is given up (3 by
// default). Temporary errors (*bot.RetryError) are retried until the reply is
// older than maxAge (24 hours by default).
func WithSendAttempts(n int, maxAge time.Duration) Option {
	return func(r *Router) {
		if n > 0 {
			r.sendAttempts = n
		}
		if maxAge > 0 {
			r.maxRetryAge = maxAge
		}
	}
}

// WithRetention sets how long sent (or given-up) replies and processed
// events are kept in the outbox and the inbox before the maintenance loop
// deletes them (30 days by default; 0 keeps them forever). The transcript
// of every conversation is kept whatever this says.
func WithRetention(d time.Duration) Option { return func(r *Router) { r.retention = max(d, 0) } }

// NewRouter returns a Router on db answering from f. Add channels with
// AddChannel, then call Run.
func NewRouter(db *storage.DB, f *faq.FAQ, opts ...Option) *Router {
	r := &Router{
		db:             db,
		channels:       map[bot.Platform]bot.Channel{},
		Now:            time.Now,
		log:            slog.Default(),
		workers:        8,
		stillWaiting:   10 * time.Minute,
		adminQuiet:     30 * time.Minute,
		remindAfter:    15 * time.Minute,
		sendAttempts:   3,
		maxRetryAge:    24 * time.Hour,
		shutdownGrace:  5 * time.Second,
		recoverAttempt: 3,
		retention:      30 * 24 * time.Hour,
		wakeIn:         make(chan struct{}, 1),
		wakeOut:        make(chan struct{}, 1),
	}
	r.progress.init()
	for _, o := range opts {
		o(r)
	}
	r.SetFAQ(f)
	return r
}

// SetFAQ replaces the FAQ and rebuilds the matcher. It is safe while events
// are processed: each event is decided on one FAQ, the old or the new.
func (r *Router) SetFAQ(f *faq.FAQ) {
	if f == nil {
		f = &faq.FAQ{}
	}
	kb := &knowledge{f: f, m: faq.NewMatcher(f), greetings: map[string]bool{}}
	for _, e := range f.Entries {
		if isGreetingEntry(e) {
			kb.greetings[e.ID] = true
		}
	}
	r.kb.Store(kb)
}

// FAQ returns the FAQ in use.
func (r *Router) FAQ() *faq.FAQ { return r.kb.Load().f }

// AddChannel registers ch as the way to reach its platform; a later channel
// for the same platform replaces it.
func (r *Router) AddChannel(ch bot.Channel) {
	r.mu.Lock()
	r.channels[ch.Platform()] = ch
	r.mu.Unlock()
	r.wake(r.wakeOut)
}

// SetDesk sets the operators' desk; nil means none (handoffs still queue).
func (r *Router) SetDesk(d Desk) {
	r.mu.Lock()
	r.desk = d
	r.mu.Unlock()
}

func (r *Router) getDesk() Desk {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.desk
}

func (r *Router) channel(p bot.Platform) bot.Channel {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.channels[p]
}

func (r *Router) platforms() []bot.Platform {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ps := make([]bot.Platform, 0, len(r.channels))
	for p := range r.channels {
		ps = append(ps, p)
	}
	return ps
}

// Handle stores m, with its raw payload m.Raw, in the inbox and returns once
// it is durable, so the adapter may confirm the event to its platform; an
// event stored before (same platform and event id) is accepted again and not
// processed twice. Processing happens in Run. Handle implements bot.Handler.
func (r *Router) Handle(ctx context.Context, m bot.Message) error {
	if m.Time.IsZero() {
		m.Time = r.Now()
	}
	in, err := incoming(m)
	if err == nil {
		_, _, err = r.db.PutInbox(ctx, in)
	}
	if err != nil {
		return fmt.Errorf("store incoming %s event %s: %w", m.Platform, m.EventID, err)
	}
	r.wake(r.wakeIn)
	return nil
}

// HandleBatch stores ms, each with its raw payload, in the inbox in one
// transaction and returns once they are durable, so the adapter may confirm
// the whole batch; events stored before (same platform and event id, in an
// earlier call or earlier in ms) are accepted again and not processed
// twice. On error nothing of ms is stored. HandleBatch implements
// bot.BatchHandler.
func (r *Router) HandleBatch(ctx context.Context, ms []bot.Message) error {
	ins := make([]storage.Incoming, 0, len(ms))
	for _, m := range ms {
		if m.Time.IsZero() {
			m.Time = r.Now()
		}
		in, err := incoming(m)
		if err != nil {
			return fmt.Errorf("store incoming %s event %s: %w", m.Platform, m.EventID, err)
		}
		ins = append(ins, in)
	}
	if len(ins) == 0 {
		return nil
	}
	if _, err := r.db.PutInboxBatch(ctx, ins); err != nil {
		return fmt.Errorf("store %d incoming events: %w", len(ins), err)
	}
	r.wake(r.wakeIn)
	return nil
}

var (
	_ bot.Handler      = (*Router)(nil)
	_ bot.BatchHandler = (*Router)(nil)
)

func (r *Router) wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Wait blocks until every stored event is processed and every reply due to a
// platform that has a channel is sent or given up (replies waiting for a
// later retry do not count), or ctx is done. It needs Run running.
func (r *Router) Wait(ctx context.Context) error {
	for {
		changed := r.progress.wait()
		in, out, err := r.db.Backlog(ctx, platformNames(r.platforms())...)
		if err != nil {
			return err
		}
		if in == 0 && out == 0 {
			return nil
		}
		t := time.NewTimer(250 * time.Millisecond) // in case a change slipped by
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
	}
}

// notifier wakes every waiter when something changed.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) init() { n.ch = make(chan struct{}) }

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	close(n.ch)
	n.ch = make(chan struct{})
	n.mu.Unlock()
}
