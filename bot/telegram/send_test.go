package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/supportbot/supportbot/bot"
)

func TestSendEscapesEverything(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	texts := []string{
		"a < b && c > d",
		"<b>not bold</b> <script>alert(1)</script> &amp; &lt;",
		"Цена: 5 < 10 & скидка > 0 😀",
		"tag at the end <",
		strings.Repeat("<", 4000), // 16000 bytes escaped, 4000 characters parsed: one message
	}
	for _, text := range texts {
		id, err := tg.Send(context.Background(), bot.Reply{Platform: bot.Telegram, ChatID: "111222333", Text: text})
		if err != nil {
			t.Fatalf("Send(%.40q): %v", text, err)
		}
		if id == "" {
			t.Errorf("Send(%.40q) returned no message id", text)
		}
	}
	calls := f.callsTo("sendMessage")
	if len(calls) != len(texts) {
		t.Fatalf("%d sendMessage calls; want %d", len(calls), len(texts))
	}
	for i, c := range calls {
		if c.Params["parse_mode"] != "HTML" {
			t.Errorf("parse_mode %q", c.Params["parse_mode"])
		}
		got, _ := parseTelegramHTML(c.Params["text"])
		if got != texts[i] {
			t.Errorf("Telegram shows %.60q; want %.60q", got, texts[i])
		}
	}
}

func TestSendSplitsLongText(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 30000; i++ {
		b.WriteString("Параграф номер ")
		b.WriteString(strings.Repeat("длинное предложение & <тег>. ", 12))
		b.WriteString("\n\n")
	}
	long := strings.TrimSpace(b.String())
	emoji := strings.Repeat("😀", 3000) // 3000 runes, 6000 UTF-16 units
	word := strings.Repeat("x", 5000)  // one word longer than a message

	for _, tt := range []struct {
		name string
		text string
	}{{"paragraphs", long}, {"emoji", emoji}, {"one long word", word}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			tg, _ := f.client()
			id, err := tg.Send(context.Background(), bot.Reply{ChatID: "111222333", Text: tt.text, Key: "r1",
				Buttons: [][]bot.Button{{{Text: "Позвать человека", Payload: "handoff"}}}})
			if err != nil {
				t.Fatal(err)
			}
			calls := f.callsTo("sendMessage")
			if len(calls) < 2 {
				t.Fatalf("%d parts; want the text split", len(calls))
			}
			var joined []string
			for i, c := range calls {
				part, err := parseTelegramHTML(c.Params["text"])
				if err != nil {
					t.Fatal(err)
				}
				if n := utf16Len(part); n > maxText {
					t.Errorf("part %d is %d UTF-16 units", i, n)
				}
				if last := i == len(calls)-1; (c.Params["reply_markup"] != "") != last {
					t.Errorf("part %d of %d: reply_markup %q; want buttons on the last part only", i+1, len(calls), c.Params["reply_markup"])
				}
				joined = append(joined, part)
			}
			norm := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if norm(strings.Join(joined, "")) != norm(tt.text) {
				t.Error("the parts do not add up to the text")
			}
			if tt.name == "paragraphs" {
				for i, p := range joined[:len(joined)-1] {
					if !strings.HasSuffix(p, ".") {
						t.Errorf("part %d ends mid-sentence: …%q", i, p[len(p)-20:])
					}
				}
			}
			if id == "" {
				t.Error("no message id")
			}
		})
	}
}

func TestSendKeyboardThreadAndCallback(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	id, err := tg.Send(context.Background(), bot.Reply{
		ChatID: "-1001987654321", ThreadID: "1201", Text: "Новый клиент", CallbackID: "cbq-1",
		Buttons: [][]bot.Button{
			{{Text: "Взять", Payload: "take:42"}, {Text: "Закрыть", Payload: "close:42"}},
			{{Text: "Профиль", URL: "https://vk.com/id1"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	all := f.callsTo("")
	if len(all) != 2 || all[0].Method != "answerCallbackQuery" || all[1].Method != "sendMessage" {
		t.Fatalf("calls %v; want answerCallbackQuery then sendMessage", all)
	}
	if all[0].Params["callback_query_id"] != "cbq-1" {
		t.Errorf("callback params %v", all[0].Params)
	}
	p := all[1].Params
	if p["chat_id"] != "-1001987654321" || p["message_thread_id"] != "1201" {
		t.Errorf("sendMessage params %v", p)
	}
	var kb struct {
		InlineKeyboard [][]map[string]string `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(p["reply_markup"]), &kb); err != nil {
		t.Fatal(err)
	}
	want := [][]map[string]string{
		{{"text": "Взять", "callback_data": "take:42"}, {"text": "Закрыть", "callback_data": "close:42"}},
		{{"text": "Профиль", "url": "https://vk.com/id1"}},
	}
	if len(kb.InlineKeyboard) != 2 || len(kb.InlineKeyboard[0]) != 2 || kb.InlineKeyboard[1][0]["url"] != want[1][0]["url"] ||
		kb.InlineKeyboard[0][1]["callback_data"] != "close:42" || len(kb.InlineKeyboard[0][0]) != 2 {
		t.Errorf("keyboard %s", p["reply_markup"])
	}
	if id == "" {
		t.Error("no message id")
	}
}

func TestSendCallbackOnly(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	id, err := tg.Send(context.Background(), bot.Reply{ChatID: "111222333", CallbackID: "cbq-2"})
	if err != nil || id != "" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	if all := f.callsTo(""); len(all) != 1 || all[0].Method != "answerCallbackQuery" {
		t.Fatalf("calls %v; want only answerCallbackQuery", all)
	}
	// A press answered too late is not worth retrying.
	f.fail("answerCallbackQuery", 400, `{"ok":false,"error_code":400,"description":"Bad Request: query is too old and response timeout expired or query ID is invalid"}`)
	if _, err := tg.Send(context.Background(), bot.Reply{ChatID: "111222333", CallbackID: "cbq-3", Text: "ответ"}); err != nil {
		t.Fatalf("a stale callback stopped the text: %v", err)
	}
	if n := len(f.callsTo("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls; want the text sent anyway", n)
	}
}

func TestSendRefusesLongPayloadLoudly(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	_, err := tg.Send(context.Background(), bot.Reply{ChatID: "111222333", Text: "?",
		Buttons: [][]bot.Button{{{Text: "Очень длинная кнопка", Payload: "faq:" + strings.Repeat("ж", 31)}}}})
	if !errors.Is(err, ErrPayloadTooLong) {
		t.Fatalf("err = %v; want ErrPayloadTooLong", err)
	}
	if n := len(f.callsTo("")); n != 0 {
		t.Errorf("%d requests made; want none", n)
	}
	for _, b := range []bot.Button{{Text: "", Payload: "x"}, {Text: "both", Payload: "x", URL: "https://x"}, {Text: "none"}} {
		if _, err := tg.Send(context.Background(), bot.Reply{ChatID: "1", Text: "?", Buttons: [][]bot.Button{{b}}}); err == nil {
			t.Errorf("button %+v accepted", b)
		}
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		check   func(error) bool
		retry   time.Duration
		blocked bool
	}{
		{name: "429", status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`, retry: 5 * time.Second},
		{name: "500", status: 500, body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, retry: -1},
		{name: "502 html", status: 502, body: `<html>bad gateway</html>`, retry: -1},
		{name: "403 blocked", status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, blocked: true},
		{name: "403 deactivated", status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"}`, blocked: true},
		{name: "chat not found", status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, blocked: true},
		{name: "400", status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: TOPIC_CLOSED"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			tg, logs := f.client()
			f.fail("sendMessage", tt.status, tt.body)
			_, err := tg.Send(context.Background(), bot.Reply{ChatID: "111222333", Text: "привет"})
			if err == nil {
				t.Fatal("no error")
			}
			var re *bot.RetryError
			isRetry := errors.As(err, &re)
			switch {
			case tt.retry > 0:
				if !isRetry || re.After != tt.retry {
					t.Errorf("err = %#v; want RetryError after %v", err, tt.retry)
				}
			case tt.retry < 0:
				if !isRetry {
					t.Errorf("err = %v; want RetryError", err)
				}
			case tt.blocked:
				if !errors.Is(err, bot.ErrBlocked) || isRetry {
					t.Errorf("err = %v; want ErrBlocked", err)
				}
			default:
				var ae *APIError
				if isRetry || errors.Is(err, bot.ErrBlocked) || !errors.As(err, &ae) || ae.Description != "Bad Request: TOPIC_CLOSED" {
					t.Errorf("err = %v; want a permanent APIError", err)
				}
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(logs.String(), testToken) {
				t.Errorf("the token leaked: %v\n%s", err, logs)
			}
		})
	}
}

func TestSendNetworkErrorIsRetryAndHidesToken(t *testing.T) {
	dead := httptest.NewServer(nil)
	url := dead.URL
	dead.Close()
	tg, err := New(testToken, WithServerURL(url), WithLimits(NoLimits()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.Send(context.Background(), bot.Reply{ChatID: "1", Text: "x"})
	var re *bot.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v; want RetryError", err)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "AAHdqTcv") {
		t.Fatalf("the token leaked: %v", err)
	}
	_, err = tg.getUpdates(context.Background(), 0, 0, 1)
	if !errors.As(err, &re) || strings.Contains(err.Error(), "AAHdqTcv") {
		t.Fatalf("getUpdates err = %v", err)
	}
	err = tg.Check(context.Background())
	if !errors.As(err, &re) || strings.Contains(err.Error(), "AAHdqTcv") {
		t.Fatalf("Check err = %v", err)
	}
}

func TestSendResumesAfterPartialFailure(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	text := strings.Repeat("Первая часть. ", 250) + "\n\n" + strings.Repeat("Вторая часть. ", 250) + "\n\n" + strings.Repeat("Третья часть. ", 250)
	r := bot.Reply{ChatID: "111222333", Text: text, Key: "outbox-7"}

	// The first part goes out, the second hits 429.
	f.failAfter("sendMessage", 1, 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
	_, err := tg.Send(context.Background(), r)
	var re *bot.RetryError
	if !errors.As(err, &re) || re.After != time.Second {
		t.Fatalf("first attempt: %v; want RetryError after 1s", err)
	}
	if n := len(f.callsTo("sendMessage")); n != 2 {
		t.Fatalf("%d sendMessage calls in the first attempt; want 2", n)
	}
	id, err := tg.Send(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, c := range f.callsTo("sendMessage") {
		s, _ := parseTelegramHTML(c.Params["text"])
		shown = append(shown, strings.Fields(s)[0])
	}
	// The first part, the failed second, then the retry: second and third.
	if strings.Join(shown, " ") != "Первая Вторая Вторая Третья" {
		t.Errorf("parts sent: %q", shown)
	}
	if id == "" {
		t.Error("no id")
	}
	// Done: the same key starts from scratch again.
	if _, err := tg.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("sendMessage")); n != 7 {
		t.Errorf("%d sendMessage calls; want 7", n)
	}
}

func TestSendMedia(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client()
	ctx := context.Background()

	// A photo of a Telegram customer: by file_id, the text as its caption.
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "-1001987654321", ThreadID: "1201", Text: "Клиент: вот чек <1>",
		Attachments: []bot.Attachment{{Type: "photo", FileID: "AgACAgIAAxkBAAIBZWd5-large"}}}); err != nil {
		t.Fatal(err)
	}
	// A VK photo copied to the desk: by URL.
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "-1001987654321", ThreadID: "1201",
		Attachments: []bot.Attachment{{Type: "photo", FileID: "photo-1_2", URL: "https://sun9-1.userapi.com/x.jpg"}}}); err != nil {
		t.Fatal(err)
	}
	// A sticker cannot carry a caption: sticker, then the text.
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "111222333", Text: "стикер",
		Attachments: []bot.Attachment{{Type: "sticker", FileID: "CAACAgIAAxkBAAIBY2d5tQABHm3Jx1p0"}}}); err != nil {
		t.Fatal(err)
	}
	// A URL Telegram cannot fetch: the link goes into the text instead.
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "111222333", Text: "файл",
		Attachments: []bot.Attachment{{Type: "doc", Name: "счёт.pdf", URL: "https://unreachable.example/a.pdf"}}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.callsTo("") {
		got = append(got, c.Method)
	}
	want := []string{"sendPhoto", "sendPhoto", "sendSticker", "sendMessage", "sendDocument", "sendMessage"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("calls %v; want %v", got, want)
	}
	calls := f.callsTo("")
	if p := calls[0].Params; p["photo"] != "AgACAgIAAxkBAAIBZWd5-large" || p["message_thread_id"] != "1201" || p["caption"] != "Клиент: вот чек &lt;1&gt;" {
		t.Errorf("sendPhoto params %v", p)
	}
	if p := calls[1].Params; p["photo"] != "https://sun9-1.userapi.com/x.jpg" || p["caption"] != "" {
		t.Errorf("sendPhoto by URL params %v", p)
	}
	if p := calls[5].Params; !strings.Contains(p["text"], "счёт.pdf") || !strings.Contains(p["text"], "https://unreachable.example/a.pdf") {
		t.Errorf("fallback text %q", p["text"])
	}
}

func TestSendRateLimitPerChat(t *testing.T) {
	f := newFake(t)
	tg, _ := f.client(WithLimits(Limits{Global: rate.Inf, PerChat: rate.Every(time.Hour), PerChatBurst: 1, PerGroup: rate.Every(time.Hour), PerGroupBurst: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "111222333", Text: "1"}); err != nil {
		t.Fatal(err)
	}
	// The chat's next turn is an hour away, past ctx's deadline: Send says
	// so at once instead of sending.
	_, err := tg.Send(ctx, bot.Reply{ChatID: "111222333", Text: "2"})
	var re *bot.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v; want RetryError", err)
	}
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "222333444", Text: "other chat"}); err != nil {
		t.Fatalf("another chat waited: %v", err)
	}
	cancel()
	if _, err := tg.Send(ctx, bot.Reply{ChatID: "333", Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
	if n := len(f.callsTo("sendMessage")); n != 2 {
		t.Errorf("%d messages sent; want 2", n)
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"First. Second one.", 12, []string{"First.", "Second one."}},
		{"para one\n\npara two is here", 20, []string{"para one", "para two is here"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"😀😀😀", 4, []string{"😀😀", "😀"}},
		{"  ", 4, nil},
	}
	for _, tt := range tests {
		got := splitText(tt.in, tt.limit)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitText(%q, %d) = %q; want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}
