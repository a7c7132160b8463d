// Package console is the terminal chat: it reads a customer's lines from an
// io.Reader, hands each to a bot.Handler as a bot.Message, and prints the
// bot's replies to an io.Writer with buttons as numbered choices. Typing a
// number presses that button.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/supportbot/supportbot/bot"
)

// ChatID is the chat every console message comes from.
const ChatID = "console"

// Console is a bot.Channel on a terminal (or a pipe).
type Console struct {
	in     io.Reader
	out    io.Writer
	prompt bool
	user   string

	mu      sync.Mutex
	buttons []bot.Button // the numbered choices of the last reply that had any
	sent    int

	// Event ids are unique across runs: the start time, then a counter.
	start int64
	n     int
}

// Option configures a Console.
type Option func(*Console)

// WithPrompt prints "> " before each line is read; use it when the input is
// a terminal.
func WithPrompt(on bool) Option { return func(c *Console) { c.prompt = on } }

// WithUser sets the customer's name shown to operators ("Консоль" by
// default).
func WithUser(name string) Option { return func(c *Console) { c.user = name } }

// New returns a Console reading lines from in and printing to out.
func New(in io.Reader, out io.Writer, opts ...Option) *Console {
	c := &Console{in: in, out: out, user: "Консоль", start: time.Now().UnixNano()}
	for _, o := range opts {
		o(c)
	}
	return c
}

var _ bot.Channel = (*Console)(nil)

// Platform returns bot.Console.
func (c *Console) Platform() bot.Platform { return bot.Console }

// Send prints r: its text, then its buttons numbered from 1 ("  1) Доставка";
// a link button shows its address). It returns a sequence number as the
// message id. A reply with nothing to show (one that only acknowledges a
// button press) prints nothing and returns "".
func (c *Console) Send(ctx context.Context, r bot.Reply) (string, error) {
	if strings.TrimSpace(r.Text) == "" && len(r.Attachments) == 0 && len(r.Buttons) == 0 {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	b.WriteString(strings.TrimRight(r.Text, "\n"))
	b.WriteByte('\n')
	for _, a := range r.Attachments {
		fmt.Fprintf(&b, "[%s]\n", a.Type)
	}
	var choices []bot.Button
	for _, row := range r.Buttons {
		for _, bt := range row {
			choices = append(choices, bt)
			if bt.URL != "" {
				fmt.Fprintf(&b, "  %d) %s: %s\n", len(choices), bt.Text, bt.URL)
			} else {
				fmt.Fprintf(&b, "  %d) %s\n", len(choices), bt.Text)
			}
		}
	}
	if len(choices) > 0 {
		c.buttons = choices
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(c.out, b.String()); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	c.sent++
	return strconv.Itoa(c.sent), nil
}

// Run reads lines until the input ends (then it returns nil) or ctx is done,
// and hands each non-empty line to h: a number that matches a button of the
// last reply presses it, anything else is a text message. After each line it
// calls settle (which may be nil), which should return once the bot's replies
// are printed, so a piped conversation reads like a typed one.
func (c *Console) Run(ctx context.Context, h bot.Handler, settle func(context.Context) error) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	for {
		c.showPrompt()
		var line string
		select {
		case <-ctx.Done():
			return nil
		case l, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return fmt.Errorf("console: read: %w", err)
				}
				return nil
			}
			line = l
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := h.Handle(ctx, c.message(line)); err != nil {
			return err
		}
		if settle != nil {
			if err := settle(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

func (c *Console) showPrompt() {
	if !c.prompt {
		return
	}
	c.mu.Lock()
	io.WriteString(c.out, "> ")
	c.mu.Unlock()
}

// message turns a typed line into a bot.Message.
func (c *Console) message(line string) bot.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	m := bot.Message{
		Platform: bot.Console,
		EventID:  fmt.Sprintf("%d-%d", c.start, c.n),
		Kind:     bot.KindText,
		ChatID:   ChatID,
		UserID:   ChatID,
		UserName: c.user,
		Text:     line,
		Time:     time.Now(),
	}
	if strings.HasPrefix(line, "/") {
		m.Kind = bot.KindCommand
	}
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.buttons) {
		b := c.buttons[n-1]
		if b.URL == "" {
			m.Kind, m.Text, m.Payload = bot.KindButton, b.Text, b.Payload
		}
	}
	return m
}
