package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	tgbot "github.com/go-telegram/bot"

	"github.com/supportbot/supportbot/bot"
)

// SecretHeader is the header in which Telegram sends the webhook's secret
// token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// SetWebhook registers url as the bot's webhook with the secret token
// Telegram will send in SecretHeader. The secret must be 1–256 characters
// of A-Z, a-z, 0-9, _ and -.
func (t *Telegram) SetWebhook(ctx context.Context, url, secret string) error {
	if !secretPattern.MatchString(secret) {
		return errors.New("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters, only A-Z, a-z, 0-9, _ and -")
	}
	err := t.call(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := t.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            url,
			SecretToken:    secret,
			AllowedUpdates: allowedUpdates,
		})
		return err
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == http.StatusBadRequest {
		return fmt.Errorf("Telegram refused TELEGRAM_WEBHOOK_URL %s: %s", url, ae.Description)
	}
	return err
}

// DeleteWebhook removes the webhook, so that Poll can be used. Pending
// updates are kept.
func (t *Telegram) DeleteWebhook(ctx context.Context) error {
	return t.call(ctx, "deleteWebhook", func(ctx context.Context) error {
		_, err := t.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	})
}

// WebhookHandler serves the webhook. A request without the right secret in
// SecretHeader gets 401 and nothing is handled (an empty secret refuses
// everything). An update is answered 200 only after h.Handle returned nil;
// when Handle fails the answer is 500 and Telegram delivers it again. An
// update that does not decode, or that the bot does not handle, is logged
// and answered 200: Telegram would otherwise retry it forever and hold back
// the updates behind it.
//
// Call Check before serving: mentions of the bot in groups are recognised
// by the username it learns.
func (t *Telegram) WebhookHandler(secret string, h bot.Handler) http.Handler {
	want := sha256.Sum256([]byte(secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := sha256.Sum256([]byte(r.Header.Get(SecretHeader)))
		if secret == "" || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
			t.log.Warn("telegram: webhook request with a wrong or missing secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
		if err != nil {
			t.log.Error("telegram: webhook body unreadable", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		id, u, err := decodeUpdate(raw)
		if err != nil {
			t.log.Error("telegram: skipping malformed webhook update", "err", err, "update", truncate(string(raw), 2000))
			w.WriteHeader(http.StatusOK)
			return
		}
		m, ok, why := t.convert(u)
		if !ok {
			t.log.Debug("telegram: skipping update", "update_id", id, "why", why)
			w.WriteHeader(http.StatusOK)
			return
		}
		m.Raw = raw
		if err := h.Handle(r.Context(), m); err != nil {
			t.log.Warn("telegram: handler failed; Telegram will deliver the update again", "update_id", id, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
