package handlers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
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
//
// The pending replies live in memory, per chat: the loop reads from the
// database only the rows added since it last looked (woken by the router,
// and every second for rows other processes add), so its cost does not grow
// with the backlog.
func (r *Router) runSender(ctx, work context.Context) {
	s := &sender{
		r:      r,
		queues: map[string][]*outItem{},
		known:  map[int64]bool{},
		busy:   map[string]bool{},
		done:   make(chan sendResult, senderParallel),
	}
	defer s.wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wakeOut:
		case res := <-s.done:
			s.finish(ctx, res)
		case <-timer.C:
		}
	drain:
		for {
			select {
			case res := <-s.done:
				s.finish(ctx, res)
			default:
				break drain
			}
		}
		if err := s.fetch(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.log.Error("sender: read outbox", "err", err)
		}
		resetTimer(timer, max(s.start(work).Sub(r.Now()), 10*time.Millisecond))
	}
}

// sender is runSender's state; only its loop touches it.
type sender struct {
	r      *Router
	queues map[string][]*outItem // pending replies per chat, in id order
	known  map[int64]bool        // ids in queues
	busy   map[string]bool       // chats a goroutine is sending to
	maxID  int64                 // highest id read
	plats  string                // the platforms maxID is for
	wg     sync.WaitGroup
	done   chan sendResult
}

// sendResult is what a chat's goroutine did: it finished (sent or gave up)
// the first n replies of the batch it was given; blocked means the recipient
// blocked the bot and their pending replies were given up.
type sendResult struct {
	key     string
	n       int
	blocked bool
	p       bot.Platform
	chat    string
}

// fetch adds the replies stored since the last look. When the set of
// platforms changes (a channel was added), it reads everything again.
func (s *sender) fetch(ctx context.Context) error {
	ps := s.r.platforms()
	slices.Sort(ps)
	key := fmt.Sprint(ps)
	if key != s.plats {
		s.plats, s.maxID = key, 0
	}
	if len(ps) == 0 {
		return nil
	}
	for {
		items, err := decodeOutbox(s.r.db.OutboxAfter(ctx, s.maxID, 1000, platformNames(ps)...))
		if err != nil {
			return err
		}
		for _, it := range items {
			s.maxID = max(s.maxID, it.ID)
			if s.known[it.ID] {
				continue
			}
			k := chatKey(it.Reply)
			s.queues[k] = append(s.queues[k], it)
			s.known[it.ID] = true
		}
		if len(items) < 1000 {
			return nil
		}
	}
}

// finish records a chat goroutine's result.
func (s *sender) finish(ctx context.Context, res sendResult) {
	delete(s.busy, res.key)
	q := s.queues[res.key]
	for _, it := range q[:res.n] {
		delete(s.known, it.ID)
	}
	q = q[res.n:]
	if res.blocked {
		// Those replies were given up in the database; read what is still
		// pending (written after that).
		for _, it := range q {
			delete(s.known, it.ID)
		}
		fresh, err := decodeOutbox(s.r.db.PendingForChat(ctx, string(res.p), res.chat))
		if err != nil {
			s.r.log.Error("sender: reread a blocked chat", "err", err)
		}
		q = q[:0]
		for _, it := range fresh {
			if it.ID <= s.maxID {
				q = append(q, it)
				s.known[it.ID] = true
			}
		}
	}
	if len(q) == 0 {
		delete(s.queues, res.key)
	} else {
		s.queues[res.key] = q
	}
}

// start sends, for every idle chat whose first reply is due, its due
// replies in a goroutine. It returns when the next reply falls due (at most
// a second away, to look for new rows).
func (s *sender) start(work context.Context) time.Time {
	now := s.r.Now()
	next := now.Add(time.Second)
	for k, q := range s.queues {
		if s.busy[k] {
			continue
		}
		n := 0
		for n < len(q) && !q[n].NextAttemptAt.After(now) {
			n++
		}
		if n == 0 {
			if q[0].NextAttemptAt.Before(next) {
				next = q[0].NextAttemptAt
			}
			continue
		}
		if len(s.busy) >= senderParallel {
			return now.Add(10 * time.Millisecond)
		}
		s.busy[k] = true
		batch := slices.Clone(q[:n])
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			res := s.r.sendChat(work, batch)
			res.key = k
			s.done <- res
			s.r.progress.broadcast()
		}()
	}
	return next
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
// that is not done with (the rest wait for it).
func (r *Router) sendChat(ctx context.Context, rows []*outItem) sendResult {
	res := sendResult{p: rows[0].Reply.Platform, chat: rows[0].Reply.ChatID}
	for _, it := range rows {
		finished, blocked := r.sendOne(ctx, it)
		if blocked {
			res.n, res.blocked = res.n+1, true
			return res
		}
		if !finished {
			return res
		}
		res.n++
	}
	return res
}

// sendOne makes one attempt at it and records the outcome: finished when it
// was sent or given up, blocked when the recipient blocked the bot. A retry
// updates it.Attempts and it.NextAttemptAt.
func (r *Router) sendOne(ctx context.Context, it *outItem) (finished, blocked bool) {
	p := it.Reply.Platform
	ch := r.channel(p)
	if ch == nil {
		return false, false
	}
	log := r.log.With("reply", it.ID, "platform", p, "chat", it.Reply.ChatID)
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	sentID, err := ch.Send(sctx, it.Reply)
	cancel()
	if err != nil && ctx.Err() != nil {
		// Cut short by shutdown: not the platform's fault, not an attempt.
		// The row stays pending for the next start.
		return false, false
	}
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
		blocked = true
		rerr = r.giveUp(rctx, it, err, true)
	case errors.As(err, &retry):
		SendErrors.WithLabelValues(string(p), "retry").Inc()
		if r.Now().Sub(it.CreatedAt) > r.maxRetryAge {
			log.Error("sender: giving up after retrying too long", "err", err, "attempts", it.Attempts+1)
			goOn = true
			rerr = r.giveUp(rctx, it, err, false)
		} else {
			at := r.Now().Add(backoff(it.Attempts, retry.After))
			log.Warn("sender: temporary failure, retrying", "err", err, "attempts", it.Attempts+1, "at", at)
			if rerr = r.db.RetryLater(rctx, it.ID, at, err.Error()); rerr == nil {
				it.Attempts, it.NextAttemptAt = it.Attempts+1, at
			}
		}
	default:
		SendErrors.WithLabelValues(string(p), "permanent").Inc()
		if it.Attempts+1 >= r.sendAttempts {
			log.Error("sender: giving up", "err", err, "attempts", it.Attempts+1)
			goOn = true
			rerr = r.giveUp(rctx, it, err, false)
		} else {
			at := r.Now().Add(backoff(it.Attempts, 0))
			log.Warn("sender: send failed, retrying", "err", err, "attempts", it.Attempts+1, "at", at)
			if rerr = r.db.RetryLater(rctx, it.ID, at, err.Error()); rerr == nil {
				it.Attempts, it.NextAttemptAt = it.Attempts+1, at
			}
		}
	}
	if rerr != nil {
		log.Error("sender: record outcome", "err", rerr)
		if errors.Is(rerr, storage.ErrState) {
			return true, blocked // someone else finished it
		}
		// Try again in a while; the row is still pending.
		it.NextAttemptAt = r.Now().Add(time.Second)
		return false, false
	}
	return goOn, blocked
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
