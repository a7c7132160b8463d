package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supportbot/supportbot/bot/telegram"
)

func TestFallbackHooksRouteStrayPosts(t *testing.T) {
	hit := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(name)) })
	}
	tests := []struct {
		name           string
		tg, vk         http.Handler
		method, header string
		want           string
	}{
		{"telegram header goes to the webhook", hit("tg"), hit("vk"), http.MethodPost, "s3cret", "tg"},
		{"other posts go to the VK Callback API", hit("tg"), hit("vk"), http.MethodPost, "", "vk"},
		{"only telegram: refused there, not by ops", hit("tg"), nil, http.MethodPost, "", "tg"},
		{"GET stays with ops", hit("tg"), hit("vk"), http.MethodGet, "s3cret", "ops"},
		{"no hooks: ops", nil, nil, http.MethodPost, "", "ops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/somewhere", strings.NewReader("{}"))
			if tt.header != "" {
				req.Header.Set(telegram.SecretHeader, tt.header)
			}
			rec := httptest.NewRecorder()
			fallbackHooks(hit("ops"), tt.tg, tt.vk).ServeHTTP(rec, req)
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("served by %q, want %q", got, tt.want)
			}
		})
	}
}
