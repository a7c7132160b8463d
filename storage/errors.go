package storage

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when the conversation, handoff or row asked for
// does not exist.
var ErrNotFound = errors.New("not found")

// ErrState is returned when a state change finds the conversation or handoff
// in another state than the one it expects. The error returned is a
// *StateError that says what was found; errors.Is(err, ErrState) is true.
var ErrState = errors.New("wrong state")

// StateError describes a refused state change: the state found and, for a
// handoff someone owns, who owns it.
type StateError struct {
	Op    string // "claim", "close", "enqueue", ...
	State State  // the state found
	Owner string // the current owner's id, if assigned
	Name  string // the current owner's display name, if known
}

// Error says what was found.
func (e *StateError) Error() string {
	if e.Owner != "" {
		who := e.Owner
		if e.Name != "" {
			who = e.Name + " (" + e.Owner + ")"
		}
		return fmt.Sprintf("%s: wrong state: %s by %s", e.Op, e.State, who)
	}
	return fmt.Sprintf("%s: wrong state: %s", e.Op, e.State)
}

// Is makes errors.Is(err, ErrState) true.
func (e *StateError) Is(target error) bool { return target == ErrState }
