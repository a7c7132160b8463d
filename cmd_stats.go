package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/supportbot/supportbot/storage"
)

// statsClock is what runStats reads from the world: the current time and the
// time zone that days are counted in. Tests fix both.
type statsClock struct {
	now func() time.Time
	loc *time.Location
}

// runStats is `supportbot stats [-since 7d] [-json] [-html FILE] [-fragment FILE] [-db FILE]`.
func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runStatsWith(ctx, args, stdout, stderr, os.Getenv, statsClock{now: time.Now, loc: time.Local})
}

func runStatsWith(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, clock statsClock) error {
	fset := flag.NewFlagSet("stats", flag.ContinueOnError)
	fset.SetOutput(stderr)
	dbDefault := strings.TrimSpace(getenv("SUPPORTBOT_DB"))
	if dbDefault == "" {
		dbDefault = "supportbot.db"
	}
	var (
		sinceArg = fset.String("since", "7d", "start of the period: a span back from now (7d, 24h, 30d, 2w) or a date (2026-11-01)")
		asJSON   = fset.Bool("json", false, "print the report as one JSON document")
		htmlPath = fset.String("html", "", "also write a self-contained HTML page with charts to `FILE`")
		fragPath = fset.String("fragment", "", "also write the unanswered questions as a faq.yaml fragment to `FILE`")
		dbPath   = fset.String("db", dbDefault, "SQLite database (SUPPORTBOT_DB)")
	)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: supportbot stats [-since 7d] [-json] [-html FILE] [-fragment FILE] [-db FILE]")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("stats: unexpected argument %q (flags go before it? try -since %s)", fset.Arg(0), fset.Arg(0))
	}
	now := clock.now().In(clock.loc)
	since, err := parseSince(*sinceArg, now)
	if err != nil {
		return err
	}

	if _, err := os.Stat(*dbPath); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stats: no database at %s; set SUPPORTBOT_DB or pass -db", *dbPath)
	}
	db, err := storage.Open(ctx, *dbPath)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	defer db.Close()
	s, err := db.Stats(ctx, since, now)
	if err != nil {
		return err
	}
	r := buildReport(s, groupUnanswered(s.Unanswered, statsKeywords))

	if *htmlPath != "" {
		if err := writeFileWith(*htmlPath, func(w io.Writer) error { return writeStatsHTML(w, r, now) }); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		fmt.Fprintf(stderr, "wrote %s\n", *htmlPath)
	}
	if *fragPath != "" {
		if err := writeFileWith(*fragPath, func(w io.Writer) error { return writeFragment(w, r, now) }); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		fmt.Fprintf(stderr, "wrote %s (%d questions to answer)\n", *fragPath, len(r.Unanswered))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	return writeStatsText(stdout, r)
}

// parseSince reads -since: a span back from now ("7d", "2w", "24h", "90m")
// or a date ("2026-11-01", midnight in now's time zone).
func parseSince(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.ParseInLocation("2006-01-02", v, now.Location()); err == nil {
		if !t.Before(now) {
			return time.Time{}, fmt.Errorf("stats: -since %s is not in the past", v)
		}
		return t, nil
	}
	bad := fmt.Errorf("stats: -since %q: want a span like 7d, 24h, 30d, 2w or a date like 2026-11-01", v)
	if n := len(v); n >= 2 && (v[n-1] == 'd' || v[n-1] == 'w') {
		k, err := strconv.Atoi(v[:n-1])
		if err != nil || k <= 0 {
			return time.Time{}, bad
		}
		if v[n-1] == 'w' {
			k *= 7
		}
		return now.AddDate(0, 0, -k), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return time.Time{}, bad
	}
	return now.Add(-d), nil
}

// writeFileWith writes a file through fn, replacing it only when fn
// succeeded.
func writeFileWith(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".supportbot-stats-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
