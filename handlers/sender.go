package handlers

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// Retry schedule of failed sends: exponential from retryBase, capped at
// retryMax, with jitter, never sooner than the platform asked.
const (
	retryBase = time.Second
	retryMax  = 5 * time.Minute
	// sendTimeout bounds one Send call.
	sendTimeout = 30 * time.Second
	// senderParallel is how many chats are sent to at once; the adapters
	// keep to their platforms' rate limits.
	senderParallel = 32
)

// runSender delivers the outbox until ctx is done, each chat's replies in
// order, different chats in parallel; sends in flight finish on work.
func (r *Router) runSender(ctx, work context.Context) {
	var (
		// busy chats have a goroutine sending; only this loop touches it, and
		// it frees a chat only after that goroutine recorded its outcomes, so
		// a fetch never sees a row that is being sent.
		busy = map[string]bool{}
		wg   sync.WaitGroup
		done = make(chan string, senderParallel)
	)
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wakeOut:
		case k := <-done:
			delete(busy, k)
		case <-timer.C:
		}
	drain:
		for {
			select {
			case k := <-done:
				delete(busy, k)
			default:
				break drain
			}
		}
		if len(busy) >= senderParallel {
			continue
		}
		items, err := r.db.PendingOutbox(ctx, 1000, r.platforms()...)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("sender: read outbox", "err", err)
			}
			resetTimer(timer, time.Second)
			continue
		}
		now := r.Now()
		next := now.Add(time.Second) // poll now and then: another process may add rows
		var order []string
		chats := map[string][]*storage.OutboxItem{}
		for _, it := range items {
			k := chatKey(it.Reply)
			if _, ok := chats[k]; !ok {
				order = append(order, k)
			}
			chats[k] = append(chats[k], it)
		}
		for _, k := range order {
			if busy[k] || len(busy) >= senderParallel {
				continue
			}
			rows := chats[k]
			n := 0
			for n < len(rows) && !rows[n].NextAttemptAt.After(now) {
				n++
			}
			if n == 0 {
				if rows[0].NextAttemptAt.Before(next) {
					next = rows[0].NextAttemptAt
				}
				continue
			}
			busy[k] = true
			wg.Add(1)
			go func(k string, rows []*storage.OutboxItem) {
				defer wg.Done()
				r.sendChat(work, rows)
				done <- k
				r.progress.broadcast()
			}(k, rows[:n])
		}
		resetTimer(timer, max(next.Sub(r.Now()), 10*time.Millisecond))
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

// chatKey identifies a chat whose replies must keep their order.
func chatKey(rp bot.Reply) string { return string(rp.Platform) + "\x00" + rp.ChatID }

// sendChat sends one chat's due replies in order and stops at the first
// failure (the rest wait for that one).
func (r *Router) sendChat(ctx context.Context, rows []*storage.OutboxItem) {
	for _, it := range rows {
		if !r.sendOne(ctx, it) {
			return
		}
	}
}

// sendOne makes one attempt at it and records the outcome; it reports
// whether the next reply of the chat may go.
func (r *Router) sendOne(ctx context.Context, it *storage.OutboxItem) bool {
	p := it.Reply.Platform
	ch := r.channel(p)
	if ch == nil {
		return false
	}
	log := r.log.With("reply", it.ID, "platform", p, "chat", it.Reply.ChatID)
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	sentID, err := ch.Send(sctx, it.Reply)
	cancel()
	if it.Attempts > 0 {
		SendRetries.WithLabelValues(string(p)).Inc()
	}
	// Recording the outcome must not be cut short by shutdown.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var (
		retry *bot.RetryError
		rerr  error
		// goOn: this reply is done with (sent or given up on its own), so the
		// chat's next reply may go.
		goOn bool
	)
	switch {
	case err == nil:
		MessagesOut.WithLabelValues(string(p)).Inc()
		rerr, goOn = r.db.MarkSent(rctx, it.ID, sentID), true
	case errors.Is(err, bot.ErrBlocked):
		SendErrors.WithLabelValues(string(p), "blocked").Inc()
		log.Info("sender: recipient blocked the bot; not retrying", "err", err)
		if rerr = r.db.GiveUp(rctx, it.ID, err.Error(), true); rerr == nil {
			rerr = r.tellDeskUndelivered(rctx, it, err)
		}
	case errors.As(err, &retry):
		SendErrors.WithLabelValues(string(p), "retry").Inc()
		if r.Now().Sub(it.CreatedAt) > r.maxRetryAge {
			log.Error("sender: giving up after retrying too long", "err", err, "attempts", it.Attempts+1)
			goOn = true
			if rerr = r.db.GiveUp(rctx, it.ID, err.Error(), false); rerr == nil {
				rerr = r.tellDeskUndelivered(rctx, it, err)
			}
		} else {
			at := r.Now().Add(backoff(it.Attempts, retry.After))
			log.Warn("sender: temporary failure, retrying", "err", err, "attempts", it.Attempts+1, "at", at)
			rerr = r.db.RetryLater(rctx, it.ID, at, err.Error())
		}
	default:
		SendErrors.WithLabelValues(string(p), "permanent").Inc()
		if it.Attempts+1 >= r.sendAttempts {
			log.Error("sender: giving up", "err", err, "attempts", it.Attempts+1)
			goOn = true
			if rerr = r.db.GiveUp(rctx, it.ID, err.Error(), false); rerr == nil {
				rerr = r.tellDeskUndelivered(rctx, it, err)
			}
		} else {
			at := r.Now().Add(backoff(it.Attempts, 0))
			log.Warn("sender: send failed, retrying", "err", err, "attempts", it.Attempts+1, "at", at)
			rerr = r.db.RetryLater(rctx, it.ID, at, err.Error())
		}
	}
	if rerr != nil {
		log.Error("sender: record outcome", "err", rerr)
		return false
	}
	return goOn
}

// backoff is the wait before attempt n+1: retryBase·2ⁿ capped at retryMax,
// the upper half of it at random (jitter), and at least after.
func backoff(attempts int, after time.Duration) time.Duration {
	d := retryMax
	if attempts < 20 {
		d = min(retryBase<<attempts, retryMax)
	}
	d = d/2 + rand.N(d/2+1)
	return max(d, after)
}
