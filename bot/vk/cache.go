package vk

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/SevereCloud/vksdk/v2/api"

	"github.com/supportbot/supportbot/bot"
)

// idCache maps VK ids to V, safe for concurrent use. When full it starts
// over: it holds what is cheap to learn again.
type idCache[V any] struct {
	mu    sync.Mutex
	limit int
	m     map[int64]V
}

func newIDCache[V any](limit int) *idCache[V] {
	return &idCache[V]{limit: limit, m: map[int64]V{}}
}

func (c *idCache[V]) get(id int64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	return v, ok
}

func (c *idCache[V]) put(id int64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.limit {
		c.m = map[int64]V{}
	}
	c.m[id] = v
}

// fillNames sets UserName on msgs from the cache, asking users.get once for
// the ids it does not know. It never fails: on an error the names stay empty
// (a later message fills them) and the messages are handled anyway.
func (v *VK) fillNames(ctx context.Context, msgs []bot.Message) {
	var missing []string
	seen := map[int64]bool{}
	for i := range msgs {
		id, err := strconv.ParseInt(msgs[i].UserID, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if n, ok := v.names.get(id); ok {
			msgs[i].UserName = n
		} else if !seen[id] {
			seen[id] = true
			missing = append(missing, strconv.FormatInt(id, 10))
		}
	}
	if len(missing) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, v.nameTimeout)
	defer cancel()
	var users []struct {
		ID        int64  `json:"id"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	}
	if err := v.call(ctx, "users.get", api.Params{"user_ids": strings.Join(missing, ",")}, &users); err != nil {
		v.log.Debug("vk: users.get failed; names stay empty", "err", err)
		return
	}
	for _, u := range users {
		v.names.put(u.ID, strings.TrimSpace(u.FirstName+" "+u.LastName))
	}
	for i := range msgs {
		if msgs[i].UserName != "" {
			continue
		}
		if id, err := strconv.ParseInt(msgs[i].UserID, 10, 64); err == nil {
			msgs[i].UserName, _ = v.names.get(id)
		}
	}
}

// caps is what a customer's VK client can show, from message_new's
// client_info.
type caps struct {
	keyboard, inline, callback, openLink bool
}

func capsFrom(ci clientInfo) caps {
	c := caps{keyboard: bool(ci.Keyboard), inline: bool(ci.InlineKeyboard)}
	for _, a := range ci.ButtonActions {
		switch a {
		case "callback":
			c.callback = true
		case "open_link":
			c.openLink = true
		}
	}
	return c
}

// fullCaps is assumed for peers the bot has not heard from since it started.
var fullCaps = caps{keyboard: true, inline: true, callback: true, openLink: true}

// sentSet remembers the random_ids of the latest messages this process
// sent, to recognise them when VK echoes them back as message_reply.
type sentSet struct {
	mu   sync.Mutex
	ring []int64
	next int
	m    map[int64]int
}

func newSentSet(n int) *sentSet { return &sentSet{ring: make([]int64, n), m: map[int64]int{}} }

func (s *sentSet) add(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.ring[s.next]; old != 0 {
		if s.m[old]--; s.m[old] <= 0 {
			delete(s.m, old)
		}
	}
	s.ring[s.next] = id
	s.m[id]++
	s.next = (s.next + 1) % len(s.ring)
}

func (s *sentSet) has(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id] > 0
}
