package storage

import (
	"context"
	"sync"
)

// Group commit: small writes that arrive at the same time from different
// goroutines (adapters storing events, the sender marking replies sent)
// share one transaction, and so one commit, instead of queueing for the
// single write connection one by one. Each caller still returns only after
// the transaction holding its write is committed.
//
// The first caller to find no transaction running leads: it takes every
// write waiting, runs them in one transaction and commits; calls arriving
// meanwhile wait, and when the round is over the oldest of them leads the
// next round. Nobody waits for more than the round in flight and its own.

// writeGroup is the waiting room of grouped writes.
type writeGroup struct {
	mu      sync.Mutex
	pending []*groupCall
	leading bool // a round is running or about to
}

// groupCall is one grouped write.
type groupCall struct {
	fn   func(ctx context.Context, tx *Tx) error
	err  error
	done bool
	// wake is signalled once: the call is done, or it leads the next round.
	wake chan struct{}
}

// grouped runs fn in a write transaction that may hold other grouped writes
// too, and returns fn's error, or the commit's. fn must make no change when
// it fails (a savepoint takes back several), since the transaction is
// committed with the other calls' writes whatever fn returns; it must not
// panic. fn gets a
// context that is not canceled (a caller giving up must not interrupt the
// others' transaction); a caller whose ctx is done before it joins a round
// returns ctx.Err().
func (db *DB) grouped(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &groupCall{fn: fn, wake: make(chan struct{}, 1)}
	g := &db.group
	g.mu.Lock()
	g.pending = append(g.pending, c)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		<-c.wake
	}
	if !c.done {
		db.groupRound(ctx)
	}
	return c.err
}

// groupRound runs the waiting writes in one transaction, then hands the
// lead to the oldest write that arrived meanwhile.
func (db *DB) groupRound(ctx context.Context) {
	g := &db.group
	g.mu.Lock()
	calls := g.pending
	g.pending = nil
	g.mu.Unlock()

	var errs []error
	ctx = context.WithoutCancel(ctx)
	err := db.Update(ctx, func(tx *Tx) error {
		errs = make([]error, len(calls))
		for i, c := range calls {
			errs[i] = c.fn(ctx, tx)
		}
		return nil
	})
	for i, c := range calls {
		c.err = err
		if err == nil {
			c.err = errs[i]
		}
		c.done = true
	}

	g.mu.Lock()
	var next *groupCall
	if len(g.pending) > 0 {
		next = g.pending[0]
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	// The leader's own call is among calls; it is not waiting on wake.
	for _, c := range calls {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	if next != nil {
		next.wake <- struct{}{}
	}
}
