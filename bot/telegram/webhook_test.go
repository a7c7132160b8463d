package telegram

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supportbot/supportbot/bot"
)

func TestWebhook(t *testing.T) {
	const secret = "s3cr3t_Token-42"
	f := newFake(t)
	tg, _ := f.client()

	tests := []struct {
		name    string
		method  string
		header  *string
		body    string
		fail    bool
		status  int
		handled bool
	}{
		{name: "right secret", header: ptr(secret), body: readUpdate(t, "private_text"), status: 200, handled: true},
		{name: "wrong secret", header: ptr("guess"), body: readUpdate(t, "private_text"), status: 401},
		{name: "secret differs in case", header: ptr(strings.ToUpper(secret)), body: readUpdate(t, "private_text"), status: 401},
		{name: "no secret", body: readUpdate(t, "private_text"), status: 401},
		{name: "handler fails", header: ptr(secret), body: readUpdate(t, "private_text"), fail: true, status: 500, handled: true},
		{name: "malformed update", header: ptr(secret), body: readUpdate(t, "malformed"), status: 200},
		{name: "not JSON", header: ptr(secret), body: "<xml/>", status: 200},
		{name: "edited message", header: ptr(secret), body: readUpdate(t, "edited_message"), status: 200},
		{name: "GET", method: http.MethodGet, header: ptr(secret), status: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []bot.Message
			h := tg.WebhookHandler(secret, handlerFunc(func(_ context.Context, m bot.Message) error {
				got = append(got, m)
				if tt.fail {
					return errors.New("database is locked")
				}
				return nil
			}))
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/telegram/webhook", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.header != nil {
				req.Header.Set(SecretHeader, *tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d; want %d", rec.Code, tt.status)
			}
			if (len(got) > 0) != tt.handled {
				t.Errorf("handled %v; want handled=%v", got, tt.handled)
			}
			if tt.handled && (got[0].EventID != "870211001" || got[0].Kind != bot.KindText) {
				t.Errorf("message %+v", got[0])
			}
			if tt.handled && string(got[0].Raw) != tt.body {
				t.Errorf("raw payload %s; want the update as posted", got[0].Raw)
			}
		})
	}
}

func TestWebhookEmptySecretRefusesEverything(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	called := false
	h := tg.WebhookHandler("", handlerFunc(func(context.Context, bot.Message) error { called = true; return nil }))
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(readUpdate(t, "start")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || called {
		t.Fatalf("status %d, handled %v; want 401 and nothing handled", rec.Code, called)
	}
}

func TestSetWebhook(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	if err := tg.SetWebhook(context.Background(), "https://bot.example.com/telegram", "abc_DEF-1"); err != nil {
		t.Fatal(err)
	}
	c := f.callsTo("setWebhook")[0]
	if c.Params["url"] != "https://bot.example.com/telegram" || c.Params["secret_token"] != "abc_DEF-1" ||
		c.Params["allowed_updates"] != `["message","callback_query"]` {
		t.Errorf("setWebhook params %v", c.Params)
	}
	err := tg.SetWebhook(context.Background(), "http://bot.example.com/telegram", "abc")
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_WEBHOOK_URL") || !strings.Contains(err.Error(), "HTTPS") {
		t.Errorf("plain http: %v", err)
	}
	if err := tg.SetWebhook(context.Background(), "https://x", "has space"); err == nil || !strings.Contains(err.Error(), "TELEGRAM_WEBHOOK_SECRET") {
		t.Errorf("bad secret: %v", err)
	}
	if err := tg.DeleteWebhook(context.Background()); err != nil || len(f.callsTo("deleteWebhook")) != 1 {
		t.Errorf("DeleteWebhook: %v", err)
	}
}
