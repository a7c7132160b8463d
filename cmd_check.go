package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

	"github.com/supportbot/supportbot/faq"
)

// runCheck validates a FAQ file: `supportbot check [FILE]`, FILE defaulting
// to $SUPPORTBOT_FAQ or faq.yaml. A good file prints one summary line and
// returns nil; a bad one prints every problem as `file:line:col: message` on
// stdout and returns exitCode(1).
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: supportbot check [FILE]")
		fmt.Fprintln(stderr, "Validates a FAQ file (default: $SUPPORTBOT_FAQ, or faq.yaml) and prints every problem as file:line:col: message.")
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 1 {
		fl.Usage()
		return fmt.Errorf("check: one file at a time, got %d", fl.NArg())
	}
	path := envOr("SUPPORTBOT_FAQ", "faq.yaml")
	if fl.NArg() == 1 {
		path = fl.Arg(0)
	}

	f, err := faq.Load(path)
	var problems faq.ErrorList
	switch {
	case err == nil:
		phrasings := 0
		for _, e := range f.Entries {
			phrasings += len(e.Questions)
		}
		fmt.Fprintf(stdout, "%s: ok — %s, %s\n", path, countNoun(len(f.Entries), "entry", "entries"), countNoun(phrasings, "phrasing", "phrasings"))
		return nil
	case errors.As(err, &problems):
		for _, p := range problems {
			fmt.Fprintln(stdout, p)
		}
		fmt.Fprintf(stderr, "%s: %s\n", path, countNoun(len(problems), "problem", "problems"))
		return exitCode(1)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("check: %s does not exist; name the FAQ file (supportbot check path/to/faq.yaml) or set SUPPORTBOT_FAQ", path)
	default:
		return fmt.Errorf("check: cannot read %s: %w", path, err)
	}
}

// countNoun writes "1 entry" or "31 entries".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
