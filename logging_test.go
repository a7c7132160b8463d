package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const (
	testTGToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"
	testVKToken = "vk1.a.Xb3kLmN0pQrStUvWxYz_1234567890abcdefGHIJKLmnopqrstuvwxyz-ABCDEFGHIJ"
)

var testVKHex = strings.Repeat("0123456789abcdef", 5) + "01234"

func TestLoggerLevelsAndFormats(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, "warn", "json", false)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "platform", "vk", "n", 3)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("warn level wrote %q", buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %q", lines[0])
	}
	if rec["msg"] != "shown" || rec["level"] != "WARN" || rec["platform"] != "vk" || rec["n"] != 3.0 {
		t.Errorf("record = %v", rec)
	}

	buf.Reset()
	log, err = newLogger(&buf, "", "", false)
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("not at info")
	log.Info("started", "listen", ":8080")
	if got := buf.String(); strings.Contains(got, "not at info") || !strings.Contains(got, `level=INFO msg=started listen=:8080`) {
		t.Errorf("default (info, text) wrote %q", got)
	}

	for _, c := range [][2]string{{"verbose", "text"}, {"info", "xml"}} {
		if _, err := newLogger(&buf, c[0], c[1], false); err == nil {
			t.Errorf("newLogger(%q, %q) is not an error", c[0], c[1])
		}
	}
	if _, err := newLogger(&buf, "DEBUG", "JSON", false); err != nil {
		t.Errorf("upper case: %v", err)
	}
}

type leakyConfig struct {
	Token string
	Group int
}

func TestLoggerRedactsTokens(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log, err := newLogger(&buf, "debug", format, true)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("calling https://api.telegram.org/bot" + testTGToken + "/getMe")
		log.Error("send failed", "err", fmt.Errorf("post https://api.telegram.org/bot%s/sendMessage: %w", testTGToken, errors.New("timeout")))
		log.Warn("vk", "url", "https://api.vk.com/method/groups.getById?access_token=abc.def-123&v=5.199", "token", testVKToken)
		log.Debug("config", "cfg", leakyConfig{Token: testVKHex, Group: 42})
		log.Info("nested", slog.Group("req", slog.String("auth", "Bearer "+testTGToken)))
		log.With("token", testVKToken).Info("bound")
		out := buf.String()
		for _, secret := range []string{testTGToken, testVKToken, testVKHex, "abc.def-123", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s: a token reached the log:\n%s", format, out)
			}
		}
		if n := strings.Count(out, "[REDACTED]"); n < 7 {
			t.Errorf("%s: %d redactions, want at least 7:\n%s", format, n, out)
		}
		for _, keep := range []string{"timeout", "v=5.199", "42", "sendMessage"} {
			if !strings.Contains(out, keep) {
				t.Errorf("%s: redaction removed %q:\n%s", format, keep, out)
			}
		}
	}
}

func TestLoggerCustomerText(t *testing.T) {
	const text = "мой номер +7 900 123-45-67, где заказ?"
	var buf bytes.Buffer
	log, _ := newLogger(&buf, "debug", "text", false)
	log.Info("message", "platform", "vk", "text", text)
	log.Info("grouped", slog.Group("msg", slog.String("customer_text", text)))
	log.With("text", text).Warn("bound")
	if strings.Contains(buf.String(), "где заказ") {
		t.Errorf("customer text at info without SUPPORTBOT_LOG_TEXT:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), `text="[38 chars hidden]"`) || !strings.Contains(buf.String(), "platform=vk") {
		t.Errorf("hidden text should say its length:\n%s", buf.String())
	}
	buf.Reset()
	log.Debug("message", "text", text)
	if !strings.Contains(buf.String(), "где заказ") {
		t.Errorf("debug level hides customer text:\n%s", buf.String())
	}
	buf.Reset()
	log, _ = newLogger(&buf, "info", "json", true)
	log.Info("message", "text", text)
	if !strings.Contains(buf.String(), "где заказ") {
		t.Errorf("SUPPORTBOT_LOG_TEXT=1 hides customer text:\n%s", buf.String())
	}
}
