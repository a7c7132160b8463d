package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/supportbot/supportbot/faq"
	"github.com/supportbot/supportbot/handlers"
	"github.com/supportbot/supportbot/storage"
)

// runQueue is `supportbot queue [-db F]` (list the handed-off conversations)
// and `supportbot queue [-db F] [-faq F] close ID` (close one).
func runQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runQueueAt(ctx, args, stdout, stderr, time.Now)
}

func runQueueAt(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", envOr("SUPPORTBOT_DB", "supportbot.db"), "the SQLite database ($SUPPORTBOT_DB)")
	faqPath := fs.String("faq", envOr("SUPPORTBOT_FAQ", "faq.yaml"), "the FAQ whose closing texts the customer gets ($SUPPORTBOT_FAQ)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: supportbot queue [-db FILE]              list conversations waiting for or owned by a person")
		fmt.Fprintln(stderr, "       supportbot queue [-db FILE] close ID     close one (the customer gets the closing message)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "close" {
		// Flags may also follow the verb: queue close -db x.db 12.
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return errors.New("queue close: name one conversation: supportbot queue close ID (the ID column of supportbot queue)")
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(fs.Arg(0), "#"), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("queue close: %q is not an ID; use a number from the ID column of supportbot queue", fs.Arg(0))
		}
		return queueClose(ctx, *dbPath, *faqPath, id, stdout, stderr)
	}
	if len(rest) > 0 {
		fs.Usage()
		return fmt.Errorf("queue: unknown argument %q", rest[0])
	}
	return queueList(ctx, *dbPath, stdout, now)
}

func openExisting(ctx context.Context, path string) (*storage.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s; set SUPPORTBOT_DB or pass -db", path)
	}
	return storage.Open(ctx, path)
}

// queueList prints the open handoffs as a table.
func queueList(ctx context.Context, dbPath string, stdout io.Writer, now func() time.Time) error {
	db, err := openExisting(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	defer db.Close()
	items, err := db.Queue(ctx)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, "Nobody is waiting: the queue is empty.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPLATFORM\tCUSTOMER\tREASON\tWAITING\tOWNER")
	for _, it := range items {
		h, c := it.Handoff, it.Conversation
		who := c.UserName
		if who == "" {
			who = c.ChatID
		}
		owner := "-"
		if h.State == storage.StateAssigned {
			owner = h.OwnerName
			if owner == "" {
				owner = h.OwnerID
			}
		}
		reason := h.Reason
		if h.Priority > 0 {
			reason += " (!)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.ID, c.Platform, who, reason, ago(now().Sub(h.CreatedAt)), owner)
	}
	return tw.Flush()
}

// ago writes a waiting time for people: 45s, 12m, 3h05m, 2d4h.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

// queueClose closes handoff id; the closing message and the rating prompt go
// to the outbox in the same transaction.
func queueClose(ctx context.Context, dbPath, faqPath string, id int64, stdout, stderr io.Writer) error {
	f, err := faq.Load(faqPath)
	if err != nil {
		fmt.Fprintf(stderr, "supportbot: %v; the customer gets the built-in closing text\n", err)
		f = &faq.FAQ{}
	}
	db, err := openExisting(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("queue close: %w", err)
	}
	defer db.Close()
	h, err := handlers.CloseHandoff(ctx, db, f, id)
	var se *storage.StateError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("queue close: there is no conversation %d in the queue; supportbot queue lists them", id)
	case errors.As(err, &se):
		return fmt.Errorf("queue close: conversation %d is already %s", id, se.State)
	case err != nil:
		return fmt.Errorf("queue close: %w", err)
	}
	fmt.Fprintf(stdout, "Closed %d. The customer gets the closing message and the rating question from the running bot within seconds (or when it next starts).\n", h.ID)
	return nil
}
