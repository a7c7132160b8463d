package storage

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements are cached per query text: SQLite spends more time
// compiling a statement than running one of ours.
//
// The write pool has a single connection, which a transaction holds from
// begin to commit, so a statement cannot be prepared on it from inside a
// transaction (DB.PrepareContext would wait for the connection forever). A
// transaction therefore runs a query it has no statement for as it is, notes
// it, and Update prepares the noted queries once the transaction has
// released the connection: the cache warms itself after the first use of
// each query. The read pool prepares on first use.

// maxStmts bounds each cache; queries beyond it run unprepared.
const maxStmts = 256

// stmtCache holds prepared statements by query text.
type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// prepare returns the statement of query, preparing it on pool if needed;
// nil when it cannot be prepared or the cache is full (the caller runs the
// query unprepared).
func (c *stmtCache) prepare(ctx context.Context, pool *sql.DB, query string) *sql.Stmt {
	c.mu.RLock()
	st, full := c.m[query], len(c.m) >= maxStmts
	c.mu.RUnlock()
	if st != nil || full {
		return st
	}
	// Not under the lock: preparing waits for a connection, and the write
	// connection's holder may be looking a statement up.
	st, err := pool.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have := c.m[query]; have != nil {
		st.Close() // prepared twice at once: keep the first
		return have
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

// close closes every statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txConn runs a write transaction's queries through the cache.
type txConn struct {
	tx *sql.Tx
	db *DB
	// unprepared are the queries run without a cached statement, for
	// Update to prepare after the transaction.
	unprepared []string
}

func (c *txConn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := c.db.wstmts.get(query); st != nil {
		return c.tx.StmtContext(ctx, st)
	}
	c.unprepared = append(c.unprepared, query)
	return nil
}

// ExecContext is sql.Tx.ExecContext with a cached statement.
func (c *txConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

// QueryContext is sql.Tx.QueryContext with a cached statement.
func (c *txConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx.QueryRowContext with a cached statement.
func (c *txConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}

// prepareNoted prepares the queries a finished transaction ran unprepared.
func (c *txConn) prepareNoted(ctx context.Context) {
	for _, q := range c.unprepared {
		c.db.wstmts.prepare(ctx, c.db.write, q)
	}
}

// reader runs queries on the read pool through the cache.
type reader struct {
	pool  *sql.DB
	stmts stmtCache
}

// QueryContext is sql.DB.QueryContext with a cached statement.
func (r *reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmts.prepare(ctx, r.pool, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.pool.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.DB.QueryRowContext with a cached statement.
func (r *reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmts.prepare(ctx, r.pool, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.pool.QueryRowContext(ctx, query, args...)
}
