package telegram

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/supportbot/supportbot/bot"
)

const deskChat = "-1001987654321"

func TestDeskCheck(t *testing.T) {
	admin := func(manageTopics bool) string {
		mt := "false"
		if manageTopics {
			mt = "true"
		}
		return `{"user":{"id":123456789,"is_bot":true,"first_name":"Support","username":"SupportTestBot"},"status":"administrator","can_be_edited":false,"can_manage_chat":true,"can_change_info":false,"can_delete_messages":true,"can_invite_users":true,"can_restrict_members":false,"can_pin_messages":true,"can_manage_topics":` + mt + `,"can_promote_members":false,"can_manage_video_chats":false,"can_post_stories":false,"can_edit_stories":false,"can_delete_stories":false,"is_anonymous":false}`
	}
	tests := []struct {
		name   string
		chatID string
		chat   string
		member string
		fail   string // method to fail with 500
		want   string // "" for success
		retry  bool
	}{
		{name: "ok", chatID: deskChat},
		{name: "not a number", chatID: "support-desk", want: `SUPPORTBOT_OPERATOR_CHAT "support-desk" is not a group chat id`},
		{name: "a user id", chatID: "111222333", want: "is not a group chat id"},
		{name: "not found", chatID: "-1001000000000", want: "SUPPORTBOT_OPERATOR_CHAT -1001000000000 was not found"},
		{name: "no topics", chatID: deskChat, chat: `{"id":-1001987654321,"title":"Support desk","type":"supergroup"}`,
			want: "SUPPORTBOT_OPERATOR_CHAT -1001987654321 is not a forum: turn on Topics in the group settings"},
		{name: "basic group", chatID: deskChat, chat: `{"id":-1001987654321,"title":"Support desk","type":"group"}`,
			want: "is a basic group, not a forum: turn on Topics"},
		{name: "channel", chatID: deskChat, chat: `{"id":-1001987654321,"title":"News","type":"channel"}`,
			want: "is a channel, not a group"},
		{name: "bot is a member", chatID: deskChat, member: `{"user":{"id":123456789,"is_bot":true,"first_name":"Support"},"status":"member"}`,
			want: "the bot is not an administrator of SUPPORTBOT_OPERATOR_CHAT -1001987654321: make it an administrator with the Manage Topics right"},
		{name: "bot left", chatID: deskChat, member: `{"user":{"id":123456789,"is_bot":true,"first_name":"Support"},"status":"left"}`,
			want: "the bot is not a member of SUPPORTBOT_OPERATOR_CHAT"},
		{name: "admin without topics", chatID: deskChat, member: admin(false),
			want: "may not manage topics: give it the Manage Topics right"},
		{name: "telegram down", chatID: deskChat, fail: "getChat", retry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.chat != "" {
				f.chat = tt.chat
			}
			if tt.member != "" {
				f.member = tt.member
			}
			if tt.fail != "" {
				f.fail(tt.fail, 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
			}
			tg, _ := f.client()
			err := tg.Desk(tt.chatID).Check(context.Background())
			switch {
			case tt.retry:
				var re *bot.RetryError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v; want RetryError", err)
				}
			case tt.want == "":
				if err != nil {
					t.Fatal(err)
				}
				if c := f.callsTo("getChatMember"); len(c) != 1 || c[0].Params["user_id"] != "123456789" {
					t.Errorf("getChatMember calls %v", c)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v; want %q", err, tt.want)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Fatalf("the token leaked: %v", err)
				}
			}
		})
	}
}

func TestDeskTopics(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	d := tg.Desk(deskChat)
	ctx := context.Background()
	if d.ChatID() != deskChat {
		t.Fatalf("ChatID = %q", d.ChatID())
	}

	id, err := d.CreateTopic(ctx, "#42 · VK · Ирина К. · asked for a person")
	if err != nil || id == "" {
		t.Fatalf("CreateTopic = %q, %v", id, err)
	}
	if p := f.callsTo("createForumTopic")[0].Params; p["chat_id"] != deskChat || p["name"] != "#42 · VK · Ирина К. · asked for a person" {
		t.Errorf("createForumTopic params %v", p)
	}
	long := "#43 · Telegram · " + strings.Repeat("Очень-длинное-имя ", 20)
	if _, err := d.CreateTopic(ctx, long); err != nil {
		t.Fatalf("a long name was not trimmed: %v", err)
	}
	if name := f.callsTo("createForumTopic")[1].Params["name"]; utf16Len(name) > 128 || !strings.HasSuffix(name, "…") {
		t.Errorf("trimmed name %q (%d units)", name, utf16Len(name))
	}

	if err := d.EditTopic(ctx, id, "#42 · VK · Ирина К. · taken by Мария"); err != nil {
		t.Fatal(err)
	}
	if p := f.callsTo("editForumTopic")[0].Params; p["message_thread_id"] != id || p["name"] != "#42 · VK · Ирина К. · taken by Мария" {
		t.Errorf("editForumTopic params %v", p)
	}
	// Closing twice (a retried call) is not an error; nor is reopening twice.
	for range 2 {
		if err := d.CloseTopic(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := d.ReopenTopic(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.callsTo("closeForumTopic")) + len(f.callsTo("reopenForumTopic")); n != 4 {
		t.Errorf("%d topic calls; want 4", n)
	}
	if err := d.CloseTopic(ctx, "general"); err == nil {
		t.Error("a bad topic id was accepted")
	}
	f.fail("closeForumTopic", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`)
	var re *bot.RetryError
	if err := d.CloseTopic(ctx, id); !errors.As(err, &re) || re.After.Seconds() != 3 {
		t.Errorf("429: %v", err)
	}
}

func TestCheck(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	tg.username = ""
	if err := tg.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tg.Username() != testUsername || tg.Platform() != bot.Telegram {
		t.Fatalf("Username = %q", tg.Username())
	}

	f.fail("getMe", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
	err := tg.Check(context.Background())
	if err == nil || err.Error() != "Telegram rejected TELEGRAM_TOKEN: the token is revoked or wrong (401 Unauthorized)" {
		t.Fatalf("401: %v", err)
	}
	f.fail("getMe", 502, `Bad Gateway`)
	var re *bot.RetryError
	if err := tg.Check(context.Background()); !errors.As(err, &re) || strings.Contains(err.Error(), testToken) {
		t.Fatalf("502: %v", err)
	}

	// A token for another server: the fake answers 401 for any other token.
	other, err := New("987654321:AAWrongWrongWrongWrongWrongWrongWro", WithServerURL(f.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "AAWrong") {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, tt := range []struct {
		token, url, want string
	}{
		{"", "", "TELEGRAM_TOKEN is empty"},
		{"not-a-token", "", "TELEGRAM_TOKEN does not look like a bot token"},
		{testToken, "ftp://x", "TELEGRAM_API_URL"},
		{testToken, "api.telegram.org", "TELEGRAM_API_URL"},
	} {
		var opts []Option
		if tt.url != "" {
			opts = append(opts, WithServerURL(tt.url))
		}
		_, err := New(tt.token, opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.token != "" && strings.Contains(err.Error(), tt.token)) {
			t.Errorf("New(%q, %q) = %v; want %q", tt.token, tt.url, err, tt.want)
		}
	}
}
