package handlers

import (
	"strings"
	"sync"
	"sync/atomic"
)

// deskState is the operators' desk's part of the Router: its settings and
// what its background work needs.
type deskState struct {
	// operators is the allow-list of Telegram user ids; empty means every
	// member of the desk chat is an operator.
	operators map[string]bool
	// signature appends the operator's first name to what they send.
	signature bool

	// work serializes the desk work (opening and closing topics, reminders),
	// so a topic is never opened twice for one handoff by this process.
	work sync.Mutex
	// dirty is set by a turn that queued a handoff or closed one: the desk
	// work runs as soon as the turn is committed instead of at the next tick.
	dirty atomic.Bool
}

// WithOperators sets the operators' allow-list: the Telegram user ids whose
// messages and button presses in the desk chat act on conversations
// (SUPPORTBOT_OPERATORS). With none, every member of the desk chat is an
// operator. Blank ids are skipped.
func WithOperators(ids ...string) Option {
	return func(r *Router) {
		r.dk.operators = nil
		for _, id := range ids {
			if id = strings.TrimSpace(id); id != "" {
				if r.dk.operators == nil {
					r.dk.operators = map[string]bool{}
				}
				r.dk.operators[id] = true
			}
		}
	}
}

// WithOperatorSignature makes an operator's messages reach the customer
// signed with the operator's first name ("— Оля"); without it (the default)
// they come from the brand.
func WithOperatorSignature(on bool) Option { return func(r *Router) { r.dk.signature = on } }

// isOperator reports whether Telegram user id may act in the desk.
func (r *Router) isOperator(userID string) bool {
	if userID == "" {
		return false
	}
	return len(r.dk.operators) == 0 || r.dk.operators[userID]
}
