package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/supportbot/supportbot/bot"
)

// Poll receives updates by long polling until ctx is done, and hands each
// one to h. It asks getUpdates for the offset past an update only after
// h.Handle returned nil for it and for every update before it in the batch;
// when Handle fails, Poll waits (backing off) and fetches the same updates
// again. When h is also a bot.BatchHandler, the messages of each getUpdates
// batch go to HandleBatch in one call instead, and the batch is confirmed
// only after that returned nil; when it fails, the whole batch is fetched
// again. An update that does not decode, or that the bot does not handle,
// is logged and confirmed. Network errors, 5xx and 429 are retried with
// backoff, honouring retry_after. Poll returns nil when ctx is done, and an
// error in one sentence when Telegram refuses to serve updates (a webhook is
// set, another instance polls with the same token, the token was revoked).
//
// Call Check before Poll: mentions of the bot in groups are recognised by
// the username it learns.
func (t *Telegram) Poll(ctx context.Context, h bot.Handler) error {
	if t.Username() == "" {
		t.log.Warn("telegram: polling before Check; mentions of the bot in groups will not be recognised")
	}
	var (
		offset    int64 // 0: Telegram starts at the earliest unconfirmed update
		sent      int64 // offset carried by the last getUpdates request
		netWait   = newBackoff(t.backoffMin, t.backoffMax)
		handWait  = newBackoff(t.backoffMin, t.backoffMax)
		conflicts int
	)
	defer func() {
		if offset != sent {
			t.confirm(offset)
		}
	}()
	for {
		if ctx.Err() != nil {
			return nil
		}
		sent = offset
		raws, err := t.getUpdates(ctx, offset, int(t.pollTimeout/time.Second), 100)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ae *APIError
			var re *bot.RetryError
			switch {
			case errors.As(err, &ae) && ae.Code == http.StatusConflict && strings.Contains(strings.ToLower(ae.Description), "webhook"):
				return errors.New("Telegram will not serve getUpdates while a webhook is set for this bot: unset TELEGRAM_WEBHOOK_URL and the bot deletes it, or set TELEGRAM_WEBHOOK_URL to keep using the webhook")
			case errors.As(err, &ae) && ae.Code == http.StatusConflict:
				conflicts++
				if conflicts >= 3 {
					return errors.New("another process is polling Telegram with the same TELEGRAM_TOKEN (409 Conflict): stop it, or give this bot its own token")
				}
				t.log.Warn("telegram: another getUpdates is running with this token; retrying", "err", err)
				if !sleep(ctx, netWait.next()) {
					return nil
				}
				continue
			case errors.As(err, &ae) && ae.Code == http.StatusUnauthorized:
				return errors.New("Telegram rejected TELEGRAM_TOKEN while polling: the token is revoked or wrong (401 Unauthorized)")
			case errors.As(err, &re):
				d := netWait.next()
				if re.After > d {
					d = re.After
				}
				t.log.Warn("telegram: getUpdates failed; retrying", "err", err, "in", d)
				if !sleep(ctx, d) {
					return nil
				}
				continue
			default:
				return fmt.Errorf("telegram: polling stopped: %w", err)
			}
		}
		netWait.reset()
		conflicts = 0

		next, err := t.handleBatch(ctx, h, raws, offset)
		offset = next
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			d := handWait.next()
			t.log.Warn("telegram: handler failed; the update stays unconfirmed and will be fetched again", "err", err, "in", d)
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		handWait.reset()
	}
}

// handleBatch hands the updates to h in order and returns the offset that
// confirms exactly those handled (or skipped): it stops at the first update
// Handle fails on. A bot.BatchHandler gets them all in one call, and on
// failure none is confirmed.
func (t *Telegram) handleBatch(ctx context.Context, h bot.Handler, raws []json.RawMessage, sent int64) (int64, error) {
	offset := sent
	past := func(id int64) {
		if id >= offset {
			offset = id + 1
		}
	}
	bh, batch := h.(bot.BatchHandler)
	var msgs []bot.Message
	for _, raw := range raws {
		id, u, err := decodeUpdate(raw)
		if err != nil {
			t.log.Error("telegram: skipping malformed update", "err", err, "update", truncate(string(raw), 2000))
			if id != 0 {
				past(id)
			}
			continue
		}
		if sent > 0 && id < sent {
			continue // confirmed by this very request; Telegram does not send those
		}
		m, ok, why := t.convert(u)
		if !ok {
			t.log.Debug("telegram: skipping update", "update_id", id, "why", why)
			past(id)
			continue
		}
		m.Raw = raw
		if batch {
			msgs = append(msgs, m)
			past(id)
			continue
		}
		if err := h.Handle(ctx, m); err != nil {
			return offset, err
		}
		past(id)
	}
	if batch && len(msgs) > 0 {
		if err := bh.HandleBatch(ctx, msgs); err != nil {
			return sent, err
		}
	}
	return offset, nil
}

// confirm tells Telegram, on the way out, that updates below offset were
// handled, so that a restart does not fetch them again (they would be
// deduplicated anyway).
func (t *Telegram) confirm(offset int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := t.getUpdates(ctx, offset, 0, 1); err != nil {
		t.log.Debug("telegram: could not confirm the last updates on stop", "err", err)
	}
}

// getUpdates is the one Bot API call made without the SDK: the SDK confirms
// updates as soon as it reads them.
func (t *Telegram) getUpdates(ctx context.Context, offset int64, timeout, limit int) ([]json.RawMessage, error) {
	params := struct {
		Offset         int64    `json:"offset,omitempty"`
		Limit          int      `json:"limit,omitempty"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{offset, limit, timeout, allowedUpdates}
	body, _ := json.Marshal(params)

	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Second+t.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.serverURL+"/bot"+t.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: %s", t.scrub(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, &bot.RetryError{Err: fmt.Errorf("telegram getUpdates: %s", t.scrub(err.Error()))}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &bot.RetryError{Err: fmt.Errorf("telegram getUpdates: %s", t.scrub(err.Error()))}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, t.classify("getUpdates", errors.New(http.StatusText(resp.StatusCode)), &record{status: resp.StatusCode, body: b})
	}
	var r struct {
		OK     bool              `json:"ok"`
		Result []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(b, &r); err != nil || !r.OK {
		return nil, &bot.RetryError{Err: fmt.Errorf("telegram getUpdates: unexpected answer %q", truncate(t.scrub(string(b)), 200))}
	}
	return r.Result, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// backoff doubles a wait from first up to longest.
type backoff struct {
	first, longest, cur time.Duration
}

func newBackoff(first, longest time.Duration) *backoff {
	return &backoff{first: first, longest: longest}
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.first
	} else if b.cur *= 2; b.cur > b.longest {
		b.cur = b.longest
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
