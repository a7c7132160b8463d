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

	tgbot "github.com/go-telegram/bot"

	"github.com/supportbot/supportbot/bot"
)

// APIError is a request Telegram refused for good (a 4xx other than 403 and
// 429): retrying the same request will not help.
type APIError struct {
	Method      string
	Code        int    // error_code, 400 for most refusals
	Description string // Telegram's description, "Bad Request: ..."
}

// Error describes the refusal.
func (e *APIError) Error() string {
	return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Description)
}

// ErrPayloadTooLong reports a button whose Payload does not fit Telegram's
// 64-byte callback_data; Send refuses the whole reply and sends nothing.
var ErrPayloadTooLong = errors.New("button payload longer than 64 bytes")

// apiResponse is the Bot API's envelope.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// record is what the recorder saw of one request: the HTTP status, the body
// of an error response, or the network error.
type record struct {
	status int
	body   []byte
	netErr error
}

type recordKey struct{}

// recorder wraps the HTTP client the SDK uses so that call can classify a
// failure from the status and Telegram's own error body instead of parsing
// the SDK's error strings.
type recorder struct{ next tgbot.HttpClient }

func (r recorder) Do(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(recordKey{}).(*record)
	resp, err := r.next.Do(req)
	if rec == nil {
		return resp, err
	}
	if err != nil {
		rec.netErr = err
		return resp, err
	}
	rec.status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if rerr != nil {
			rec.netErr = rerr
		}
		rec.body = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// call runs one SDK request under the request timeout and turns its failure
// into the package's error vocabulary: *bot.RetryError for 429, 5xx and
// network failures, bot.ErrBlocked for 403, *APIError for other refusals.
// The token never appears in the returned error.
func (t *Telegram) call(ctx context.Context, method string, fn func(ctx context.Context) error) error {
	rec := &record{}
	rctx := context.WithValue(ctx, recordKey{}, rec)
	if t.requestTimeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(rctx, t.requestTimeout)
		defer cancel()
	}
	err := fn(rctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("telegram %s: %w", method, ctx.Err())
	}
	return t.classify(method, err, rec)
}

func (t *Telegram) classify(method string, err error, rec *record) error {
	if rec.netErr != nil || (rec.status == 0 && errors.Is(err, context.DeadlineExceeded)) {
		cause := rec.netErr
		if cause == nil {
			cause = err
		}
		return &bot.RetryError{Err: fmt.Errorf("telegram %s: %s", method, t.scrub(cause.Error()))}
	}
	if rec.status == 0 || rec.status == http.StatusOK {
		// A 200 that did not decode, or the request was never sent.
		var tm *tgbot.TooManyRequestsError
		if errors.As(err, &tm) {
			return &bot.RetryError{After: time.Duration(tm.RetryAfter) * time.Second, Err: fmt.Errorf("telegram %s: %s", method, t.scrub(tm.Message))}
		}
		return fmt.Errorf("telegram %s: %s", method, t.scrub(err.Error()))
	}
	var r apiResponse
	_ = json.Unmarshal(rec.body, &r)
	code := r.ErrorCode
	if code == 0 {
		code = rec.status
	}
	desc := t.scrub(strings.TrimSpace(r.Description))
	if desc == "" {
		desc = http.StatusText(rec.status)
	}
	switch {
	case code == http.StatusTooManyRequests:
		return &bot.RetryError{After: time.Duration(r.Parameters.RetryAfter) * time.Second, Err: fmt.Errorf("telegram %s: %d %s", method, code, desc)}
	case code >= 500 || rec.status >= 500:
		return &bot.RetryError{Err: fmt.Errorf("telegram %s: %d %s", method, code, desc)}
	case code == http.StatusForbidden:
		return fmt.Errorf("telegram %s: %s: %w", method, desc, bot.ErrBlocked)
	}
	if r.Parameters.MigrateToChatID != 0 {
		desc = fmt.Sprintf("%s (migrate_to_chat_id %d)", desc, r.Parameters.MigrateToChatID)
	}
	return &APIError{Method: method, Code: code, Description: desc}
}

// scrub removes the token from s: the SDK's request URLs contain it.
func (t *Telegram) scrub(s string) string {
	if t.token == "" {
		return s
	}
	return strings.ReplaceAll(s, t.token, "<TELEGRAM_TOKEN>")
}

// isAPIError reports whether err is an *APIError whose description contains
// one of the words (case-insensitive).
func isAPIError(err error, words ...string) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	d := strings.ToLower(ae.Description)
	for _, w := range words {
		if strings.Contains(d, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
