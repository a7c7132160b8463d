// Package telegram connects supportbot to Telegram through the Bot API, on
// top of github.com/go-telegram/bot. It turns updates into bot.Messages (by
// long polling or a webhook), delivers bot.Replies, and runs the operators'
// desk in a forum supergroup.
//
// Nothing is confirmed to Telegram before the Handler has returned nil for
// it: Poll asks getUpdates for the next offset only after the batch was
// handled, and the webhook answers 200 only after Handle returned.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/supportbot/supportbot/bot"
)

// DefaultServerURL is the Bot API base URL used unless WithServerURL says
// otherwise.
const DefaultServerURL = "https://api.telegram.org"

const (
	defaultPollTimeout    = 50 * time.Second // Telegram's longest long poll
	defaultRequestTimeout = 30 * time.Second
	defaultBackoffMin     = time.Second
	defaultBackoffMax     = 30 * time.Second
)

// Telegram is one bot on the Telegram Bot API. It is safe for concurrent use.
type Telegram struct {
	api       *tgbot.Bot
	token     string
	serverURL string
	client    tgbot.HttpClient // the caller's client, wrapped by recorder
	log       *slog.Logger
	now       func() time.Time

	pollTimeout    time.Duration
	requestTimeout time.Duration
	backoffMin     time.Duration
	backoffMax     time.Duration

	limits   *limiter
	progress *progressBook

	mu       sync.RWMutex
	botID    int64
	username string
}

// Option configures a Telegram.
type Option func(*config)

type config struct {
	serverURL      string
	log            *slog.Logger
	client         tgbot.HttpClient
	pollTimeout    time.Duration
	requestTimeout time.Duration
	backoffMin     time.Duration
	backoffMax     time.Duration
	limits         Limits
	now            func() time.Time
}

// WithServerURL sets the Bot API base URL (TELEGRAM_API_URL): a local Bot API
// server or a test double. The default is DefaultServerURL.
func WithServerURL(u string) Option { return func(c *config) { c.serverURL = u } }

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithHTTPClient sets the HTTP client for every Bot API request. Its timeout,
// if any, must be longer than the poll timeout.
func WithHTTPClient(hc tgbot.HttpClient) Option { return func(c *config) { c.client = hc } }

// WithPollTimeout sets how long one getUpdates long poll may wait for
// updates (whole seconds, 0 for short polling; default 50s).
func WithPollTimeout(d time.Duration) Option { return func(c *config) { c.pollTimeout = d } }

// WithRequestTimeout bounds every Bot API request other than the long poll
// (default 30s).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) { c.requestTimeout = d }
}

// WithBackoff sets the first and the longest wait between failed polls
// (defaults 1s and 30s). A retry_after from Telegram is always honoured.
func WithBackoff(first, longest time.Duration) Option {
	return func(c *config) { c.backoffMin, c.backoffMax = first, longest }
}

// WithLimits replaces the send rate limits (DefaultLimits); tests use
// NoLimits.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithClock sets the clock used for the time of button presses, which
// Telegram does not date.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

var tokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// New returns a Telegram for the bot with that token. It makes no request:
// call Check to verify the token and learn the bot's username.
func New(token string, opts ...Option) (*Telegram, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("TELEGRAM_TOKEN is empty")
	}
	if !tokenPattern.MatchString(token) {
		return nil, errors.New("TELEGRAM_TOKEN does not look like a bot token (digits, a colon, then letters, digits, _ or -, as @BotFather gives it)")
	}
	c := config{
		serverURL:      DefaultServerURL,
		pollTimeout:    defaultPollTimeout,
		requestTimeout: defaultRequestTimeout,
		backoffMin:     defaultBackoffMin,
		backoffMax:     defaultBackoffMax,
		limits:         DefaultLimits(),
		now:            time.Now,
	}
	for _, o := range opts {
		o(&c)
	}
	su := strings.TrimRight(strings.TrimSpace(c.serverURL), "/")
	if pu, err := url.Parse(su); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("TELEGRAM_API_URL %q is not an http(s) URL", c.serverURL)
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.pollTimeout < 0 {
		c.pollTimeout = 0
	}
	if c.backoffMin <= 0 {
		c.backoffMin = defaultBackoffMin
	}
	if c.backoffMax < c.backoffMin {
		c.backoffMax = c.backoffMin
	}
	if c.client == nil {
		// No overall timeout: every request carries a context deadline
		// (requestTimeout, or the poll timeout plus a margin).
		c.client = &http.Client{}
	}
	t := &Telegram{
		token:          token,
		serverURL:      su,
		client:         c.client,
		log:            c.log,
		now:            c.now,
		pollTimeout:    c.pollTimeout,
		requestTimeout: c.requestTimeout,
		backoffMin:     c.backoffMin,
		backoffMax:     c.backoffMax,
		limits:         newLimiter(c.limits),
		progress:       newProgressBook(),
	}
	api, err := tgbot.New(token,
		tgbot.WithServerURL(su),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(c.pollTimeout, recorder{c.client}),
		tgbot.WithErrorsHandler(func(err error) {
			t.log.Warn("telegram: sdk", "err", t.scrub(err.Error()))
		}),
		tgbot.WithDebugHandler(func(string, ...any) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", t.scrub(err.Error()))
	}
	t.api = api
	t.botID = api.ID()
	return t, nil
}

// Platform reports bot.Telegram.
func (t *Telegram) Platform() bot.Platform { return bot.Telegram }

// Username is the bot's @username without the @, known after Check.
func (t *Telegram) Username() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.username
}

func (t *Telegram) id() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.botID
}

// Check asks Telegram who the bot is (getMe). A wrong or revoked token is
// reported in one sentence naming TELEGRAM_TOKEN; an unreachable or failing
// Telegram is a *bot.RetryError, so the caller retries with backoff.
func (t *Telegram) Check(ctx context.Context) error {
	var (
		id  int64
		usr string
	)
	err := t.call(ctx, "getMe", func(ctx context.Context) error {
		u, err := t.api.GetMe(ctx)
		if err == nil && u != nil {
			id, usr = u.ID, u.Username
		}
		return err
	})
	if err == nil && usr == "" {
		return errors.New("Telegram answered getMe without a bot username: is TELEGRAM_API_URL a Bot API server?")
	}
	if err != nil {
		var re *bot.RetryError
		var ae *APIError
		switch {
		case errors.As(err, &re):
			return &bot.RetryError{After: re.After, Err: fmt.Errorf("Telegram is not reachable at TELEGRAM_API_URL %s: %w", t.serverURL, re.Err)}
		case errors.As(err, &ae) && ae.Code == http.StatusUnauthorized:
			return errors.New("Telegram rejected TELEGRAM_TOKEN: the token is revoked or wrong (401 Unauthorized)")
		case errors.As(err, &ae) && ae.Code == http.StatusNotFound:
			return fmt.Errorf("Telegram does not know TELEGRAM_TOKEN: the token is wrong, or TELEGRAM_API_URL %s is not a Bot API server (404 Not Found)", t.serverURL)
		case ctx.Err() != nil:
			return err
		default:
			return fmt.Errorf("Telegram refused getMe: %w", err)
		}
	}
	t.mu.Lock()
	t.botID, t.username = id, usr
	t.mu.Unlock()
	return nil
}
