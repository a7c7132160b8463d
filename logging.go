package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"
)

// newLogger builds the process's structured logger: one line per event,
// text (logfmt-like) or JSON, at level and above.
//
//   - level is SUPPORTBOT_LOG_LEVEL: debug, info, warn or error ("" is info).
//   - format is SUPPORTBOT_LOG_FORMAT: text or json ("" is text).
//   - logText is SUPPORTBOT_LOG_TEXT: when false, customer message text
//     (attributes named "text" or "customer_text", in any group) is shown
//     only at debug level; at info and above it is replaced by its length.
//
// Anything that looks like a token — a Telegram bot token (digits, colon,
// 35 characters), a VK token (vk1.a.…, or 85 hex digits), an access_token=
// parameter — is replaced by [REDACTED] in the message and every attribute,
// errors included, at every level.
func newLogger(w io.Writer, level, format string, logText bool) (*slog.Logger, error) {
	var lv slog.Level
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug":
		lv = slog.LevelDebug
	case "", "info":
		lv = slog.LevelInfo
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, fmt.Errorf("SUPPORTBOT_LOG_LEVEL must be debug, info, warn or error, not %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: redactAttr}
	var h slog.Handler
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("SUPPORTBOT_LOG_FORMAT must be text or json, not %q", format)
	}
	if !logText {
		h = &textGuard{next: h}
	}
	return slog.New(h), nil
}

// secretRE matches what must never reach a log line.
var secretRE = regexp.MustCompile(
	`[0-9]{5,16}:[A-Za-z0-9_-]{35}` + // Telegram bot token
		`|vk1\.a\.[A-Za-z0-9_\-]+` + // VK token
		`|\b[0-9a-fA-F]{85}\b`, // VK legacy token
)

// accessTokenRE matches an access_token parameter in a URL or a form.
var accessTokenRE = regexp.MustCompile(`(access_token=)[^&\s"']+`)

// redacted is what a secret becomes.
const redacted = "[REDACTED]"

// redactSecrets replaces every token in s.
func redactSecrets(s string) string {
	s = secretRE.ReplaceAllString(s, redacted)
	return accessTokenRE.ReplaceAllString(s, "${1}"+redacted)
}

// redactAttr is the handlers' ReplaceAttr: it removes secrets from strings,
// errors and any other value whose printed form holds one.
func redactAttr(groups []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); secretRE.MatchString(s) || accessTokenRE.MatchString(s) {
			a.Value = slog.StringValue(redactSecrets(s))
		}
	case slog.KindAny:
		v := a.Value.Any()
		var s string
		switch v := v.(type) {
		case error:
			s = v.Error()
		case fmt.Stringer:
			s = v.String()
		default:
			s = fmt.Sprintf("%+v", v)
		}
		if clean := redactSecrets(s); clean != s {
			a.Value = slog.StringValue(clean)
		} else if _, ok := v.(error); ok {
			a.Value = slog.StringValue(s)
		}
	}
	return a
}

// customerTextKeys name the attributes that carry what customers wrote.
var customerTextKeys = map[string]bool{"text": true, "customer_text": true}

// textGuard hides customer text below debug level: a record at info or
// above has its customer-text attributes replaced by their length.
// Attributes bound with With are hidden at every level, since their
// records' levels are not known yet.
type textGuard struct{ next slog.Handler }

// Enabled reports whether the wrapped handler takes records at level.
func (g *textGuard) Enabled(ctx context.Context, level slog.Level) bool {
	return g.next.Enabled(ctx, level)
}

// Handle passes r on, with customer text hidden unless r is a debug record.
func (g *textGuard) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		return g.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(hideText(a))
		return true
	})
	return g.next.Handle(ctx, out)
}

// WithAttrs binds attrs with customer text hidden.
func (g *textGuard) WithAttrs(attrs []slog.Attr) slog.Handler {
	hidden := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		hidden[i] = hideText(a)
	}
	return &textGuard{next: g.next.WithAttrs(hidden)}
}

// WithGroup opens a group in the wrapped handler.
func (g *textGuard) WithGroup(name string) slog.Handler {
	return &textGuard{next: g.next.WithGroup(name)}
}

func hideText(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		hidden := make([]slog.Attr, len(attrs))
		for i, x := range attrs {
			hidden[i] = hideText(x)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(hidden...)}
	}
	if customerTextKeys[a.Key] {
		n := 0
		if v.Kind() == slog.KindString {
			n = utf8.RuneCountInString(v.String())
		}
		return slog.String(a.Key, fmt.Sprintf("[%d chars hidden]", n))
	}
	return a
}
