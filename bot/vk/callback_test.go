package vk

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supportbot/supportbot/bot"
)

const (
	testSecret       = "s3cr3t-callback"
	testConfirmation = "a1b2c3d4"
)

func withSecret(body, secret string) string {
	return strings.Replace(body, `"type"`, `"secret": "`+secret+`", "type"`, 1)
}

func post(t *testing.T, h http.Handler, body string) (int, string) {
	t.Helper()
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodPost, "/vk/callback", strings.NewReader(body)))
	return rr.Code, rr.Body.String()
}

func TestCallbackConfirmation(t *testing.T) {
	v := newFake(t).vk()
	rec := newRecorder()
	h := v.CallbackHandler(testSecret, testConfirmation, rec)

	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"type":"confirmation","group_id":218375169}`)))
	if rr.Code != 200 || rr.Body.String() != testConfirmation || !strings.HasPrefix(rr.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("confirmation = %d %q %q", rr.Code, rr.Body.String(), rr.Header().Get("Content-Type"))
	}
	if code, body := post(t, h, `{"type":"confirmation","group_id":1}`); code != http.StatusForbidden || strings.Contains(body, testConfirmation) {
		t.Errorf("confirmation for another community = %d %q", code, body)
	}
	if code, body := post(t, h, `{"type":"confirmation","group_id":218375169,"secret":"wrong"}`); code != http.StatusUnauthorized || strings.Contains(body, testConfirmation) {
		t.Errorf("confirmation with a wrong secret = %d %q", code, body)
	}
	if code, body := post(t, h, `{"type":"confirmation","group_id":218375169,"secret":"`+testSecret+`"}`); code != 200 || body != testConfirmation {
		t.Errorf("confirmation with the secret = %d %q", code, body)
	}
}

func TestCallbackSecret(t *testing.T) {
	v := newFake(t).vk()
	rec := newRecorder()
	h := v.CallbackHandler(testSecret, testConfirmation, rec)
	text := testdata(t, "message_new_text.json")

	for _, body := range []string{text, withSecret(text, "wrong"), withSecret(text, testSecret+"x"), withSecret(text, "")} {
		if code, resp := post(t, h, body); code != http.StatusUnauthorized || resp == "ok" {
			t.Errorf("wrong secret = %d %q, want 401", code, resp)
		}
	}
	if n := len(rec.messages()); n != 0 {
		t.Fatalf("Handle called %d times for requests with a wrong secret", n)
	}

	// An empty configured secret refuses everything.
	empty := v.CallbackHandler("", testConfirmation, rec)
	if code, _ := post(t, empty, withSecret(text, "")); code != http.StatusUnauthorized {
		t.Errorf("empty configured secret = %d, want 401", code)
	}
}

// The answer "ok" is written only after Handle returned.
func TestCallbackHandleThenOK(t *testing.T) {
	v := newFake(t).vk()
	started, release := make(chan bot.Message, 1), make(chan struct{})
	rec := newRecorder()
	rec.fail = func(m bot.Message, _ int) error {
		started <- m
		<-release
		return nil
	}
	srv := httptest.NewServer(v.CallbackHandler(testSecret, testConfirmation, rec))
	defer srv.Close()

	type answer struct {
		code int
		body string
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(withSecret(testdata(t, "message_new_text.json"), testSecret)))
		if err != nil {
			t.Error(err)
			answered <- answer{}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b)}
	}()
	m := <-started
	select {
	case a := <-answered:
		t.Fatalf("answered %d %q while Handle was still running", a.code, a.body)
	default:
	}
	close(release)
	if a := <-answered; a.code != 200 || a.body != "ok" {
		t.Errorf("answer = %d %q, want 200 ok", a.code, a.body)
	}
	if m.Text != "Где мой заказ?" || m.UserName != "Ирина Кузнецова" || m.EventID != "a1c5c3d7e2f8b9a0c1d2e3f4a5b6c7d8e9f0a1b2" {
		t.Errorf("handled %+v", m)
	}
}

func TestCallbackErrors(t *testing.T) {
	v := newFake(t).vk()
	rec := newRecorder()
	rec.fail = func(m bot.Message, _ int) error {
		if m.Kind == bot.KindText {
			return errors.New("database is locked")
		}
		return nil
	}
	h := v.CallbackHandler(testSecret, testConfirmation, rec)

	if code, _ := post(t, h, withSecret(testdata(t, "message_new_text.json"), testSecret)); code != http.StatusInternalServerError {
		t.Errorf("Handle error = %d, want 500 so VK sends it again", code)
	}
	if code, _ := post(t, h, `{"type": "message_new", "obj`); code != http.StatusBadRequest {
		t.Errorf("not JSON = %d, want 400", code)
	}
	for _, f := range []string{"malformed.json", "message_reply_bot.json"} {
		if code, body := post(t, h, withSecret(testdata(t, f), testSecret)); code != 200 || body != "ok" {
			t.Errorf("%s = %d %q, want ok", f, code, body)
		}
	}
	if code, body := post(t, h, `{"type":"group_join","secret":"`+testSecret+`","group_id":218375169,"object":{"user_id":1}}`); code != 200 || body != "ok" {
		t.Errorf("unused event = %d %q", code, body)
	}
	if code, body := post(t, h, withSecret(testdata(t, "message_event.json"), testSecret)); code != 200 || body != "ok" {
		t.Errorf("message_event = %d %q", code, body)
	}
	if got := rec.messages(); len(got) != 1 || got[0].Kind != bot.KindButton {
		t.Errorf("handled %+v, want only the button press", got)
	}
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/", nil))
	if rr.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d", rr.Code)
	}
}
