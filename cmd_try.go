package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/supportbot/supportbot/faq"
)

// tryResult is one line of `supportbot try` output.
type tryResult struct {
	Text       string   `json:"text"`
	Action     string   `json:"action"`
	Entry      string   `json:"entry"`
	Score      float64  `json:"score"`
	Candidates []string `json:"candidates"`
}

// runTry reads one customer message per line on stdin and prints the
// matcher's decision for each as one JSON object per line, in order.
func runTry(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("try", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("faq", envOr("SUPPORTBOT_FAQ", "faq.yaml"), "the FAQ file ($SUPPORTBOT_FAQ)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: supportbot try [-faq FILE] < messages.txt")
		fmt.Fprintln(stderr, "Reads one customer message per line and prints one JSON decision per line.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("try: unexpected argument %q", fs.Arg(0))
	}
	// try is for testing a FAQ against real messages, so a phrasing written
	// twice is a warning here (check and the bot refuse it); public intent
	// data sets have such repeats.
	f, err := faq.LoadWith(*path, faq.Options{AllowDuplicatePhrasings: true})
	if err != nil {
		return fmt.Errorf("try: %w", err)
	}
	for _, w := range f.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	m := faq.NewMatcher(f)

	in := bufio.NewReader(stdin)
	out := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return err
		}
		line, rerr := in.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			out.Flush()
			return fmt.Errorf("try: read: %w", rerr)
		}
		if len(line) > 0 {
			line = trimEOL(line)
			d := m.Match(line)
			r := tryResult{Text: line, Action: string(d.Action), Entry: d.Entry, Score: round3(d.Score), Candidates: d.Candidates}
			if r.Candidates == nil {
				r.Candidates = []string{}
			}
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("try: write: %w", err)
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("try: write: %w", err)
	}
	return nil
}

// trimEOL drops a trailing "\n" or "\r\n".
func trimEOL(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
	}
	if n := len(s); n > 0 && s[n-1] == '\r' {
		s = s[:n-1]
	}
	return s
}

// round3 rounds a score to three decimals for readable output.
func round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}
