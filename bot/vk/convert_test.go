package vk

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/supportbot/supportbot/bot"
)

func convertFile(t *testing.T, v *VK, name string) (bot.Message, bool, error) {
	t.Helper()
	var u update
	if err := json.Unmarshal([]byte(testdata(t, name)), &u); err != nil {
		t.Fatal(err)
	}
	return v.convertFor(u)
}

func TestConvert(t *testing.T) {
	v := newFake(t).vk()
	tests := []struct {
		file  string
		check func(t *testing.T, m bot.Message)
	}{
		{"message_new_payload.json", func(t *testing.T, m bot.Message) {
			if m.Kind != bot.KindButton || m.Payload != "faq:delivery-time" || m.Text != "Сроки доставки" {
				t.Errorf("text button: %+v", m)
			}
		}},
		{"message_new_start.json", func(t *testing.T, m bot.Message) {
			if m.Kind != bot.KindCommand || m.Text != "/start" || m.UserID != "555000111" {
				t.Errorf("Начать: %+v", m)
			}
		}},
		{"message_new_not_supported.json", func(t *testing.T, m bot.Message) {
			if m.Kind != bot.KindButton || m.Payload != "handoff" {
				t.Errorf("callback button in an old client: %+v", m)
			}
		}},
		{"message_new_photo.json", func(t *testing.T, m bot.Message) {
			want := []bot.Attachment{
				{Type: "photo", FileID: "photo123456789_457239017_3f1c2d9e8b7a6c5d4e", URL: "https://sun9-1.userapi.com/s/photo_w.jpg"},
				{Type: "sticker", URL: "https://vk.com/sticker/1-9014-512", Name: "sticker 9014"},
				{Type: "voice", FileID: "doc123456789_660123456_ab12cd34ef", URL: "https://psv4.userapi.com/c1/u123456789/audiomsg/d1/a1.mp3"},
				{Type: "document", FileID: "doc123456789_660123999", URL: "https://vk.com/doc123456789_660123999?hash=x&dl=y", Name: "чек.pdf"},
				{Type: "video", FileID: "video123456789_456239100", URL: "https://vk.com/video123456789_456239100", Name: "unboxing"},
			}
			if m.Kind != bot.KindMedia || m.Text != "вот что пришло" || !reflect.DeepEqual(m.Attachments, want) {
				t.Errorf("media:\n got %+v\nwant %+v", m.Attachments, want)
			}
		}},
		{"message_event.json", func(t *testing.T, m bot.Message) {
			if m.Kind != bot.KindButton || m.Payload != "faq:returns" || m.ChatID != "123456789" || m.UserID != "123456789" ||
				m.EventID != "e5a9a7b1c6d2f3e4a5b6c7d8e9f0a1b2c3d4e5f6" || m.CallbackID != "3159dc190b1f:123456789:123456789" {
				t.Errorf("callback button: %+v", m)
			}
		}},
		{"message_reply_admin.json", func(t *testing.T, m bot.Message) {
			if m.Kind != bot.KindAdminReply || m.UserID != "77700011" || m.ChatID != "123456789" ||
				m.Text != "Здравствуйте! Это Ольга, посмотрю ваш заказ." || m.ProfileURL != "https://vk.com/id77700011" {
				t.Errorf("admin reply: %+v", m)
			}
		}},
		{"message_new_chat_mention.json", func(t *testing.T, m bot.Message) {
			if !m.Group || !m.Mentioned || m.Text != "как вернуть товар?" || m.ChatID != "2000000004" ||
				m.UserID != "987654321" || m.MessageID != "311" {
				t.Errorf("chat mention: %+v", m)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, ok, err := convertFile(t, v, tt.file)
			if err != nil || !ok {
				t.Fatalf("convert = %v, %v", ok, err)
			}
			if m.Platform != bot.VK || m.EventID == "" {
				t.Errorf("platform/event id: %+v", m)
			}
			tt.check(t, m)
		})
	}
}

func TestConvertSkips(t *testing.T) {
	v := newFake(t).vk()
	if _, ok, err := convertFile(t, v, "message_reply_bot.json"); ok || err != nil {
		t.Errorf("the bot's own message_reply: ok=%v err=%v, want skipped", ok, err)
	}
	if _, ok, err := convertFile(t, v, "malformed.json"); ok || !errors.Is(err, errMalformed) {
		t.Errorf("malformed: ok=%v err=%v", ok, err)
	}
	// An admin reply carrying a random_id this process sent is the bot's
	// own message (second guard, whatever VK says of admin_author_id).
	v.sent.add(1794023456)
	if _, ok, err := convertFile(t, v, "message_reply_admin.json"); ok || err != nil {
		t.Errorf("echo of a bot send: ok=%v err=%v, want skipped", ok, err)
	}
	// A chat message that does not mention the bot is marked so.
	m, ok, _ := v.convertFor(update{Type: "message_new", GroupID: testGroup, EventID: "x",
		Object: json.RawMessage(`{"message":{"peer_id":2000000004,"from_id":5,"text":"всем привет","conversation_message_id":3}}`)})
	if !ok || !m.Group || m.Mentioned || m.Text != "всем привет" {
		t.Errorf("chat message without mention: %+v", m)
	}
	// A chat service message (the bot invited) is ignored.
	if _, ok, err := v.convertFor(update{Type: "message_new", GroupID: testGroup, EventID: "z",
		Object: json.RawMessage(`{"message":{"peer_id":2000000004,"from_id":5,"text":"","action":{"type":"chat_invite_user","member_id":-218375169}}}`)}); ok || err != nil {
		t.Errorf("service message: ok=%v err=%v", ok, err)
	}
	// Forwarded messages alone are media.
	m, ok, _ = v.convertFor(update{Type: "message_new", GroupID: testGroup, EventID: "f",
		Object: json.RawMessage(`{"message":{"peer_id":5,"from_id":5,"text":"","fwd_messages":[{"from_id":6,"text":"hi"}]}}`)})
	if !ok || m.Kind != bot.KindMedia || len(m.Attachments) != 1 || m.Attachments[0].Type != "forwarded" {
		t.Errorf("forwarded: %+v", m)
	}
	// A message from a community (a bot in a chat) is ignored.
	if _, ok, err := v.convertFor(update{Type: "message_new", GroupID: testGroup, EventID: "y",
		Object: json.RawMessage(`{"message":{"peer_id":2000000004,"from_id":-5,"text":"I am a bot"}}`)}); ok || err != nil {
		t.Errorf("community author: ok=%v err=%v", ok, err)
	}
}

// A community whose Long Poll uses an old API version sends the message as
// the object and no event_id; the event id falls back to peer and
// conversation message id.
func TestConvertOldAPIVersion(t *testing.T) {
	v := newFake(t).vk()
	m, ok, err := v.convertFor(update{Type: "message_new", GroupID: testGroup,
		Object: json.RawMessage(`{"id":10,"peer_id":42,"from_id":42,"text":"привет","conversation_message_id":7,"date":1}`)})
	if err != nil || !ok || m.Text != "привет" || m.EventID != "message_new:42:7" {
		t.Errorf("old API: %+v %v %v", m, ok, err)
	}
}

func TestCallbackIDRoundTrip(t *testing.T) {
	id := encodeCallback("3159dc190b1f", 123, 2000000004)
	e, u, p, err := decodeCallback(id)
	if err != nil || e != "3159dc190b1f" || u != 123 || p != 2000000004 {
		t.Errorf("decode(%q) = %q %d %d %v", id, e, u, p, err)
	}
	if _, _, _, err := decodeCallback("telegram-callback-id"); err == nil {
		t.Error("a foreign callback id decoded")
	}
}
