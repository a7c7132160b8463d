package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supportbot/supportbot/faq"
)

// startVKBot starts the binary with VK on a fresh fake (Bots Long Poll
// unless env sets the Callback API) and waits until it is ready.
func startVKBot(t *testing.T, env map[string]string) (*vkFake, *botProc) {
	t.Helper()
	vk := newVKFake(t)
	vk.confirm = env["VK_CONFIRMATION"]
	all := map[string]string{"VK_TOKEN": vkToken, "VK_GROUP_ID": strconv.Itoa(vkGroupID), "VK_API_URL": vk.URL()}
	for k, v := range env {
		all[k] = v
	}
	b := newBot(t, all)
	b.start()
	b.waitReady()
	if all["VK_CALLBACK_SECRET"] == "" {
		vk.waitPolling()
	}
	return vk, b
}

// checkVKRefusals fails the test for any call VK refused other than the
// codes the test injected.
func checkVKRefusals(t *testing.T, vk *vkFake, injected ...int) {
	t.Helper()
	ok := map[int]bool{}
	for _, c := range injected {
		ok[c] = true
	}
	for _, c := range vk.refused() {
		if !ok[c.Error] {
			t.Errorf("VK refused %s with error %d: %v", c.Method, c.Error, c.Form)
		}
	}
}

// vkButton finds the keyboard button labelled label and returns its
// payload and type.
func vkButton(t *testing.T, s vkSent, label string) (payload, typ string) {
	t.Helper()
	if s.Keyboard == nil {
		t.Fatalf("message %q has no keyboard", s.Message)
	}
	var labels []string
	for _, row := range s.Keyboard.Buttons {
		for _, b := range row {
			labels = append(labels, b.Action.Label)
			if b.Action.Label == label {
				return b.Action.Payload, b.Action.Type
			}
		}
	}
	t.Fatalf("no button %q on the keyboard: %q", label, labels)
	return "", ""
}

// A customer on VK (Bots Long Poll): "Начать" gets the greeting, a question
// gets its answer as plain text, an ambiguous one gets an inline keyboard of
// callback buttons, and a press (message_event) gets the answer and is
// acknowledged. Every messages.send carries a random_id.
func TestE2EVKLongPoll(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	vk, b := startVKBot(t, nil)
	for _, m := range []string{"groups.getById", "groups.getLongPollServer"} {
		if len(vk.callsTo(m)) == 0 {
			t.Errorf("%s was not called at start", m)
		}
	}

	const ira = 7001
	vk.push("message_new", vkText(t, ira, 1, "Начать", `{"command":"start"}`, ""))
	got := vk.waitSent(ira, 1)
	if want := f.TextsFor("ru").Greeting; !sameText(got[0].Message, want) {
		t.Errorf("Начать: customer sees %q, want the greeting %q", got[0].Message, want)
	}
	vk.push("message_new", vkText(t, ira, 2, "Где мой заказ?", "", ""))
	got = vk.waitSent(ira, 2)
	if want := e2eEntry(t, "order_status").Answer; !sameText(got[1].Message, want) {
		t.Errorf("question: customer sees %q, want %q", got[1].Message, want)
	}

	const oleg = 7002
	phrase, d := pickByAction(t, faq.Clarify, "доставка", "доставку", "доставка сколько")
	vk.push("message_new", vkText(t, oleg, 1, phrase, "", ""))
	got = vk.waitSent(oleg, 1)
	clar := got[0]
	if want := f.TextsFor("ru").DidYouMean; !strings.HasPrefix(strings.TrimSpace(clar.Message), strings.TrimSpace(want)) {
		t.Errorf("clarify: customer sees %q, want %q", clar.Message, want)
	}
	if clar.Keyboard == nil || !clar.Keyboard.Inline {
		t.Fatalf("clarify without an inline keyboard for a client that shows them: %+v", clar.Keyboard)
	}
	choice := e2eEntry(t, d.Candidates[0])
	payload, typ := vkButton(t, clar, choice.Label())
	if typ != "callback" {
		t.Errorf("button type %q for a client with callback buttons", typ)
	}
	vk.push("message_event", vkPress(t, oleg, clar.ID, payload, ""))
	got = vk.waitSent(oleg, 2)
	if !sameText(got[1].Message, choice.Answer) {
		t.Errorf("after pressing %q the customer sees %q, want %q", choice.Label(), got[1].Message, choice.Answer)
	}
	if !eventually(e2eDeadline, func() bool { return len(vk.callsTo("messages.sendMessageEventAnswer")) > 0 }) {
		t.Error("the press was never acknowledged (messages.sendMessageEventAnswer)")
	}

	// A long answer arrives whole.
	const vera = 7003
	long := e2eEntry(t, "returns_terms").Answer
	vk.push("message_new", vkText(t, vera, 1, "Условия возврата полностью", "", ""))
	var parts []vkSent
	eventually(e2eDeadline, func() bool {
		parts = vk.sentTo(vera)
		n := 0
		for _, p := range parts {
			n += len(p.Message)
		}
		return n >= len(long)-200
	})
	var joined []string
	for _, p := range parts {
		joined = append(joined, p.Message)
	}
	if len(parts) < 2 || !sameText(strings.Join(joined, "\n"), long) {
		t.Errorf("the %d-character answer came in %d messages that do not read as the answer", len(long), len(parts))
	}

	for _, c := range vk.callsTo("messages.send") {
		if c.Form.Get("random_id") == "" || c.Form.Get("random_id") == "0" {
			t.Errorf("messages.send without a random_id: %v", c.Form)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(vk.sentTo(ira)); n != 2 {
		t.Errorf("customer %d got %d messages, want 2 (the bot's own message_reply echoes must not be answered)", ira, n)
	}
	checkVKRefusals(t, vk)
	if code, took := b.stop(10 * time.Second); code != 0 {
		t.Errorf("SIGTERM: exit status %d after %s", code, took)
	}
}

// VK errors: 6 (too many requests) and 10 (internal) then success: one
// message. A customer who did not allow messages (901) is not retried
// forever and others are still served.
func TestE2EVKSendErrors(t *testing.T) {
	t.Parallel()
	vk, _ := startVKBot(t, nil)
	vk.failNext("messages.send",
		vkFailure{Code: 6, Msg: "Too many requests per second"},
		vkFailure{Code: 10, Msg: "Internal server error"},
	)
	vk.push("message_new", vkText(t, 8001, 1, "Где мой заказ?", "", ""))
	vk.waitSent(8001, 1)
	time.Sleep(500 * time.Millisecond)
	if n := len(vk.sentTo(8001)); n != 1 {
		t.Errorf("customer got %d messages after errors 6 and 10, want 1", n)
	}
	sends := vk.callsTo("messages.send")
	if len(sends) < 3 {
		t.Errorf("%d messages.send calls, want 3 (6, 10, ok)", len(sends))
	} else if r0, r2 := sends[0].Form.Get("random_id"), sends[2].Form.Get("random_id"); r0 != r2 {
		t.Errorf("the retry has random_id %s, the first attempt %s: VK cannot deduplicate", r2, r0)
	}

	vk.block(8002)
	vk.push("message_new", vkText(t, 8002, 1, "Где мой заказ?", "", ""), vkText(t, 8003, 1, "Где мой заказ?", "", ""))
	vk.waitSent(8003, 1)
	attempts := func() int {
		n := 0
		for _, c := range vk.callsTo("messages.send") {
			if c.Form.Get("peer_id") == "8002" {
				n++
			}
		}
		return n
	}
	if !eventually(e2eDeadline, func() bool { return attempts() >= 1 }) {
		t.Fatal("no attempt to answer the customer who denied messages")
	}
	time.Sleep(3 * time.Second)
	if n := attempts(); n > 1 {
		t.Errorf("%d attempts to write to a customer who denied messages (901) in 3 s; want 1", n)
	}
	vk.push("message_new", vkText(t, 8004, 1, "Сколько стоит доставка?", "", ""))
	vk.waitSent(8004, 1)
	checkVKRefusals(t, vk, 6, 10, 901)
}

// VK Callback API: the confirmation request gets VK_CONFIRMATION; a wrong
// secret gets 401 and nothing is answered; the right one gets "ok" and the
// customer an answer; the same event sent twice gets one answer.
func TestE2EVKCallback(t *testing.T) {
	t.Parallel()
	const secret, confirmation = "e2eCallbackSecret9", "3f7a91c2"
	vk, b := startVKBot(t, map[string]string{"VK_CALLBACK_SECRET": secret, "VK_CONFIRMATION": confirmation})
	post := func(body []byte) (int, string) {
		t.Helper()
		code, out, err := httpPost(b.url("/vk/callback"), "application/json", body, nil)
		if err != nil {
			t.Fatal(err)
		}
		return code, out
	}
	code, out := post(fixture(t, "vk_confirmation", map[string]any{"GroupID": vkGroupID}))
	if code != 200 || out != confirmation {
		t.Errorf("confirmation: %d %q, want 200 %q", code, out, confirmation)
	}

	ev := vkText(t, 9001, 1, "Где мой заказ?", "", "not-the-secret")("cb-event-0001")
	if code, out := post(ev); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d %q, want 401", code, out)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(vk.sentTo(9001)); n != 0 {
		t.Errorf("%d messages sent for an event with a wrong secret", n)
	}
	if ids := inboxEventIDs(t, openDBReadOnly(t, b.DB), "vk"); ids["cb-event-0001"] {
		t.Error("an event with a wrong secret was stored")
	}

	ev = vkText(t, 9001, 1, "Где мой заказ?", "", secret)("cb-event-0001")
	if code, out := post(ev); code != 200 || out != "ok" {
		t.Fatalf("right secret: %d %q, want 200 \"ok\"", code, out)
	}
	got := vk.waitSent(9001, 1)
	if want := e2eEntry(t, "order_status").Answer; !sameText(got[0].Message, want) {
		t.Errorf("callback answer %q, want %q", got[0].Message, want)
	}
	// VK retries an event it did not see "ok" for.
	if code, out := post(ev); code != 200 || out != "ok" {
		t.Errorf("duplicate: %d %q", code, out)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(vk.sentTo(9001)); n != 1 {
		t.Errorf("the same event sent twice got %d answers, want 1", n)
	}
	if n := len(vk.callsTo("groups.getLongPollServer")); n != 0 {
		t.Errorf("groups.getLongPollServer called %d times with the Callback API", n)
	}
	checkVKRefusals(t, vk)
}

// VK delivers the same long-poll event twice (same event_id): one answer.
func TestE2EVKDuplicateEvent(t *testing.T) {
	t.Parallel()
	vk, _ := startVKBot(t, nil)
	vk.mu.Lock()
	ev := vkText(t, 9101, 1, "Где мой заказ?", "", "")("dup-event-42")
	vk.events = append(vk.events,
		vkEvent{Num: vkTSBase + int64(len(vk.events)), Type: "message_new", EventID: "dup-event-42", Raw: json.RawMessage(ev), PushedAt: time.Now()})
	vk.events = append(vk.events,
		vkEvent{Num: vkTSBase + int64(len(vk.events)), Type: "message_new", EventID: "dup-event-42", Raw: json.RawMessage(ev), PushedAt: time.Now()})
	vk.changedLocked()
	vk.mu.Unlock()
	vk.waitSent(9101, 1)
	time.Sleep(1500 * time.Millisecond)
	if n := len(vk.sentTo(9101)); n != 1 {
		t.Errorf("an event delivered twice got %d answers, want 1", n)
	}
}
