package vk

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/supportbot/supportbot/bot"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		callback bool
		setup    func(f *fakeVK)
		want     []string // substrings of the error; nil for success
		retry    bool
	}{
		{name: "long poll ok"},
		{name: "callback ok", callback: true, setup: func(f *fakeVK) {
			f.answers["groups.getLongPollSettings"] = `{"is_enabled":false,"events":{}}`
		}},
		{name: "bad token", setup: func(f *fakeVK) { f.errs["groups.getById"] = []int{5} },
			want: []string{"VK_TOKEN", "error 5"}},
		{name: "user token", setup: func(f *fakeVK) { f.errs["groups.getById"] = []int{100, 100} },
			want: []string{"VK_TOKEN is not a community access token"}},
		// A server that wants the community's id gets it on a second try.
		{name: "getById needs group_id", setup: func(f *fakeVK) { f.errs["groups.getById"] = []int{100} }},
		{name: "token of another community", setup: func(f *fakeVK) {
			f.answers["groups.getById"] = `[{"id":1,"name":"Other"}]`
		}, want: []string{"VK_TOKEN belongs to community 1", "VK_GROUP_ID 218375169"}},
		{name: "banned community", setup: func(f *fakeVK) {
			f.answers["groups.getById"] = `[{"id":218375169,"name":"Brand","deactivated":"banned"}]`
		}, want: []string{"VK_GROUP_ID 218375169 is banned"}},
		{name: "new getById format", setup: func(f *fakeVK) {
			f.answers["groups.getById"] = `{"groups":[{"id":218375169,"name":"Brand"}],"profiles":[]}`
		}},
		{name: "no messages permission", setup: func(f *fakeVK) {
			f.answers["groups.getTokenPermissions"] = `{"mask":262144,"permissions":[{"name":"manage","setting":262144}]}`
		}, want: []string{"VK_TOKEN lacks the messages permission"}},
		{name: "no manage permission for long poll", setup: func(f *fakeVK) {
			f.answers["groups.getTokenPermissions"] = `{"mask":4096,"permissions":[{"name":"messages","setting":4096}]}`
		}, want: []string{"manage"}},
		{name: "no manage permission is fine for callback", callback: true, setup: func(f *fakeVK) {
			f.answers["groups.getTokenPermissions"] = `{"mask":4096,"permissions":[{"name":"messages","setting":4096}]}`
			f.errs["groups.getSettings"] = []int{15}
		}},
		{name: "messages disabled", setup: func(f *fakeVK) {
			f.answers["groups.getSettings"] = `{"title":"Brand","messages":0}`
		}, want: []string{"community messages are turned off", "VK_GROUP_ID 218375169"}},
		{name: "long poll off", setup: func(f *fakeVK) {
			f.answers["groups.getLongPollSettings"] = `{"is_enabled":false,"api_version":"5.131","events":{"message_new":1}}`
		}, want: []string{"Bots Long Poll API is off"}},
		{name: "missing event types", setup: func(f *fakeVK) {
			f.answers["groups.getLongPollSettings"] = `{"is_enabled":true,"api_version":"5.131","events":{"message_new":1,"message_reply":0}}`
		}, want: []string{"does not send message_event, message_reply"}},
		{name: "old api version", setup: func(f *fakeVK) {
			f.answers["groups.getLongPollSettings"] = `{"is_enabled":true,"api_version":"5.92","events":{"message_new":1,"message_reply":1,"message_event":1}}`
		}, want: []string{"5.92", "event_id"}},
		{name: "wrong VK_API_URL", setup: func(f *fakeVK) { f.errs["groups.getById"] = []int{1404} },
			want: []string{"HTTP 404", "VK_API_URL"}},
		{name: "VK down", setup: func(f *fakeVK) { f.errs["groups.getById"] = []int{1503} }, retry: true},
		{name: "error 10", setup: func(f *fakeVK) { f.errs["groups.getLongPollSettings"] = []int{10} }, retry: true},
		{name: "error 6", setup: func(f *fakeVK) { f.errs["groups.getSettings"] = []int{6} }, retry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			err := f.vk().Check(context.Background(), tt.callback)
			var re *bot.RetryError
			switch {
			case tt.retry:
				if !errors.As(err, &re) {
					t.Fatalf("Check = %v, want *bot.RetryError", err)
				}
			case tt.want == nil:
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
			default:
				if err == nil {
					t.Fatal("Check = nil")
				}
				if errors.As(err, &re) {
					t.Errorf("Check = %v is retryable", err)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Check = %q, want it to mention %q", err, w)
					}
				}
				if strings.Count(strings.TrimSuffix(err.Error(), "."), ". ") > 0 {
					t.Errorf("Check = %q is more than one sentence", err)
				}
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("token in %q", err)
			}
		})
	}
}

func TestCheckNetworkDown(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	f.srv.Close()
	err := v.Check(context.Background(), false)
	var re *bot.RetryError
	if !errors.As(err, &re) {
		t.Errorf("Check with VK unreachable = %v, want *bot.RetryError", err)
	}
}

// The token appears in no error and no log line, even when VK echoes it.
func TestTokenNeverLeaks(t *testing.T) {
	f := newFake(t)
	var logs bytes.Buffer
	v := f.vk(WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	f.errMsg = "Access denied: token " + testToken + " is invalid"
	ctx := context.Background()

	var errs []error
	f.errs["messages.send"] = []int{5, 6, 901}
	for range 3 {
		_, err := v.Send(ctx, bot.Reply{ChatID: "1", Key: "1", Text: "x"})
		errs = append(errs, err)
	}
	f.errs["groups.getById"] = []int{5}
	errs = append(errs, v.Check(ctx, false))
	f.errs["groups.getLongPollServer"] = []int{5}
	errs = append(errs, v.Poll(ctx, newRecorder()))

	// A long poll server that fails: its key must not leak either.
	f.lp = func(*http.Request, url.Values) string { return "not json" }
	f.errs["users.get"] = []int{5}
	f.srv.Close()
	_, err := v.Send(ctx, bot.Reply{ChatID: "1", Key: "2", Text: "x"})
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("error %d is nil", i)
			continue
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("error %d leaks the token: %v", i, err)
		}
		var re *bot.RetryError
		if errors.As(err, &re) && strings.Contains(re.Err.Error(), testToken) {
			t.Errorf("error %d leaks the token inside RetryError: %v", i, re.Err)
		}
	}
	if !errors.Is(errs[2], bot.ErrBlocked) {
		t.Errorf("scrubbed 901 = %v, want bot.ErrBlocked kept", errs[2])
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("logs leak the token:\n%s", logs.String())
	}
}

func TestCheckConfirmation(t *testing.T) {
	f := newFake(t)
	f.answers["groups.getCallbackConfirmationCode"] = `{"code":"a1b2c3d4"}`
	v := f.vk()
	if err := v.CheckConfirmation(context.Background(), "a1b2c3d4"); err != nil {
		t.Errorf("right string: %v", err)
	}
	err := v.CheckConfirmation(context.Background(), "a1b2c3d5")
	if err == nil || !strings.Contains(err.Error(), "VK_CONFIRMATION") || !strings.Contains(err.Error(), "a1b2c3d4") {
		t.Errorf("wrong string: %v", err)
	}
	f.errs["groups.getCallbackConfirmationCode"] = []int{15}
	if err := v.CheckConfirmation(context.Background(), "x"); err != nil {
		t.Errorf("no manage permission: %v, want skipped", err)
	}
}
