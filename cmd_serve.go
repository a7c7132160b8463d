package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/bot/telegram"
	"github.com/supportbot/supportbot/bot/vk"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/handlers"
	"github.com/supportbot/supportbot/storage"
)

// Compile-time checks that the adapters fit what the router expects.
var (
	_ handlers.Desk = (*telegram.Desk)(nil)
	_ bot.Channel   = (*telegram.Telegram)(nil)
	_ bot.Channel   = (*vk.VK)(nil)
	_ vk.Cursor     = (*vkCursor)(nil)
)

// runServe runs the bot on every configured channel, or the terminal chat
// when no channel is configured and stdin is a terminal.
func runServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("supportbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(os.Getenv, fs, args)
	if err != nil {
		return err
	}
	if !cfg.telegramOn() && !cfg.vkOn() {
		if isTerminal(stdin) {
			return runChat(ctx, []string{"-faq", cfg.FAQPath, "-db", cfg.DBPath}, stdin, stdout, stderr)
		}
		return errors.New("no channel is configured: set TELEGRAM_TOKEN, or VK_TOKEN and VK_GROUP_ID (see README.md); for the terminal chat run \"supportbot chat\"")
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat, cfg.LogText)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	return serve(ctx, cfg, log)
}

// serve wires the router to the configured channels and runs until ctx is
// done or a channel fails for good.
func serve(ctx context.Context, cfg *config, log *slog.Logger) error {
	f, err := faq.Load(cfg.FAQPath)
	if err != nil {
		return err
	}
	db, err := storage.Open(ctx, cfg.DBPath)
	if err != nil {
		return fmt.Errorf("SUPPORTBOT_DB: %w", err)
	}
	defer db.Close()

	opts := []handlers.Option{
		handlers.WithLogger(log),
		handlers.WithReminder(cfg.RemindAfter),
		handlers.WithAdminQuiet(cfg.VKQuietPeriod),
		handlers.WithOperators(cfg.Operators...),
		handlers.WithOperatorSignature(cfg.OperatorSignature),
	}
	router := handlers.NewRouter(db, f, opts...)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg     sync.WaitGroup
		ready  readiness
		mux    = http.NewServeMux()
		tgHook http.Handler // the Telegram webhook, when on
		vkHook http.Handler // the VK Callback API, when on
	)
	fail := func(err error) {
		if ctx.Err() != nil {
			return // already stopping; a start-up check cut short is no failure
		}
		log.Error("stopping", "err", err)
		cancel(err)
	}

	if cfg.telegramOn() {
		tg, err := telegram.New(cfg.TelegramToken,
			telegram.WithServerURL(cfg.TelegramAPIURL),
			telegram.WithLogger(log.With("platform", "telegram")))
		if err != nil {
			return fmt.Errorf("TELEGRAM_TOKEN: %w", err)
		}
		router.AddChannel(tg)
		var desk *telegram.Desk
		if cfg.OperatorChat != "" {
			desk = tg.Desk(cfg.OperatorChat)
			router.SetDesk(desk)
		}
		webhook := cfg.TelegramWebhookURL != ""
		if webhook {
			tgHook = tg.WebhookHandler(cfg.TelegramWebhookSecret, router)
			mux.Handle(cfg.webhookPath(), tgHook)
		}
		ready.add("telegram")
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := startWithRetry(ctx, log, "telegram", tg.Check); err != nil {
				fail(err)
				return
			}
			if desk != nil {
				if err := startWithRetry(ctx, log, "operators' desk", desk.Check); err != nil {
					fail(err)
					return
				}
			}
			if webhook {
				err := startWithRetry(ctx, log, "telegram webhook", func(ctx context.Context) error {
					return tg.SetWebhook(ctx, cfg.TelegramWebhookURL, cfg.TelegramWebhookSecret)
				})
				if err != nil {
					fail(err)
					return
				}
				ready.set("telegram")
				log.Info("telegram: receiving updates by webhook", "bot", tg.Username(), "path", cfg.webhookPath())
				return
			}
			// A webhook left from an earlier setup would make getUpdates
			// fail with 409; remove it. Not fatal: Poll says what is wrong.
			if err := tg.DeleteWebhook(ctx); err != nil && ctx.Err() == nil {
				log.Warn("telegram: could not remove an earlier webhook", "err", err)
			}
			ready.set("telegram")
			log.Info("telegram: long polling", "bot", tg.Username())
			if err := tg.Poll(ctx, router); err != nil && ctx.Err() == nil {
				fail(err)
			}
		}()
	}

	if cfg.vkOn() {
		name := "vk:" + strconv.Itoa(cfg.VKGroupID)
		v, err := vk.New(cfg.VKToken, cfg.VKGroupID,
			vk.WithAPIURL(cfg.VKAPIURL),
			vk.WithLogger(log.With("platform", "vk")),
			vk.WithCursor(&vkCursor{db: db, name: name}),
			vk.WithConnected(func() { ready.set("vk") }))
		if err != nil {
			return fmt.Errorf("VK_TOKEN: %w", err)
		}
		router.AddChannel(v)
		callback := cfg.vkCallback()
		if callback {
			vkHook = v.CallbackHandler(cfg.VKCallbackSecret, cfg.VKConfirmation, router)
			mux.Handle(vkCallbackPath, vkHook)
		}
		ready.add("vk")
		wg.Add(1)
		go func() {
			defer wg.Done()
			check := func(ctx context.Context) error {
				if err := v.Check(ctx, callback); err != nil || !callback {
					return err
				}
				return v.CheckConfirmation(ctx, cfg.VKConfirmation)
			}
			if err := startWithRetry(ctx, log, "vk", check); err != nil {
				fail(err)
				return
			}
			if callback {
				ready.set("vk")
				log.Info("vk: receiving events by Callback API", "group", cfg.VKGroupID, "path", vkCallbackPath)
				return
			}
			log.Info("vk: long polling", "group", cfg.VKGroupID)
			if err := v.Poll(ctx, router); err != nil && ctx.Err() == nil {
				fail(err)
			}
		}()
	}

	mux.Handle("/", fallbackHooks(newOpsMux(db, ready.check), tgHook, vkHook))
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		cancel(nil)
		wg.Wait()
		return fmt.Errorf("SUPPORTBOT_LISTEN %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fail(fmt.Errorf("http server: %w", err))
		}
	}()
	log.Info("supportbot started", "listen", ln.Addr().String(), "faq", cfg.FAQPath, "entries", len(f.Entries), "db", cfg.DBPath)

	if err := registerQueueMetrics(db); err != nil {
		log.Warn("queue metrics not registered", "err", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		reloadFAQ(ctx, cfg.FAQPath, router, log)
	}()

	runErr := router.Run(ctx)

	shutdownCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	srv.Shutdown(shutdownCtx)
	cancel(nil)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	log.Info("supportbot stopped")
	return nil
}

// reloadFAQ swaps in a new FAQ when the file changes or on SIGHUP; a broken
// file is reported and the old FAQ keeps serving.
func reloadFAQ(ctx context.Context, path string, router *handlers.Router, log *slog.Logger) {
	loaded := func(f *faq.FAQ) {
		router.SetFAQ(f)
		log.Info("faq reloaded", "file", path, "entries", len(f.Entries))
	}
	broken := func(err error) {
		log.Error("faq not reloaded: the new file has errors, the previous version keeps serving", "file", path, "err", err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		if err := faq.Watch(ctx, path, loaded, broken); err != nil && ctx.Err() == nil {
			log.Warn("not watching the FAQ file for changes; reload with SIGHUP", "file", path, "err", err)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			f, err := faq.Load(path)
			if err != nil {
				broken(err)
				continue
			}
			loaded(f)
		}
	}
}

// startWithRetry runs a start-up check, retrying temporary failures (the
// platform is down or unreachable) with backoff; a permanent failure (a
// revoked token, a misconfigured community) is returned at once.
func startWithRetry(ctx context.Context, log *slog.Logger, what string, check func(context.Context) error) error {
	wait := time.Second
	for {
		err := check(ctx)
		var re *bot.RetryError
		if err == nil || !errors.As(err, &re) {
			return err
		}
		d := max(wait, re.After)
		d += rand.N(d / 4)
		log.Warn(what+" is not reachable yet; retrying", "in", d.Round(time.Millisecond).String(), "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		wait = min(wait*2, time.Minute)
	}
}

// readiness tracks which channels have passed their start-up check.
type readiness struct {
	mu   sync.Mutex
	want []string
	ok   map[string]bool
}

func (r *readiness) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.want = append(r.want, name)
}

func (r *readiness) set(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ok == nil {
		r.ok = map[string]bool{}
	}
	r.ok[name] = true
}

// check returns an error naming the channels not connected yet.
func (r *readiness) check() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var missing []string
	for _, n := range r.want {
		if !r.ok[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not connected yet: %v", missing)
	}
	return nil
}

// vkCursor keeps the VK long-poll ts in the database.
type vkCursor struct {
	db   *storage.DB
	name string
}

// LoadCursor returns the saved ts, or "".
func (c *vkCursor) LoadCursor(ctx context.Context) (string, error) { return c.db.Cursor(ctx, c.name) }

// SaveCursor saves ts.
func (c *vkCursor) SaveCursor(ctx context.Context, ts string) error {
	return c.db.SaveCursor(ctx, c.name, ts)
}

// fallbackHooks serves ops, except that a POST to a path no handler claims
// goes to the Telegram webhook when it carries Telegram's secret header, and
// otherwise to the VK Callback API: a reverse proxy that rewrites the path, or
// a Callback server address typed without /vk/callback, still reaches the
// bot. Each hook still checks its own secret.
func fallbackHooks(ops, tg, vk http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			switch {
			case tg != nil && r.Header.Get(telegram.SecretHeader) != "":
				tg.ServeHTTP(w, r)
				return
			case vk != nil:
				vk.ServeHTTP(w, r)
				return
			case tg != nil:
				tg.ServeHTTP(w, r) // refused: no secret header
				return
			}
		}
		ops.ServeHTTP(w, r)
	})
}
