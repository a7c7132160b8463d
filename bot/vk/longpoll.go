package vk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/SevereCloud/vksdk/v2/api"

	"github.com/supportbot/supportbot/bot"
)

// lpServer is a Bots Long Poll server and its key.
type lpServer struct {
	server, key, ts string
}

// lpResponse is an a_check answer.
type lpResponse struct {
	TS      json.RawMessage   `json:"ts"`
	Updates []json.RawMessage `json:"updates"`
	Failed  int               `json:"failed"`
}

// tsString reads ts, a string in the Bots Long Poll API (a number is
// accepted too).
func tsString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// Poll receives events with the Bots Long Poll API and hands each message
// event to h, until ctx is done (then it returns nil) or VK refuses the
// token or the community (then it returns that error). Network failures and
// VK's temporary errors are retried with backoff.
//
// ts advances only after h.Handle returned nil for every event of a batch:
// when Handle fails, Poll waits (with backoff) and calls it again for the
// same event and the rest of the batch, and only then asks for newer events.
// When h is also a bot.BatchHandler, the message events of a batch go to
// HandleBatch in one call instead, retried whole (with backoff) until it
// returns nil. An event that cannot be read is logged and skipped. failed 1
// takes VK's new ts (some events were lost, which is logged), failed 2 gets
// a new key and keeps ts, failed 3 gets a new key and ts.
func (v *VK) Poll(ctx context.Context, h bot.Handler) error {
	srv, err := v.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	ts := srv.ts
	if v.cursor != nil {
		saved, err := v.cursor.LoadCursor(ctx)
		switch {
		case err != nil:
			v.log.Warn("vk: cannot load the long poll position; starting from now", "err", err)
		case saved != "":
			ts = saved
		}
	}
	v.log.Info("vk: long polling", "group_id", v.groupID, "ts", ts)
	if v.connected != nil {
		v.connected()
	}

	var wait time.Duration
poll:
	for ctx.Err() == nil {
		resp, err := v.check(ctx, srv, ts)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait = v.nextBackoff(wait)
			v.log.Warn("vk: long poll failed", "err", err, "retry_in", wait)
			sleep(ctx, wait)
			continue
		}
		switch resp.Failed {
		case 0:
		case 1:
			newTS := tsString(resp.TS)
			v.log.Warn("vk: long poll history is out of date; events between may be lost", "old_ts", ts, "ts", newTS)
			if newTS != "" {
				ts = newTS
				v.saveCursor(ctx, ts)
			}
			continue
		case 2:
			fresh, err := v.connect(ctx)
			if err != nil {
				if ctx.Err() != nil {
					break poll
				}
				return err
			}
			srv.server, srv.key = fresh.server, fresh.key
			continue
		default: // 3: information lost, and any failure this code does not know
			fresh, err := v.connect(ctx)
			if err != nil {
				if ctx.Err() != nil {
					break poll
				}
				return err
			}
			v.log.Warn("vk: long poll key and ts renewed; events between may be lost", "failed", resp.Failed, "old_ts", ts, "ts", fresh.ts)
			srv, ts = fresh, fresh.ts
			v.saveCursor(ctx, ts)
			continue
		}
		newTS := tsString(resp.TS)
		if newTS == "" {
			wait = v.nextBackoff(wait)
			v.log.Warn("vk: long poll answer without ts", "retry_in", wait)
			sleep(ctx, wait)
			continue
		}
		wait = 0
		msgs := v.convertBatch(ctx, resp.Updates)
		if !v.handleBatch(ctx, h, msgs) {
			break poll
		}
		ts = newTS
		v.saveCursor(ctx, ts)
	}
	return nil
}

// connect gets a long poll server, retrying temporary failures until ctx is
// done.
func (v *VK) connect(ctx context.Context) (lpServer, error) {
	var wait time.Duration
	for {
		var s struct {
			Key    string          `json:"key"`
			Server string          `json:"server"`
			TS     json.RawMessage `json:"ts"`
		}
		err := v.call(ctx, "groups.getLongPollServer", api.Params{"group_id": v.groupID}, &s)
		if err == nil && (s.Server == "" || s.Key == "") {
			err = &bot.RetryError{Err: errors.New("vk groups.getLongPollServer: answer without server or key")}
		}
		if err == nil {
			return lpServer{server: s.Server, key: s.Key, ts: tsString(s.TS)}, nil
		}
		if ctx.Err() != nil {
			return lpServer{}, ctx.Err()
		}
		if !isRetry(err) {
			return lpServer{}, fmt.Errorf("%w (VK_TOKEN, VK_GROUP_ID %d)", err, v.groupID)
		}
		wait = v.nextBackoff(wait)
		v.log.Warn("vk: cannot get a long poll server", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return lpServer{}, ctx.Err()
		}
	}
}

// check makes one a_check request.
func (v *VK) check(ctx context.Context, srv lpServer, ts string) (lpResponse, error) {
	var out lpResponse
	server := srv.server
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	u, err := url.Parse(server)
	if err != nil {
		return out, fmt.Errorf("vk long poll: bad server address: %w", err)
	}
	q := u.Query()
	q.Set("act", "a_check")
	q.Set("key", srv.key)
	q.Set("ts", ts)
	q.Set("wait", strconv.Itoa(v.lpWait))
	u.RawQuery = q.Encode()

	cctx, cancel := context.WithTimeout(ctx, time.Duration(v.lpWait+15)*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return out, fmt.Errorf("vk long poll: %w", err)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		// url.Error's text has the URL, and the URL has the key.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return out, v.scrub(fmt.Errorf("vk long poll: %w", err), srv.key)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return out, fmt.Errorf("vk long poll: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("vk long poll: HTTP %d", resp.StatusCode)
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return out, fmt.Errorf("vk long poll: unreadable answer: %w", err)
	}
	return out, nil
}

// convertBatch reads a batch of updates, skipping (and logging) those that
// cannot be read and those the bot ignores, and fills in user names.
func (v *VK) convertBatch(ctx context.Context, raws []json.RawMessage) []bot.Message {
	var msgs []bot.Message
	for _, raw := range raws {
		var u update
		if err := json.Unmarshal(raw, &u); err != nil {
			v.log.Error("vk: unreadable update skipped", "err", err, "update", truncate(string(raw), 300))
			continue
		}
		m, ok, err := v.convertFor(u)
		if err != nil {
			v.log.Error("vk: unreadable event skipped", "type", u.Type, "event_id", u.EventID, "err", err, "update", truncate(string(raw), 300))
			continue
		}
		if ok {
			msgs = append(msgs, m)
		}
	}
	v.fillNames(ctx, msgs)
	return msgs
}

// convertFor converts an update of this community; updates of another
// community are ignored.
func (v *VK) convertFor(u update) (bot.Message, bool, error) {
	if u.GroupID != 0 && u.GroupID != v.groupID {
		v.log.Warn("vk: event of another community ignored", "group_id", u.GroupID, "type", u.Type)
		return bot.Message{}, false, nil
	}
	return v.convert(u)
}

// handleBatch hands msgs to h in order, retrying a failing Handle with
// backoff (a bot.BatchHandler gets them in one call, retried whole). It
// returns false when ctx is done before every message was handled.
func (v *VK) handleBatch(ctx context.Context, h bot.Handler, msgs []bot.Message) bool {
	if bh, ok := h.(bot.BatchHandler); ok {
		return v.handleWhole(ctx, bh, msgs)
	}
	var wait time.Duration
	for i := 0; i < len(msgs); {
		err := safeHandle(ctx, h, msgs[i])
		if err == nil {
			i++
			wait = 0
			continue
		}
		if ctx.Err() != nil {
			return false
		}
		wait = v.nextBackoff(wait)
		v.log.Warn("vk: event not stored; retrying before confirming", "event_id", msgs[i].EventID, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
	return true
}

// handleWhole hands msgs to h in one call, retrying the whole batch with
// backoff until it succeeds. It returns false when ctx is done first.
func (v *VK) handleWhole(ctx context.Context, h bot.BatchHandler, msgs []bot.Message) bool {
	if len(msgs) == 0 {
		return true
	}
	var wait time.Duration
	for {
		err := safeHandleBatch(ctx, h, msgs)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		wait = v.nextBackoff(wait)
		v.log.Warn("vk: events not stored; retrying before confirming", "events", len(msgs),
			"first_event_id", msgs[0].EventID, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// safeHandleBatch calls h.HandleBatch and turns a panic into an error.
func safeHandleBatch(ctx context.Context, h bot.BatchHandler, msgs []bot.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h.HandleBatch(ctx, msgs)
}

// safeHandle calls h.Handle and turns a panic into an error.
func safeHandle(ctx context.Context, h bot.Handler, m bot.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h.Handle(ctx, m)
}

func (v *VK) saveCursor(ctx context.Context, ts string) {
	if v.cursor == nil {
		return
	}
	if err := v.cursor.SaveCursor(ctx, ts); err != nil {
		v.log.Warn("vk: cannot save the long poll position", "ts", ts, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
