package faq

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// maxCached bounds each boundedCache: past it, new keys are computed every
// time (the cache keeps the words that came first, which are the common
// ones).
const maxCached = 1 << 16

// boundedCache is a concurrent map that stops growing at maxCached keys.
type boundedCache[V any] struct {
	m sync.Map
	n atomic.Int64
}

func (c *boundedCache[V]) get(k string) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

func (c *boundedCache[V]) put(k string, v V) {
	if c.n.Load() >= maxCached {
		return
	}
	if _, loaded := c.m.LoadOrStore(k, v); !loaded {
		c.n.Add(1)
	}
}

func bits64TrailingZeros(b uint64) int { return bits.TrailingZeros64(b) }

// stemCache remembers the stems of words (with their script) across
// matchers: Snowball costs about a microsecond a word.
var stemCache [3]boundedCache[string]
