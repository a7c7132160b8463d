// Package vk is the VK adapter: it turns community-message events from the
// Bots Long Poll API or the Callback API into bot.Messages and delivers
// bot.Replies with messages.send, on top of github.com/SevereCloud/vksdk/v2.
//
// vksdk is used for the API method calls and its error types. Its long-poll
// and callback helpers are not: they confirm events to VK before the handler
// has run (the long poll advances ts first; the callback handler answers 200
// first, and also on a wrong secret). Here an event is confirmed only after
// the bot.Handler stored it: ts advances only after Handle returned nil for a
// whole batch, and a callback request is answered "ok" only after Handle
// returned nil.
package vk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/SevereCloud/vksdk/v2/api"
	"golang.org/x/time/rate"

	"github.com/supportbot/supportbot/bot"
)

// DefaultAPIURL is the VK API method base URL.
const DefaultAPIURL = "https://api.vk.com/method/"

// apiVersion is the VK API version the adapter speaks; event_id in events
// needs 5.103 or later.
const apiVersion = "5.131"

// chatPeerOffset is the first peer_id of a multi-user chat.
const chatPeerOffset = 2_000_000_000

// VK is one community's channel. It is safe for concurrent use.
//
// It implements bot.Channel.
type VK struct {
	token   string
	groupID int64
	api     *api.VK
	client  *http.Client
	log     *slog.Logger
	limiter *rate.Limiter

	backoffMin, backoffMax time.Duration
	lpWait                 int
	callTimeout            time.Duration
	nameTimeout            time.Duration
	cursor                 Cursor
	connected              func()

	mention, mentionPlain *regexp.Regexp // "[club123|...]", "@club123"

	names *idCache[string] // users' names: VK events carry only ids
	caps  *idCache[caps]   // client capabilities per peer
	sent  *sentSet

	noKeyboards atomic.Value // time.Time until which keyboards are not offered (after error 912)
	warned      sync.Map     // warnings logged once per process (keyboard refused, ...)
}

var _ bot.Channel = (*VK)(nil)

// Option configures a VK.
type Option func(*options)

type options struct {
	apiURL      string
	log         *slog.Logger
	client      *http.Client
	limit       rate.Limit
	burst       int
	backoffMin  time.Duration
	backoffMax  time.Duration
	lpWait      int
	callTimeout time.Duration
	cursor      Cursor
	connected   func()
}

// WithAPIURL sets the API method base URL (VK_API_URL), for a test double or
// a proxy. The default is DefaultAPIURL.
func WithAPIURL(u string) Option { return func(o *options) { o.apiURL = u } }

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithHTTPClient sets the HTTP client for API calls and long polling. Its
// Timeout, if any, must exceed the long-poll wait (25 s).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithRateLimit overrides the API rate limit shared by all calls made with
// the token (default 20 requests per second, burst 1, VK's limit for
// community tokens). Tests use it to run fast.
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(o *options) { o.limit, o.burst = r, burst }
}

// WithBackoff sets the first and the longest pause between retries of a
// failing long poll or a failing Handle (default 500 ms and 30 s).
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(o *options) { o.backoffMin, o.backoffMax = minWait, maxWait }
}

// WithLongPollWait sets the wait parameter of a_check in seconds (default
// 25, VK's maximum is 90).
func WithLongPollWait(seconds int) Option { return func(o *options) { o.lpWait = seconds } }

// WithCursor makes Poll resume from a stored ts after a restart and store
// every confirmed ts, so events that arrive while the bot is down are still
// delivered (VK keeps a few hours of history). Without it ts lives in memory
// and Poll starts from VK's current ts.
func WithCursor(c Cursor) Option { return func(o *options) { o.cursor = c } }

// WithConnected sets a function Poll calls once it has a long poll server
// and knows where to resume: from then on no event is missed. The bot's
// readiness check waits for it.
func WithConnected(f func()) Option { return func(o *options) { o.connected = f } }

// Cursor stores the Bots Long Poll position. SaveCursor is called after a
// batch was handled; a failing SaveCursor is logged and does not stop Poll.
type Cursor interface {
	LoadCursor(ctx context.Context) (string, error)
	SaveCursor(ctx context.Context, ts string) error
}

// New returns the channel of community groupID (VK_GROUP_ID; a negative id
// is accepted) with its community access token (VK_TOKEN). It makes no
// network call: Check verifies the settings against VK.
func New(token string, groupID int, opts ...Option) (*VK, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("vk: VK_TOKEN is empty")
	}
	if groupID < 0 {
		groupID = -groupID
	}
	if groupID == 0 {
		return nil, errors.New("vk: VK_GROUP_ID must be the community's numeric id")
	}
	o := options{
		apiURL:      DefaultAPIURL,
		log:         slog.Default(),
		limit:       api.LimitGroupToken,
		burst:       1,
		backoffMin:  500 * time.Millisecond,
		backoffMax:  30 * time.Second,
		lpWait:      25,
		callTimeout: 30 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.apiURL == "" {
		o.apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(o.apiURL, "/") {
		o.apiURL += "/"
	}
	if o.backoffMin <= 0 {
		o.backoffMin = time.Millisecond
	}
	if o.backoffMax < o.backoffMin {
		o.backoffMax = o.backoffMin
	}
	if o.burst < 1 {
		o.burst = 1
	}

	client := &http.Client{}
	if o.client != nil {
		c := *o.client
		client = &c
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = statusTransport{base: base}

	vk := api.NewVK(token)
	vk.MethodURL = o.apiURL
	vk.Version = apiVersion
	vk.Client = client
	// Limit 0 turns off vksdk's own limiter and its immediate, pause-less
	// retries of error 6: the shared rate.Limiter below paces every call and
	// the outbox sender retries with backoff.
	vk.Limit = 0

	return &VK{
		token:        token,
		groupID:      int64(groupID),
		api:          vk,
		client:       client,
		log:          o.log,
		limiter:      rate.NewLimiter(o.limit, o.burst),
		backoffMin:   o.backoffMin,
		backoffMax:   o.backoffMax,
		lpWait:       o.lpWait,
		callTimeout:  o.callTimeout,
		nameTimeout:  3 * time.Second,
		cursor:       o.cursor,
		connected:    o.connected,
		mention:      regexp.MustCompile(`\[(?:club|public)` + strconv.Itoa(groupID) + `\|[^\]]*\]`),
		mentionPlain: regexp.MustCompile(`(?i)[@*](?:club|public)` + strconv.Itoa(groupID) + `\b`),
		names:        newIDCache[string](10000),
		caps:         newIDCache[caps](10000),
		sent:         newSentSet(8192),
	}, nil
}

// Platform returns bot.VK.
func (v *VK) Platform() bot.Platform { return bot.VK }

// GroupID returns the community id the channel serves.
func (v *VK) GroupID() int { return int(v.groupID) }

// call makes one API call through the shared rate limiter and maps its error
// (see classify). obj receives the "response" field.
func (v *VK) call(ctx context.Context, method string, params api.Params, obj any) error {
	if err := v.limiter.Wait(ctx); err != nil {
		if ctx.Err() == nil {
			// The wait would pass ctx's deadline.
			return &bot.RetryError{Err: fmt.Errorf("vk %s: rate limit: %w", method, err)}
		}
		return fmt.Errorf("vk %s: %w", method, ctx.Err())
	}
	cctx := ctx
	if v.callTimeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, v.callTimeout)
		defer cancel()
	}
	p := api.Params{}
	for k, val := range params {
		p[k] = val
	}
	p.WithContext(cctx)
	err := v.api.RequestUnmarshal(method, obj, p)
	if err != nil {
		return v.classify(method, err)
	}
	return nil
}

// warnOnce logs a warning the first time key is seen.
func (v *VK) warnOnce(key, msg string, args ...any) {
	if _, loaded := v.warned.LoadOrStore(key, true); !loaded {
		v.log.Warn(msg, args...)
	}
}

// sleep waits d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// nextBackoff doubles d up to the longest backoff.
func (v *VK) nextBackoff(d time.Duration) time.Duration {
	if d <= 0 {
		return v.backoffMin
	}
	d *= 2
	if d > v.backoffMax {
		d = v.backoffMax
	}
	return d
}

func errorf(format string, args ...any) error { return fmt.Errorf("vk: "+format, args...) }
