package handlers

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/supportbot/supportbot/storage"
)

// Run processes the inbox and delivers the outbox until ctx is done, then
// lets the work in flight finish (a few seconds at most) and returns nil. On
// start it picks up the events and replies a previous run left behind. It
// returns an error only when the database fails at start.
func (r *Router) Run(ctx context.Context) error {
	startMax, err := r.db.LastInboxID(ctx)
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	// Work in flight outlives ctx by at most shutdownGrace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	var wg sync.WaitGroup
	queues := make([]chan *event, r.workers)
	for i := range queues {
		queues[i] = make(chan *event, 64)
		wg.Add(1)
		go func(q chan *event) {
			defer wg.Done()
			for ev := range q {
				if ctx.Err() != nil {
					continue // left for the next start
				}
				r.processSafe(work, ev, ev.ID <= startMax)
			}
		}(queues[i])
	}
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		r.runSender(ctx, work)
	}()
	maintDone := make(chan struct{})
	go func() {
		defer close(maintDone)
		r.runMaintenance(ctx, work)
	}()

	r.dispatch(ctx, queues)

	for _, q := range queues {
		close(q)
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		<-senderDone
		<-maintDone
		close(done)
	}()
	t := time.NewTimer(r.shutdownGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		r.log.Warn("router: work still in flight at shutdown; it is picked up again at the next start")
		cancelWork()
		<-done
	}
	return nil
}

// dispatch reads new inbox events in id order and hands each to the worker
// of its conversation until ctx is done.
func (r *Router) dispatch(ctx context.Context, queues []chan *event) {
	var last int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		evs, err := r.pendingInbox(ctx, last, 256)
		if err != nil && ctx.Err() == nil {
			r.log.Error("router: read inbox", "err", err)
		}
		for _, ev := range evs {
			q := queues[shard(ev.Message.Platform, ev.Message.ChatID, ev.Message.ThreadID, len(queues))]
			select {
			case q <- ev:
				last = ev.ID
			case <-ctx.Done():
				return
			}
		}
		if len(evs) == 256 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wakeIn:
		case <-tick.C:
		}
	}
}

// shard picks the worker of a conversation (a desk topic counts as its own).
func shard[P ~string](p P, chat, thread string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(p))
	h.Write([]byte{0})
	h.Write([]byte(chat))
	h.Write([]byte{0})
	h.Write([]byte(thread))
	return int(h.Sum32() % uint32(n))
}

// processSafe processes ev, retrying a database failure a few times; a
// panic or an error that persists marks the event failed so the process
// keeps serving and does not loop on it. recovered events (left by an
// earlier run) count an attempt first.
func (r *Router) processSafe(ctx context.Context, ev *event, recovered bool) {
	defer r.progress.broadcast()
	log := r.log.With("event", ev.ID, "platform", ev.Message.Platform, "chat", ev.Message.ChatID)
	if recovered {
		ok, err := r.db.StartAttempt(ctx, ev.ID, r.recoverAttempt)
		if err != nil {
			log.Error("router: count attempt", "err", err)
			return
		}
		if !ok {
			log.Error("router: gave up on an event that was interrupted too many times")
			return
		}
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt*attempt) * 100 * time.Millisecond):
			case <-ctx.Done():
				return
			}
		}
		var panicked bool
		panicked, err = r.processRecover(ctx, ev, log)
		if panicked || err == nil || ctx.Err() != nil {
			return
		}
		if errors.Is(err, storage.ErrState) { // processed by someone else
			return
		}
		log.Warn("router: processing failed, retrying", "err", err, "attempt", attempt+1)
	}
	log.Error("router: processing failed, event set aside", "err", err)
	if ferr := r.failEvent(ctx, ev, err.Error()); ferr != nil {
		log.Error("router: mark event failed", "err", ferr)
	}
}

// processRecover runs process and turns a panic into a failed event.
func (r *Router) processRecover(ctx context.Context, ev *event, log *slog.Logger) (panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			log.Error("router: panic while processing an event", "panic", p, "stack", string(debug.Stack()))
			MessagesIn.WithLabelValues(string(ev.Message.Platform), "error").Inc()
			if ferr := r.failEvent(ctx, ev, fmt.Sprintf("panic: %v", p)); ferr != nil {
				log.Error("router: mark event failed", "err", ferr)
			}
		}
	}()
	return false, r.process(ctx, ev)
}

// process decides what ev means and records everything it leads to in one
// transaction that also marks it processed.
func (r *Router) process(ctx context.Context, ev *event) error {
	kb := r.kb.Load()
	var t *turn
	err := r.db.Update(ctx, func(tx *storage.Tx) error {
		if r.beforeTurn != nil {
			r.beforeTurn(ev.Message)
		}
		t = &turn{r: r, tx: tx, kb: kb, ev: ev, m: ev.Message, desk: r.getDesk()}
		if err := t.run(ctx); err != nil {
			return err
		}
		if err := t.ack(ctx); err != nil {
			return err
		}
		return tx.MarkProcessed(ctx, ev.ID)
	})
	if err != nil {
		return err
	}
	t.committed()
	t.deskCommitted()
	if t.replies > 0 {
		r.wake(r.wakeOut)
	}
	return nil
}

// failEvent sets ev aside with msg as its error and, in the same
// transaction, acknowledges it if it is a button press, so the customer's
// or operator's client does not keep showing the press as pending.
func (r *Router) failEvent(ctx context.Context, ev *event, msg string) error {
	return r.db.Update(ctx, func(tx *storage.Tx) error {
		failed, err := tx.FailInbox(ctx, ev.ID, msg)
		if err != nil || !failed || ev.Message.CallbackID == "" {
			return err
		}
		_, err = addReply(ctx, tx, 0, ev.ID, ackReply(ev.Message))
		if err == nil {
			r.wake(r.wakeOut)
		}
		return err
	})
}
