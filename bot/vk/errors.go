package vk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/SevereCloud/vksdk/v2/api"

	"github.com/supportbot/supportbot/bot"
)

// apiError is a VK API error answer of one method.
type apiError struct {
	method string
	err    *api.Error
}

func (e *apiError) Error() string {
	return fmt.Sprintf("vk %s: error %d: %s", e.method, int(e.err.Code), e.err.Message)
}

// Unwrap returns the vksdk error, so errors.Is(err, api.ErrTooMany) works.
func (e *apiError) Unwrap() error { return e.err }

// statusError is an HTTP answer that is not worth decoding: 429, 5xx, or
// another 4xx that is not JSON.
type statusError struct {
	code  int
	after time.Duration
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.code, http.StatusText(e.code))
}

// statusTransport turns 429 and 5xx answers, and 4xx pages that are not
// JSON, into a statusError. vksdk decodes any answer whose Content-Type is
// JSON, whatever its status.
type statusTransport struct{ base http.RoundTripper }

func (t statusTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 ||
		(resp.StatusCode >= 400 && mt != "application/json") {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		_ = resp.Body.Close()
		se := &statusError{code: resp.StatusCode}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			se.after = time.Duration(s) * time.Second
		}
		return nil, se
	}
	return resp, nil
}

// blockedCodes are messages.send errors after which the recipient will not
// get messages from the bot, however often it retries.
var blockedCodes = map[api.ErrorType]bool{
	api.ErrPermission:               true, // 7: VK's answer for some blocked recipients
	api.ErrMessagesUserBlocked:      true, // 900: the user is in the community's blacklist
	api.ErrMessagesDenySend:         true, // 901: the user did not allow messages from the community
	api.ErrMessagesPrivacy:          true, // 902: privacy settings
	api.ErrMessagesChatUserNoAccess: true, // 917: the bot has no access to that chat
	api.ErrMessagesChatDisabled:     true, // 945: chat disabled
}

// classify maps an error of method to the bot contract: *bot.RetryError for
// temporary failures (VK errors 1, 6, 9, 10, 29, HTTP 429 and 5xx, network
// failures, timeouts), an error wrapping bot.ErrBlocked for messages.send to
// a recipient who cannot be written to, and a plain error otherwise. The
// token never appears in the result.
func (v *VK) classify(method string, err error) error {
	return v.scrub(classifyErr(method, err))
}

func classifyErr(method string, err error) error {
	var ae *api.Error
	if errors.As(err, &ae) {
		e := &apiError{method: method, err: ae}
		switch ae.Code {
		case api.ErrTooMany:
			return &bot.RetryError{After: time.Second, Err: e}
		case api.ErrFlood:
			return &bot.RetryError{After: 5 * time.Second, Err: e}
		case api.ErrRateLimit:
			return &bot.RetryError{After: time.Minute, Err: e}
		case api.ErrUnknown, api.ErrServer, api.ErrExecutionTimeout:
			return &bot.RetryError{Err: e}
		}
		if method == "messages.send" && blockedCodes[ae.Code] {
			return fmt.Errorf("%w: %w", bot.ErrBlocked, e)
		}
		return e
	}
	var se *statusError
	if errors.As(err, &se) {
		if se.code == http.StatusTooManyRequests || se.code >= 500 {
			return &bot.RetryError{After: se.after, Err: fmt.Errorf("vk %s: %w", method, se)}
		}
		// VK answers every method call with JSON; a 404 page means the
		// address is wrong.
		return fmt.Errorf("vk %s: %w (is VK_API_URL right?)", method, se)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("vk %s: %w", method, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &bot.RetryError{Err: fmt.Errorf("vk %s: no answer in time: %w", method, err)}
	}
	var ict *api.InvalidContentType
	if errors.As(err, &ict) {
		return &bot.RetryError{Err: fmt.Errorf("vk %s: unexpected answer: %w", method, err)}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &bot.RetryError{Err: fmt.Errorf("vk %s: %w", method, err)}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return fmt.Errorf("vk %s: cannot read the answer: %w", method, err)
	}
	return fmt.Errorf("vk %s: %w", method, err)
}

// scrubbed hides secrets in an error's text and keeps it for errors.Is/As.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub returns err with the token and any extra secrets replaced by "***".
// A *bot.RetryError stays a *bot.RetryError at the top.
func (v *VK) scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	secrets = append(secrets, v.token)
	msg := err.Error()
	leaks := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			leaks = true
		}
	}
	if !leaks {
		return err
	}
	clean := func(e error) error {
		m := e.Error()
		for _, s := range secrets {
			if s != "" {
				m = strings.ReplaceAll(m, s, "***")
			}
		}
		return &scrubbed{msg: m, err: e}
	}
	var re *bot.RetryError
	if errors.As(err, &re) && err == error(re) {
		return &bot.RetryError{After: re.After, Err: clean(re.Err)}
	}
	return clean(err)
}

// isRetry reports whether err is a *bot.RetryError.
func isRetry(err error) bool {
	var re *bot.RetryError
	return errors.As(err, &re)
}
