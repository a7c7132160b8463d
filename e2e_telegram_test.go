package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportbot/supportbot/faq"
)

// startTGBot starts the binary in Telegram long-polling mode on a fresh fake
// and waits until it is ready.
func startTGBot(t *testing.T, env map[string]string) (*tgFake, *botProc) {
	t.Helper()
	tg := newTGFake(t)
	all := map[string]string{"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": tg.URL()}
	for k, v := range env {
		all[k] = v
	}
	b := newBot(t, all)
	b.start()
	b.waitReady()
	return tg, b
}

func customer(id int64) tgCustomer {
	return tgCustomer{ID: id, FirstName: "Ирина", LastName: fmt.Sprintf("К%d", id%1000), Username: fmt.Sprintf("irina_%d", id)}
}

// checkNo400 fails the test when the bot sent anything Telegram refused.
func checkNo400(t *testing.T, tg *tgFake) {
	t.Helper()
	for _, c := range tg.errors400() {
		if c.Params["chat_id"] == "" && c.Params["text"] == "" {
			// A body cut short by a SIGKILL: no chat, no text. Telegram
			// would drop the broken request; the bot never sends one.
			continue
		}
		t.Errorf("Telegram refused %s: text %q markup %q", c.Method, c.Params["text"], c.Params["reply_markup"])
	}
}

// A customer on Telegram: /start gets the greeting, a question from the FAQ
// gets its answer (HTML-escaped so Telegram takes it), an ambiguous one gets
// "did you mean" buttons, and pressing one gets that answer with the button
// press acknowledged. A long answer arrives whole, in parts.
func TestE2ETelegramPolling(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	tg, b := startTGBot(t, nil)

	if got := tg.callsTo("getMe"); len(got) == 0 {
		t.Error("getMe was never called at start")
	}

	alice := customer(1001)
	tg.push(tgText(t, alice, "/start"))
	got := tg.waitSent("1001", 1)
	if want := f.TextsFor("ru").Greeting; !sameText(got[0].Plain, want) {
		t.Errorf("/start: customer sees %q, want the greeting %q", got[0].Plain, want)
	}

	tg.push(tgText(t, alice, "Где мой заказ?"))
	got = tg.waitSent("1001", 2)
	if want := e2eEntry(t, "order_status").Answer; !sameText(got[1].Plain, want) {
		t.Errorf("question: customer sees %q, want %q", got[1].Plain, want)
	}

	// "Did you mean": buttons, then a press.
	bob := customer(1002)
	phrase, d := pickByAction(t, faq.Clarify, "доставка", "доставку", "доставка сколько")
	tg.push(tgText(t, bob, phrase))
	got = tg.waitSent("1002", 1)
	clar := got[0]
	if want := f.TextsFor("ru").DidYouMean; !sameText(clar.Plain, want) {
		t.Errorf("clarify: customer sees %q, want %q", clar.Plain, want)
	}
	if clar.Markup == nil || len(clar.Markup.InlineKeyboard) == 0 {
		t.Fatalf("clarify came without an inline keyboard: %+v", clar)
	}
	choice := e2eEntry(t, d.Candidates[0])
	data := ""
	var labels []string
	for _, row := range clar.Markup.InlineKeyboard {
		for _, btn := range row {
			labels = append(labels, btn.Text)
			if btn.Text == choice.Label() {
				data = btn.CallbackData
			}
		}
	}
	if data == "" {
		t.Fatalf("no button labelled %q among %q", choice.Label(), labels)
	}
	tg.push(tgPress(t, bob, clar.MessageID, data))
	got = tg.waitSent("1002", 2)
	if !sameText(got[1].Plain, choice.Answer) {
		t.Errorf("after pressing %q the customer sees %q, want %q", choice.Label(), got[1].Plain, choice.Answer)
	}
	if !eventually(e2eDeadline, func() bool { return len(tg.callsTo("answerCallbackQuery")) > 0 }) {
		t.Error("the button press was never acknowledged (answerCallbackQuery): the button keeps spinning")
	} else if q := tg.callsTo("answerCallbackQuery")[0].Params["callback_query_id"]; !strings.HasPrefix(q, "1002") {
		t.Errorf("answerCallbackQuery for %q, want the press's id", q)
	}

	// A long answer arrives whole, split under 4096 characters.
	carol := customer(1003)
	tg.push(tgText(t, carol, "Условия возврата полностью"))
	long := e2eEntry(t, "returns_terms").Answer
	var parts []tgSent
	eventually(e2eDeadline, func() bool {
		parts = tg.sentTo("1003")
		total := 0
		for _, p := range parts {
			total += len(p.Plain)
		}
		return total >= len(long)-200
	})
	if len(parts) < 2 {
		t.Fatalf("a %d-character answer came in %d messages", len(long), len(parts))
	}
	var joined []string
	for _, p := range parts {
		joined = append(joined, p.Plain)
	}
	if !sameText(strings.Join(joined, "\n"), long) {
		t.Errorf("the long answer does not read the same once its %d parts are put together", len(parts))
	}

	checkNo400(t, tg)
	if code, took := b.stop(10 * time.Second); code != 0 {
		t.Errorf("SIGTERM: exit status %d after %s", code, took)
	}
}

// The bundled faq.yaml: the bot starts on it and answers a question from it.
func TestE2ETelegramBundledFAQ(t *testing.T) {
	t.Parallel()
	bundled, err := faq.Load("faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := faq.NewMatcher(bundled)
	var q string
	var e *faq.Entry
	for _, cand := range bundled.Entries {
		if cand.SmallTalk || len(cand.Questions) == 0 {
			continue
		}
		if d := m.Match(cand.Questions[0]); d.Action == faq.Answer && d.Entry == cand.ID {
			q, e = cand.Questions[0], cand
			break
		}
	}
	if e == nil {
		t.Fatal("the matcher answers none of faq.yaml's first questions with their own entry")
	}
	abs, err := filepath.Abs("faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := startTGBot(t, map[string]string{"SUPPORTBOT_FAQ": abs})
	tg.push(tgText(t, customer(2001), q))
	got := tg.waitSent("2001", 1)
	if !sameText(got[0].Plain, e.Answer) {
		t.Errorf("%q: customer sees %q, want %q", q, got[0].Plain, e.Answer)
	}
	checkNo400(t, tg)
}

// Platform errors on Telegram: 429 (retry_after 1), then 500, then success:
// the customer gets exactly one reply, not before retry_after. A customer
// who blocked the bot is not retried forever, and others are still served.
func TestE2ETelegramSendErrors(t *testing.T) {
	t.Parallel()
	tg, _ := startTGBot(t, nil)

	tg.failNext("sendMessage",
		tgFailure{Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1},
		tgFailure{Code: 500, Desc: "Internal Server Error"},
	)
	tg.push(tgText(t, customer(3001), "Где мой заказ?"))
	got := tg.waitSent("3001", 1)
	var first429 time.Time
	for _, c := range tg.callsTo("sendMessage") {
		if c.Status == 429 {
			first429 = c.At
			break
		}
	}
	if first429.IsZero() {
		t.Fatal("the injected 429 was never hit")
	}
	if wait := got[0].At.Sub(first429); wait < time.Second {
		t.Errorf("the reply came %s after a 429 with retry_after 1", wait)
	}
	time.Sleep(500 * time.Millisecond) // a double would come right behind
	if n := len(tg.sentTo("3001")); n != 1 {
		t.Errorf("customer got %d replies after 429 and 500, want 1", n)
	}

	// Blocked customer.
	tg.block("3002")
	tg.push(tgText(t, customer(3002), "Где мой заказ?"))
	tg.push(tgText(t, customer(3003), "Где мой заказ?"))
	tg.waitSent("3003", 1)
	attempts := func() int {
		n := 0
		for _, c := range tg.callsTo("sendMessage") {
			if c.Params["chat_id"] == "3002" {
				n++
			}
		}
		return n
	}
	if !eventually(e2eDeadline, func() bool { return attempts() >= 1 }) {
		t.Fatal("no attempt to answer the customer who blocked the bot")
	}
	time.Sleep(3 * time.Second)
	if n := attempts(); n > 1 {
		t.Errorf("%d attempts to write to a customer who blocked the bot (403) in 3 s; want 1", n)
	}
	// Another message from them (they unblocked): tried again once.
	tg.push(tgText(t, customer(3004), "Сколько стоит доставка?"))
	tg.waitSent("3004", 1)
	checkNo400(t, tg)
}

// Start-up: a revoked token stops the bot at once with one sentence naming
// TELEGRAM_TOKEN, and the token never appears in the output.
func TestE2EStartupRevokedToken(t *testing.T) {
	t.Parallel()
	tg := newTGFake(t)
	tg.revoke()
	b := newBot(t, map[string]string{"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": tg.URL(), "SUPPORTBOT_LOG_LEVEL": "info"})
	b.start()
	code, ok := b.wait(e2eDeadline)
	if !ok {
		t.Fatal("the bot keeps running with a revoked token")
	}
	out := b.logs.String()
	if code == 0 {
		t.Errorf("exit status 0 with a revoked token")
	}
	last := lastLine(out)
	if !strings.Contains(last, "TELEGRAM_TOKEN") {
		t.Errorf("the last line does not name TELEGRAM_TOKEN: %q", last)
	}
	if strings.Contains(out, tgToken) || strings.Contains(out, strings.SplitN(tgToken, ":", 2)[1]) {
		t.Errorf("the token appears in the output:\n%s", out)
	}
}

// Start-up: a webhook URL without its secret stops the bot with one
// sentence naming TELEGRAM_WEBHOOK_SECRET, before any request.
func TestE2EStartupMissingSetting(t *testing.T) {
	t.Parallel()
	tg := newTGFake(t)
	b := newBot(t, map[string]string{
		"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": tg.URL(),
		"TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg",
	})
	b.start()
	code, ok := b.wait(e2eDeadline)
	if !ok {
		t.Fatal("the bot keeps running without TELEGRAM_WEBHOOK_SECRET")
	}
	out := strings.TrimSpace(b.logs.String())
	out = strings.TrimSpace(strings.TrimPrefix(out, "----- run 1 -----"))
	if code == 0 {
		t.Error("exit status 0")
	}
	if strings.Count(out, "\n") > 0 || !strings.Contains(out, "TELEGRAM_WEBHOOK_SECRET") {
		t.Errorf("want one line naming TELEGRAM_WEBHOOK_SECRET, got:\n%s", out)
	}
	if strings.Contains(out, tgToken) {
		t.Error("the token appears in the output")
	}
	if n := len(tg.callsTo("getMe")) + len(tg.callsTo("setWebhook")); n > 0 {
		t.Errorf("%d requests to Telegram before the settings were checked", n)
	}
}

// Start-up: Telegram down (502 from its front) when the bot starts: the bot
// keeps trying, is not ready, and serves once Telegram is back.
func TestE2EStartupPlatformDown(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits for start-up retries")
	}
	tg := newTGFake(t)
	tg.setDown(&tgFailure{Code: 502, HTML: true})
	b := newBot(t, map[string]string{"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": tg.URL()})
	b.start()
	if !eventually(e2eDeadline, func() bool { return len(tg.callsTo("getMe")) >= 2 }) {
		t.Fatalf("getMe tried %d times in %s while Telegram is down; want retries", len(tg.callsTo("getMe")), e2eDeadline)
	}
	if !b.running() {
		t.Fatal("the bot exited because Telegram was down at start")
	}
	if code, body := httpGet(b.url("/readyz")); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d %q while Telegram is down, want 503", code, body)
	}
	if code, _ := httpGet(b.url("/healthz")); code != http.StatusOK {
		t.Errorf("/healthz = %d while Telegram is down, want 200 (the process is alive)", code)
	}
	tg.setDown(nil)
	tg.push(tgText(t, customer(4001), "Где мой заказ?"))
	tg.waitSent("4001", 1)
	b.waitReady()
}

// Health endpoints: /healthz, /readyz once connected, /metrics with the
// message counter.
func TestE2EHealth(t *testing.T) {
	t.Parallel()
	tg, b := startTGBot(t, nil)
	if code, _ := httpGet(b.url("/healthz")); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := httpGet(b.url("/readyz")); code != 200 {
		t.Errorf("/readyz = %d %q", code, body)
	}
	tg.push(tgText(t, customer(5001), "Где мой заказ?"))
	tg.waitSent("5001", 1)
	var body string
	ok := eventually(e2eDeadline, func() bool {
		_, body = httpGet(b.url("/metrics"))
		return strings.Contains(body, "supportbot_messages_in_total")
	})
	if !ok {
		t.Errorf("/metrics has no supportbot_messages_in_total after a message:\n%s", tail(body, 30))
	}
}

// Webhook: setWebhook is called with the secret; an update with the right
// secret header is answered, one with a wrong secret gets 401 and nothing is
// sent or stored; the same update delivered twice gets one reply.
func TestE2ETelegramWebhook(t *testing.T) {
	t.Parallel()
	tg := newTGFake(t)
	const secret = "e2e-webhook_SECRET-42"
	b := newBot(t, map[string]string{
		"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": tg.URL(),
		"TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg/hook", "TELEGRAM_WEBHOOK_SECRET": secret,
	})
	b.start()
	b.waitReady()
	sw := tg.callsTo("setWebhook")
	if len(sw) == 0 {
		t.Fatal("setWebhook was not called")
	}
	if sw[0].Params["url"] != "https://bot.example.com/tg/hook" || sw[0].Params["secret_token"] != secret {
		t.Errorf("setWebhook(url=%q, secret_token=%q)", sw[0].Params["url"], sw[0].Params["secret_token"])
	}

	post := func(body []byte, secret string) int {
		t.Helper()
		h := map[string]string{}
		if secret != "" {
			h["X-Telegram-Bot-Api-Secret-Token"] = secret
		}
		code, _, err := httpPost(b.url("/tg/hook"), "application/json", body, h)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	upd := tgText(t, customer(6001), "Где мой заказ?")(777001)
	if code := post(upd, "wrong-secret"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", code)
	}
	if code := post(upd, ""); code != http.StatusUnauthorized {
		t.Errorf("no secret: %d, want 401", code)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(tg.sentTo("6001")); n != 0 {
		t.Errorf("%d messages sent for an update with a wrong secret", n)
	}
	if ids := inboxEventIDs(t, openDBReadOnly(t, b.DB), "telegram"); ids["777001"] {
		t.Error("an update with a wrong secret was stored")
	}

	if code := post(upd, secret); code != http.StatusOK {
		t.Fatalf("right secret: %d, want 200", code)
	}
	got := tg.waitSent("6001", 1)
	if want := e2eEntry(t, "order_status").Answer; !sameText(got[0].Plain, want) {
		t.Errorf("webhook answer %q, want %q", got[0].Plain, want)
	}
	// Telegram delivers the same update again (it did not see our 200).
	if code := post(upd, secret); code != http.StatusOK {
		t.Errorf("duplicate delivery: %d, want 200", code)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(tg.sentTo("6001")); n != 1 {
		t.Errorf("the same update delivered twice got %d replies, want 1", n)
	}
	if n := len(tg.callsTo("getUpdates")); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
	checkNo400(t, tg)
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
