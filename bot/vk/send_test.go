package vk

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/SevereCloud/vksdk/v2/api"
	"golang.org/x/time/rate"

	"github.com/supportbot/supportbot/bot"
)

type kbJSON struct {
	Inline  bool `json:"inline"`
	OneTime bool `json:"one_time"`
	Buttons [][]struct {
		Action struct {
			Type    string `json:"type"`
			Label   string `json:"label"`
			Payload string `json:"payload"`
			Link    string `json:"link"`
		} `json:"action"`
	} `json:"buttons"`
}

func readKeyboard(t *testing.T, s string) kbJSON {
	t.Helper()
	var kb kbJSON
	if err := json.Unmarshal([]byte(s), &kb); err != nil {
		t.Fatalf("keyboard %q: %v", s, err)
	}
	return kb
}

func didYouMean() bot.Reply {
	return bot.Reply{
		Platform: bot.VK,
		ChatID:   "123456789",
		Key:      "42",
		Text:     "Вы имели в виду:",
		Buttons: [][]bot.Button{
			{{Text: "Сроки доставки", Payload: "faq:delivery-time"}},
			{{Text: "Как вернуть товар, если он не подошёл по размеру или цвету", Payload: "faq:returns"}},
			{{Text: "Ничего из этого", Payload: "none"}, {Text: "Позвать человека", Payload: "handoff"}},
			{{Text: "Наш сайт", URL: "https://brand.example/help"}},
		},
	}
}

func TestSendKeyboardAndStableRandomID(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	ctx := context.Background()
	id1, err := v.Send(ctx, didYouMean())
	if err != nil {
		t.Fatal(err)
	}
	id2, err := v.Send(ctx, didYouMean()) // a retry of the same outbox row
	if err != nil {
		t.Fatal(err)
	}
	calls := f.callsOf("messages.send")
	if len(calls) != 2 || calls[0].Get("random_id") != calls[1].Get("random_id") {
		t.Fatalf("random_id not stable across retries: %v", calls)
	}
	sent := f.sentMessages()
	if len(sent) != 1 || id1 != id2 || id1 == "" {
		t.Fatalf("delivered %d messages, ids %q %q; want one, same id", len(sent), id1, id2)
	}
	form := sent[0].form
	if form.Get("peer_id") != "123456789" || form.Get("message") != "Вы имели в виду:" {
		t.Errorf("form %v", form)
	}
	kb := readKeyboard(t, form.Get("keyboard"))
	if !kb.Inline || len(kb.Buttons) != 4 {
		t.Fatalf("keyboard %+v", kb)
	}
	b := kb.Buttons[0][0].Action
	if b.Type != "callback" || b.Label != "Сроки доставки" || b.Payload != `{"p":"faq:delivery-time"}` {
		t.Errorf("first button %+v", b)
	}
	if l := kb.Buttons[1][0].Action.Label; utf8.RuneCountInString(l) != 40 || !strings.HasSuffix(l, "…") {
		t.Errorf("long label %q (%d characters)", l, utf8.RuneCountInString(l))
	}
	if b := kb.Buttons[3][0].Action; b.Type != "open_link" || b.Link != "https://brand.example/help" {
		t.Errorf("link button %+v", b)
	}

	// Another reply gets another random_id.
	r := didYouMean()
	r.Key = "43"
	if _, err := v.Send(ctx, r); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sentMessages()); n != 2 {
		t.Errorf("delivered %d, want 2", n)
	}
}

func TestSendRetryThenSuccess(t *testing.T) {
	f := newFake(t)
	f.errs["messages.send"] = []int{6, 10, 9, 1502}
	v := f.vk()
	r := bot.Reply{ChatID: "123456789", Key: "7", Text: "Доставка занимает 2–5 дней."}
	for i, wantAfter := range []time.Duration{time.Second, 0, 5 * time.Second, 0} {
		_, err := v.Send(context.Background(), r)
		var re *bot.RetryError
		if !errors.As(err, &re) {
			t.Fatalf("attempt %d: %v, want *bot.RetryError", i+1, err)
		}
		if re.After != wantAfter {
			t.Errorf("attempt %d: After = %s, want %s", i+1, re.After, wantAfter)
		}
	}
	if n := len(f.callsOf("messages.send")); n != 4 {
		t.Errorf("error 6 retried inside the adapter: %d calls for 4 attempts", n)
	}
	id, err := v.Send(context.Background(), r)
	if err != nil || id == "" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	calls := f.callsOf("messages.send")
	for _, c := range calls {
		if c.Get("random_id") != calls[0].Get("random_id") {
			t.Errorf("random_id changed across retries: %v", calls)
		}
	}
	if n := len(f.sentMessages()); n != 1 {
		t.Errorf("delivered %d, want 1", n)
	}

	// errors.Is sees the VK error through the RetryError.
	f.errs["messages.send"] = []int{6}
	_, err = v.Send(context.Background(), bot.Reply{ChatID: "1", Key: "8", Text: "x"})
	if !errors.Is(err, api.ErrTooMany) {
		t.Errorf("error 6 = %v, want errors.Is api.ErrTooMany", err)
	}
}

func TestSendBlocked(t *testing.T) {
	for _, code := range []int{901, 902, 900, 7, 945} {
		f := newFake(t)
		f.errs["messages.send"] = []int{code}
		_, err := f.vk().Send(context.Background(), bot.Reply{ChatID: "123456789", Key: "1", Text: "Здравствуйте"})
		if !errors.Is(err, bot.ErrBlocked) {
			t.Errorf("error %d = %v, want bot.ErrBlocked", code, err)
		}
		var re *bot.RetryError
		if errors.As(err, &re) {
			t.Errorf("error %d is retryable", code)
		}
	}
	f := newFake(t)
	f.errs["messages.send"] = []int{100}
	_, err := f.vk().Send(context.Background(), bot.Reply{ChatID: "123456789", Key: "1", Text: "x"})
	var re *bot.RetryError
	if err == nil || errors.Is(err, bot.ErrBlocked) || errors.As(err, &re) {
		t.Errorf("error 100 = %v, want a permanent error", err)
	}
}

func TestSendMessageEventAnswer(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	m, _, err := convertFile(t, v, "message_event.json")
	if err != nil {
		t.Fatal(err)
	}
	// Acknowledge only.
	id, err := v.Send(context.Background(), bot.Reply{ChatID: m.ChatID, Key: "9", CallbackID: m.CallbackID})
	if err != nil || id != "" {
		t.Fatalf("ack = %q, %v", id, err)
	}
	acks := f.callsOf("messages.sendMessageEventAnswer")
	if len(acks) != 1 || acks[0].Get("event_id") != "3159dc190b1f" || acks[0].Get("user_id") != "123456789" || acks[0].Get("peer_id") != "123456789" {
		t.Fatalf("acks %v", acks)
	}
	if n := len(f.callsOf("messages.send")); n != 0 {
		t.Errorf("an acknowledgement sent %d messages", n)
	}
	// Acknowledge and answer: a failed acknowledgement does not stop the
	// answer.
	f.errs["messages.sendMessageEventAnswer"] = []int{100}
	if _, err := v.Send(context.Background(), bot.Reply{ChatID: m.ChatID, Key: "10", CallbackID: m.CallbackID, Text: "Возврат — 14 дней."}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sentMessages()); n != 1 {
		t.Errorf("delivered %d, want 1", n)
	}
	// An acknowledgement alone reports its failure.
	f.errs["messages.sendMessageEventAnswer"] = []int{10}
	_, err = v.Send(context.Background(), bot.Reply{ChatID: m.ChatID, Key: "11", CallbackID: m.CallbackID})
	var re *bot.RetryError
	if !errors.As(err, &re) {
		t.Errorf("ack error 10 = %v", err)
	}
}

func TestSendLongTextSplit(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	para := strings.Repeat("Слово ", 300) // 1800 characters
	text := strings.TrimSpace(para + "\n\n" + para + "\n\n" + para + "\n\n" + para + "\n\n" + para)
	r := bot.Reply{ChatID: "123456789", Key: "100", Text: text, Buttons: [][]bot.Button{{{Text: "Позвать человека", Payload: "handoff"}}}}
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	sent := f.sentMessages()
	if len(sent) < 3 {
		t.Fatalf("%d parts", len(sent))
	}
	seen := map[string]bool{}
	var joined []string
	for i, s := range sent {
		msg := s.form.Get("message")
		if utf8.RuneCountInString(msg) > maxText {
			t.Errorf("part %d has %d characters", i, utf8.RuneCountInString(msg))
		}
		if seen[s.form.Get("random_id")] {
			t.Errorf("part %d reuses random_id", i)
		}
		seen[s.form.Get("random_id")] = true
		if (s.form.Get("keyboard") != "") != (i == len(sent)-1) {
			t.Errorf("part %d keyboard %q", i, s.form.Get("keyboard"))
		}
		joined = append(joined, msg)
	}
	if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("words lost or changed by splitting")
	}
	// A retry after a failure on the last part sends nothing twice.
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sentMessages()); n != len(sent) {
		t.Errorf("retry delivered %d more parts", n-len(sent))
	}
}

func TestSendKeyboardLimits(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	var row []bot.Button
	for i := 0; i < 12; i++ {
		row = append(row, bot.Button{Text: "Вариант " + string(rune('A'+i)), Payload: "opt" + string(rune('a'+i))})
	}
	long := strings.Repeat("я", 300)
	r := bot.Reply{ChatID: "123456789", Key: "200", Text: "Выберите:", Buttons: [][]bot.Button{
		row,
		{{Text: "Слишком длинный payload", Payload: long}},
		{{Text: "Позвать человека", Payload: "handoff"}},
	}}
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatalf("Send = %v (the fake refuses keyboards over VK's limits)", err)
	}
	kb := readKeyboard(t, f.sentMessages()[0].form.Get("keyboard"))
	last := kb.Buttons[len(kb.Buttons)-1]
	if len(last) != 1 || last[0].Action.Payload != `{"p":"handoff"}` {
		t.Errorf("the last row was not kept: %+v", kb.Buttons)
	}
}

func TestSendClientCapabilities(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	// The chat client of message_new_chat_mention has a keyboard but no
	// inline keyboard: a one-time keyboard of text buttons.
	if _, _, err := convertFile(t, v, "message_new_chat_mention.json"); err != nil {
		t.Fatal(err)
	}
	r := didYouMean()
	r.ChatID = "2000000004"
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	form := f.sentMessages()[0].form
	kb := readKeyboard(t, form.Get("keyboard"))
	if kb.Inline || !kb.OneTime || kb.Buttons[0][0].Action.Type != "text" || kb.Buttons[3][0].Action.Type != "open_link" {
		t.Errorf("keyboard for an old client: %+v", kb)
	}

	// A client with inline keyboards but no callback buttons gets text
	// buttons in an inline keyboard; payload presses come back as
	// message_new (see message_new_payload.json).
	if _, _, err := convertFile(t, v, "message_new_payload.json"); err != nil {
		t.Fatal(err)
	}
	r = didYouMean()
	r.Key = "300"
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	kb = readKeyboard(t, f.sentMessages()[1].form.Get("keyboard"))
	if !kb.Inline || kb.Buttons[0][0].Action.Type != "text" {
		t.Errorf("keyboard without callback support: %+v", kb)
	}

	// A client without keyboards gets the choices as text.
	v.caps.put(555, caps{})
	r = didYouMean()
	r.ChatID, r.Key = "555", "301"
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	form = f.sentMessages()[2].form
	if form.Get("keyboard") != "" || !strings.Contains(form.Get("message"), "• Позвать человека") ||
		!strings.Contains(form.Get("message"), "Наш сайт: https://brand.example/help") {
		t.Errorf("text buttons: %q", form.Get("message"))
	}
}

// Bot capabilities off (912): the text still goes out, with the choices as
// lines.
func TestSendKeyboardRefused(t *testing.T) {
	f := newFake(t)
	f.errs["messages.send"] = []int{912}
	v := f.vk()
	if _, err := v.Send(context.Background(), didYouMean()); err != nil {
		t.Fatal(err)
	}
	sent := f.sentMessages()
	if len(sent) != 1 || sent[0].form.Get("keyboard") != "" || !strings.Contains(sent[0].form.Get("message"), "• Сроки доставки") {
		t.Errorf("fallback %+v", sent)
	}
	// For a while after 912 no keyboard is offered: one call per message.
	r := didYouMean()
	r.Key = "43"
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if calls := f.callsOf("messages.send"); len(calls) != 3 || calls[2].Get("keyboard") != "" {
		t.Errorf("after 912: %d calls, last keyboard %q", len(calls), calls[len(calls)-1].Get("keyboard"))
	}
}

func TestSendAttachments(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	r := bot.Reply{ChatID: "123456789", Key: "400", Text: "Оператор прислал:", Attachments: []bot.Attachment{
		{Type: "photo", FileID: "photo123456789_457239017_3f1c2d9e8b7a6c5d4e"},
		{Type: "photo", FileID: "AgACAgIAAxkBAAIB", URL: "https://files.example/p.jpg"},
		{Type: "sticker", Name: "sticker 9014"},
	}}
	if _, err := v.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	form := f.sentMessages()[0].form
	if form.Get("attachment") != "photo123456789_457239017_3f1c2d9e8b7a6c5d4e" {
		t.Errorf("attachment %q", form.Get("attachment"))
	}
	if msg := form.Get("message"); !strings.Contains(msg, "https://files.example/p.jpg") || !strings.Contains(msg, "[sticker sticker 9014]") {
		t.Errorf("message %q", msg)
	}
	// Attachments only, no text.
	if _, err := v.Send(context.Background(), bot.Reply{ChatID: "1", Key: "401", Attachments: r.Attachments[:1]}); err != nil {
		t.Error(err)
	}
	if _, err := v.Send(context.Background(), bot.Reply{ChatID: "chat-1", Key: "402", Text: "x"}); err == nil {
		t.Error("a non-numeric chat id was sent")
	}
}

// The bot's own message, echoed by VK as message_reply with an
// admin_author_id, is not taken for an admin's.
func TestSendEchoIsNotAdminReply(t *testing.T) {
	f := newFake(t)
	v := f.vk()
	if _, err := v.Send(context.Background(), bot.Reply{ChatID: "123456789", Key: "500", Text: "Здравствуйте!"}); err != nil {
		t.Fatal(err)
	}
	rid := f.sentMessages()[0].form.Get("random_id")
	echo := update{Type: "message_reply", GroupID: testGroup, EventID: "echo",
		Object: json.RawMessage(`{"peer_id":123456789,"from_id":-218375169,"admin_author_id":77700011,"random_id":` + rid + `,"text":"Здравствуйте!"}`)}
	if _, ok, err := v.convertFor(echo); ok || err != nil {
		t.Errorf("echo: ok=%v err=%v", ok, err)
	}
}

func TestRandomID(t *testing.T) {
	seen := map[int64]string{}
	for _, key := range []string{"1", "2", "42", "134217727", "desk:17", "desk:18", "abc"} {
		for part := 0; part < 3; part++ {
			id := randomID(key, part)
			if id == 0 || id > 1<<31-1 || id < -(1<<31) {
				t.Errorf("randomID(%q, %d) = %d out of int32", key, part, id)
			}
			if prev, ok := seen[id]; ok {
				t.Errorf("randomID(%q, %d) = %d, same as %s", key, part, id, prev)
			}
			seen[id] = key
			if randomID(key, part) != id {
				t.Errorf("randomID(%q, %d) not deterministic", key, part)
			}
		}
	}
	if randomID("42", 0) != 42*16 || randomID("desk:17", 0) >= 0 {
		t.Errorf("numeric keys map to key*16+part, others to negative hashes")
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  []string
	}{
		{"короткий", 10, []string{"короткий"}},
		{"", 10, []string{""}},
		{"абзац один\n\nабзац два", 15, []string{"абзац один", "абзац два"}},
		{"строка раз\nстрока два", 14, []string{"строка раз", "строка два"}},
		{"слово слово слово", 12, []string{"слово слово", "слово"}},
		{"оченьдлинноеслово", 5, []string{"оченьд"[:len("очень")], "длинн", "оесло", "во"}},
	}
	for _, tt := range tests {
		got := splitText(tt.in, tt.limit)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

// Every API call waits on one limiter: two calls use the burst, the third
// (of another kind) would wait past its deadline and is told to retry.
func TestRateLimitShared(t *testing.T) {
	f := newFake(t)
	v := f.vk(WithRateLimit(rate.Every(time.Hour), 2))
	ctx := context.Background()
	if _, err := v.Send(ctx, bot.Reply{ChatID: "1", Key: "1", Text: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Send(ctx, bot.Reply{ChatID: "1", Key: "2", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := v.Check(short, true)
	var re *bot.RetryError
	if !errors.As(err, &re) {
		t.Errorf("third call = %v, want *bot.RetryError from the limiter", err)
	}
	if n := len(f.callsOf("groups.getById")); n != 0 {
		t.Errorf("groups.getById reached VK past the limit")
	}
}
