package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/supportbot/supportbot/bot/console"
	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/handlers"
	"github.com/supportbot/supportbot/storage"
)

// runChat is `supportbot chat [-faq F] [-db F]`: the terminal chat on the
// same Router the platforms use. With piped stdin it processes every line,
// waits for the replies to be printed, and exits 0 at the end of the input.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	faqPath := fs.String("faq", envOr("SUPPORTBOT_FAQ", "faq.yaml"), "the FAQ file ($SUPPORTBOT_FAQ)")
	dbPath := fs.String("db", envOr("SUPPORTBOT_DB", "supportbot.db"), "the SQLite database ($SUPPORTBOT_DB)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: supportbot chat [-faq FILE] [-db FILE]")
		fmt.Fprintln(stderr, "Talk to the bot in the terminal as a customer would; type a number to press a button.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("chat: unexpected argument %q", fs.Arg(0))
	}
	f, err := faq.Load(*faqPath)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	db, err := storage.Open(ctx, *dbPath)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := handlers.NewRouter(db, f, handlers.WithLogger(log))
	if err := chatOn(ctx, r, stdin, stdout); err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	return nil
}

// chatOn runs the terminal chat on r (which must not be running yet) until
// stdin ends or ctx is done; it prints a prompt when stdin is a terminal.
func chatOn(ctx context.Context, r *handlers.Router, stdin io.Reader, stdout io.Writer) error {
	con := console.New(stdin, stdout, console.WithPrompt(isTerminal(stdin)))
	r.AddChannel(con)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	err := con.Run(ctx, r, r.Wait)
	stop()
	if rerr := <-done; rerr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

// envOr returns the environment variable name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// isTerminal reports whether r is an interactive terminal (not a pipe or a
// file).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
