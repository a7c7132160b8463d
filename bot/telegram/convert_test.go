package telegram

import (
	"reflect"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
)

func TestConvertUpdates(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	irina := func(m bot.Message) bot.Message {
		m.Platform = bot.Telegram
		m.ChatID, m.UserID = "111222333", "111222333"
		m.UserName, m.ProfileURL = "Ирина К.", "https://t.me/irina_k"
		return m
	}
	petr := func(m bot.Message) bot.Message {
		m.Platform = bot.Telegram
		m.ChatID, m.UserID = "-1001234567890", "333444555"
		m.UserName, m.ProfileURL = "Пётр", "https://t.me/petr_v"
		m.Group = true
		return m
	}
	maria := func(m bot.Message) bot.Message {
		m.Platform = bot.Telegram
		m.ChatID, m.ThreadID, m.UserID = "-1001987654321", "1201", "444555666"
		m.UserName, m.ProfileURL = "Оператор Мария", "https://t.me/maria_support"
		m.Group = true
		return m
	}
	at := func(unix int64) time.Time { return time.Unix(unix, 0).UTC() }

	tests := []struct {
		file string
		want *bot.Message // nil: skipped
	}{
		{"private_text", ptr(irina(bot.Message{EventID: "870211001", Kind: bot.KindText, MessageID: "51",
			Text: "Где мой заказ? <b>срочно</b> & спасибо", Time: at(1735725600)}))},
		{"start", &bot.Message{Platform: bot.Telegram, EventID: "870211002", Kind: bot.KindCommand, ChatID: "222333444",
			MessageID: "52", UserID: "222333444", UserName: "John", Text: "/start", Time: at(1735725660)}},
		{"callback_query", ptr(irina(bot.Message{EventID: "870211003", Kind: bot.KindButton, MessageID: "53",
			Payload: "faq:delivery", CallbackID: "4382bfdwdsb323b2d9", Time: time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)}))},
		{"sticker", ptr(irina(bot.Message{EventID: "870211004", Kind: bot.KindMedia, MessageID: "54", Time: at(1735725800),
			Attachments: []bot.Attachment{{Type: "sticker", FileID: "CAACAgIAAxkBAAIBY2d5tQABHm3Jx1p0", Name: "👍"}}}))},
		{"photo_caption", ptr(irina(bot.Message{EventID: "870211005", Kind: bot.KindMedia, MessageID: "55", Time: at(1735725900),
			Text:        "вот чек, товар пришёл разбитым",
			Attachments: []bot.Attachment{{Type: "photo", FileID: "AgACAgIAAxkBAAIBZWd5-large"}}}))},
		{"voice", ptr(irina(bot.Message{EventID: "870211012", Kind: bot.KindMedia, MessageID: "56", Time: at(1735726500),
			Attachments: []bot.Attachment{{Type: "voice", FileID: "AwACAgIAAxkBAAIBaGd5voice"}}}))},
		{"document", ptr(irina(bot.Message{EventID: "870211013", Kind: bot.KindMedia, MessageID: "57", Time: at(1735726560),
			Text:        "договор",
			Attachments: []bot.Attachment{{Type: "document", FileID: "BQACAgIAAxkBAAIBaWd5doc", Name: "договор.pdf"}}}))},
		{"group_mention", ptr(petr(bot.Message{EventID: "870211006", Kind: bot.KindText, MessageID: "301", Time: at(1735726000),
			Text: "🙂 @SupportTestBot как оформить возврат?", Mentioned: true}))},
		{"group_plain", &bot.Message{Platform: bot.Telegram, EventID: "870211007", Kind: bot.KindText, ChatID: "-1001234567890",
			MessageID: "302", UserID: "333444556", UserName: "Анна", Group: true, Mentioned: false, Time: at(1735726060),
			Text: "всем привет, кто-нибудь уже получил заказ? @someone_else"}},
		{"group_reply", ptr(petr(bot.Message{EventID: "870211008", Kind: bot.KindText, MessageID: "303", Time: at(1735726120),
			Text: "а если прошло 20 дней?", Mentioned: true}))},
		{"group_command", ptr(petr(bot.Message{EventID: "870211009", Kind: bot.KindCommand, MessageID: "304", Time: at(1735726180),
			Text: "/help доставка", Mentioned: true}))},
		// Every message in a topic "replies" to the topic's first message,
		// which the bot wrote: that is not a reply to the bot.
		{"forum_topic", ptr(maria(bot.Message{EventID: "870211010", Kind: bot.KindText, MessageID: "1207", Time: at(1735726300),
			Text: "Здравствуйте! Уже проверяем ваш заказ.", Mentioned: false}))},
		{"forum_close", ptr(maria(bot.Message{EventID: "870211011", Kind: bot.KindCommand, MessageID: "1210", Time: at(1735726400),
			Text: "/close", Mentioned: true}))},
		{"edited_message", nil},
		{"topic_created", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, u, err := decodeUpdate([]byte(readUpdate(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			m, ok, why := tg.convert(u)
			if tt.want == nil {
				if ok {
					t.Fatalf("converted %+v; want it skipped", m)
				}
				return
			}
			if !ok {
				t.Fatalf("skipped (%s)", why)
			}
			if !reflect.DeepEqual(m, *tt.want) {
				t.Errorf("got  %+v\nwant %+v", m, *tt.want)
			}
		})
	}
}

func TestDecodeMalformedKeepsUpdateID(t *testing.T) {
	id, _, err := decodeUpdate([]byte(readUpdate(t, "malformed")))
	if err == nil || id != 870211015 {
		t.Fatalf("decodeUpdate = %d, %v; want the id and an error", id, err)
	}
}

func TestCommandForAnotherBotIsNotOurs(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	_, u, err := decodeUpdate([]byte(`{"update_id":5,"message":{"message_id":1,"from":{"id":7,"is_bot":false,"first_name":"A"},
		"chat":{"id":-100555,"title":"g","type":"supergroup"},"date":1735725600,"text":"/start@OtherBot",
		"entities":[{"offset":0,"length":15,"type":"bot_command"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	m, ok, _ := tg.convert(u)
	if !ok || m.Kind != bot.KindText || m.Mentioned {
		t.Fatalf("got %+v; want a text not addressed to the bot", m)
	}
}

func ptr[T any](v T) *T { return &v }
