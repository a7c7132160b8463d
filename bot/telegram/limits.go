package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/supportbot/supportbot/bot"
)

// Limits are the send rates the adapter keeps to so that Telegram does not
// answer 429: about 30 messages a second overall, one a second per private
// chat, twenty a minute per group. Every message (each part of a split text,
// each media) waits for a token of its chat and then of the whole bot.
type Limits struct {
	Global        rate.Limit
	GlobalBurst   int
	PerChat       rate.Limit
	PerChatBurst  int
	PerGroup      rate.Limit
	PerGroupBurst int
}

// DefaultLimits are Telegram's published limits, with small bursts.
func DefaultLimits() Limits {
	return Limits{
		Global: 30, GlobalBurst: 30,
		PerChat: 1, PerChatBurst: 3,
		PerGroup: rate.Every(3 * time.Second), PerGroupBurst: 5,
	}
}

// NoLimits lets every send through at once (tests, a local Bot API server).
func NoLimits() Limits {
	return Limits{Global: rate.Inf, PerChat: rate.Inf, PerGroup: rate.Inf}
}

type limiter struct {
	l      Limits
	global *rate.Limiter

	mu    sync.Mutex
	chats map[string]*rate.Limiter
	sweep time.Time
}

func newLimiter(l Limits) *limiter {
	for _, b := range []*int{&l.GlobalBurst, &l.PerChatBurst, &l.PerGroupBurst} {
		if *b < 1 {
			*b = 1
		}
	}
	return &limiter{l: l, global: rate.NewLimiter(l.Global, l.GlobalBurst), chats: map[string]*rate.Limiter{}}
}

func (lm *limiter) chat(chatID string) *rate.Limiter {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	now := time.Now()
	if now.Sub(lm.sweep) > time.Minute {
		// Forget chats whose bucket is full again: a new limiter is the same.
		for id, cl := range lm.chats {
			if cl.TokensAt(now) >= float64(cl.Burst()) {
				delete(lm.chats, id)
			}
		}
		lm.sweep = now
	}
	cl := lm.chats[chatID]
	if cl == nil {
		if strings.HasPrefix(chatID, "-") { // groups and supergroups
			cl = rate.NewLimiter(lm.l.PerGroup, lm.l.PerGroupBurst)
		} else {
			cl = rate.NewLimiter(lm.l.PerChat, lm.l.PerChatBurst)
		}
		lm.chats[chatID] = cl
	}
	return cl
}

// wait blocks until one message may go to chatID, or ctx ends. When ctx
// would end before the turn comes it returns a *bot.RetryError at once.
func (lm *limiter) wait(ctx context.Context, chatID string) error {
	for _, l := range []*rate.Limiter{lm.chat(chatID), lm.global} {
		if err := l.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("telegram: waiting to send to %s: %w", chatID, ctx.Err())
			}
			return &bot.RetryError{After: time.Second, Err: errors.New("telegram: rate limit: the turn to send comes after the deadline")}
		}
	}
	return nil
}
