package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supportbot/supportbot/faq"
)

// A sticker gets the polite "I read text" answer with the button to reach a
// person; pressing it hands the conversation off (the customer is told
// their place in the queue), and writing again right after is not answered
// with the same notice.
func TestE2ETelegramMediaAndHandoff(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	texts := f.TextsFor("ru")
	tg, _ := startTGBot(t, nil)
	c := customer(11001)
	tg.push(func(id int64) []byte {
		return fixture(t, "tg_sticker", map[string]any{"UpdateID": id, "MessageID": 7, "Date": time.Now().Unix(), "Customer": c})
	})
	got := tg.waitSent("11001", 1)
	if !sameText(got[0].Plain, texts.NonText) {
		t.Errorf("sticker: customer sees %q, want %q", got[0].Plain, texts.NonText)
	}
	data := ""
	if got[0].Markup != nil {
		for _, row := range got[0].Markup.InlineKeyboard {
			for _, b := range row {
				if b.Text == texts.TalkToPerson {
					data = b.CallbackData
				}
			}
		}
	}
	if data == "" {
		t.Fatalf("no %q button under the answer to a sticker: %+v", texts.TalkToPerson, got[0].Markup)
	}
	tg.push(tgPress(t, c, got[0].MessageID, data))
	got = tg.waitSent("11001", 2)
	if !strings.Contains(got[1].Plain, "1") || sameText(got[1].Plain, texts.NonText) {
		t.Errorf("after asking for a person the customer sees %q, want the handoff notice with place 1", got[1].Plain)
	}
	tg.push(tgText(t, c, "Алло, есть кто?"))
	time.Sleep(1500 * time.Millisecond)
	if n := len(tg.sentTo("11001")); n != 2 {
		t.Errorf("a waiting customer who wrote again got %d messages in all, want 2 (no repeated notice)", n)
	}
	checkNo400(t, tg)
}

// In a Telegram group the bot answers only when mentioned.
func TestE2ETelegramGroupMention(t *testing.T) {
	t.Parallel()
	tg, _ := startTGBot(t, nil)
	c := customer(12001)
	const group = "-1001500600700"
	msg := func(text string, mention bool) func(int64) []byte {
		return func(id int64) []byte {
			d := map[string]any{"UpdateID": id, "MessageID": id % 1000, "Date": time.Now().Unix(), "Customer": c, "ChatID": group, "Text": text, "MentionLen": 0, "MentionOffset": 0}
			if mention {
				d["MentionLen"] = len("@" + tgUsername)
			}
			return fixture(t, "tg_group_message", d)
		}
	}
	tg.push(msg("Где мой заказ?", false))
	time.Sleep(1500 * time.Millisecond)
	if n := len(tg.sentTo(group)); n != 0 {
		t.Fatalf("the bot answered %d times in a group without being mentioned", n)
	}
	tg.push(msg("@"+tgUsername+" Где мой заказ?", true))
	got := tg.waitSent(group, 1)
	if want := e2eEntry(t, "order_status").Answer; !sameText(got[0].Plain, want) {
		t.Errorf("mentioned in a group: %q, want %q", got[0].Plain, want)
	}
	checkNo400(t, tg)
}

// VK's long poll key expires (failed 2) and its history moves on (failed
// 1): the bot gets a new key and keeps answering.
func TestE2EVKLongPollFailures(t *testing.T) {
	t.Parallel()
	vk, _ := startVKBot(t, nil)
	checks := func() int {
		vk.mu.Lock()
		defer vk.mu.Unlock()
		return vk.lpChecks
	}
	// fail answers the next a_check with failed n: the one being held is
	// released by an event the bot ignores (its own message echoed).
	fail := func(n int) {
		t.Helper()
		vk.mu.Lock()
		vk.lpFail = []int{n}
		vk.mu.Unlock()
		before := checks()
		vk.push("message_reply", func(eventID string) []byte {
			return fixture(t, "vk_message_reply", map[string]any{
				"GroupID": vkGroupID, "EventID": eventID, "Date": time.Now().Unix(), "MessageID": 1,
				"ConversationMessageID": 1, "PeerID": 1, "RandomID": 1, "Text": "echo",
			})
		})
		if !eventually(e2eDeadline, func() bool { return checks() >= before+2 }) {
			t.Fatalf("the bot stopped polling after failed %d", n)
		}
	}
	fail(2)
	if n := len(vk.callsTo("groups.getLongPollServer")); n < 2 {
		t.Errorf("groups.getLongPollServer called %d times; after failed 2 a new key is needed", n)
	}
	vk.push("message_new", vkText(t, 13001, 1, "Где мой заказ?", "", ""))
	vk.waitSent(13001, 1)
	fail(1)
	vk.push("message_new", vkText(t, 13002, 1, "Где мой заказ?", "", ""))
	vk.waitSent(13002, 1)
	checkVKRefusals(t, vk)
}

// VK refuses the keyboard (bot capabilities off, error 912): the customer
// still gets the "did you mean" message, with the choices as lines of text.
func TestE2EVKKeyboardRefused(t *testing.T) {
	t.Parallel()
	vk, _ := startVKBot(t, nil)
	vk.failNext("messages.send", vkFailure{Code: 912, Msg: "This is a chat bot feature, change this status in settings"})
	phrase, d := pickByAction(t, faq.Clarify, "доставка", "доставку", "доставка сколько")
	vk.push("message_new", vkText(t, 14001, 1, phrase, "", ""))
	got := vk.waitSent(14001, 1)
	if got[0].Keyboard != nil {
		t.Errorf("keyboard sent again after 912: %+v", got[0].Keyboard)
	}
	if l := e2eEntry(t, d.Candidates[0]).Label(); !strings.Contains(got[0].Message, l) {
		t.Errorf("the choices are not in the text: %q lacks %q", got[0].Message, l)
	}
	checkVKRefusals(t, vk, 912)
}

// VK start-up: a revoked token stops the bot with a sentence naming
// VK_TOKEN and never the token; VK down at start is retried.
func TestE2EVKStartup(t *testing.T) {
	t.Parallel()
	t.Run("revoked", func(t *testing.T) {
		vk := newVKFake(t)
		vk.failNext("groups.getById", vkFailure{Code: 5, Msg: "User authorization failed: access_token has expired."})
		b := newBot(t, map[string]string{"VK_TOKEN": vkToken, "VK_GROUP_ID": strconv.Itoa(vkGroupID), "VK_API_URL": vk.URL(), "SUPPORTBOT_LOG_LEVEL": "info"})
		b.start()
		code, ok := b.wait(e2eDeadline)
		if !ok {
			t.Fatal("the bot keeps running with a revoked VK token")
		}
		out := b.logs.String()
		if code == 0 {
			t.Error("exit status 0")
		}
		if !strings.Contains(lastLine(out), "VK_TOKEN") {
			t.Errorf("the last line does not name VK_TOKEN: %q", lastLine(out))
		}
		if strings.Contains(out, vkToken) {
			t.Errorf("the token appears in the output:\n%s", out)
		}
	})
	t.Run("confirmation", func(t *testing.T) {
		vk := newVKFake(t)
		vk.confirm = "a1b2c3d4"
		b := newBot(t, map[string]string{
			"VK_TOKEN": vkToken, "VK_GROUP_ID": strconv.Itoa(vkGroupID), "VK_API_URL": vk.URL(),
			"VK_CALLBACK_SECRET": "s3cret", "VK_CONFIRMATION": "typo1234", "SUPPORTBOT_LOG_LEVEL": "info",
		})
		b.start()
		if _, ok := b.wait(e2eDeadline); !ok {
			t.Fatal("the bot keeps running with a VK_CONFIRMATION VK does not expect")
		}
		if last := lastLine(b.logs.String()); !strings.Contains(last, "VK_CONFIRMATION") {
			t.Errorf("the last line does not name VK_CONFIRMATION: %q", last)
		}
	})
	t.Run("down", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits for start-up retries")
		}
		vk := newVKFake(t)
		vk.setDown(&vkFailure{HTTP: http.StatusBadGateway})
		b := newBot(t, map[string]string{"VK_TOKEN": vkToken, "VK_GROUP_ID": strconv.Itoa(vkGroupID), "VK_API_URL": vk.URL()})
		b.start()
		if !eventually(e2eDeadline, func() bool { return len(vk.callsTo("groups.getById")) >= 2 }) {
			t.Fatalf("groups.getById tried %d times while VK is down", len(vk.callsTo("groups.getById")))
		}
		if !b.running() {
			t.Fatal("the bot exited because VK was down at start")
		}
		vk.setDown(nil)
		b.waitReady()
		vk.waitPolling()
		vk.push("message_new", vkText(t, 15001, 1, "Где мой заказ?", "", ""))
		vk.waitSent(15001, 1)
		if out := b.logs.String(); strings.Contains(out, vkToken) {
			t.Error("the token appears in the log")
		}
	})
}
