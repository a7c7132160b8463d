package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/supportbot/supportbot/bot"
	"github.com/supportbot/supportbot/storage"
)

// TestVKAdminQuietReturnWithoutMaintenance: a customer who writes after the
// admin has been quiet for the quiet period is answered by the bot at once,
// even before the maintenance loop has released the conversation.
func TestVKAdminQuietReturnWithoutMaintenance(t *testing.T) {
	h := newHarness(t, WithAdminQuiet(30*time.Minute))
	vk := &fakeChannel{platform: bot.VK}
	h.r.AddChannel(vk)
	ctx := context.Background()
	customer := func(text string) bot.Message {
		return bot.Message{Platform: bot.VK, Kind: bot.KindText, ChatID: "2000001", UserID: "2000001", Text: text}
	}
	h.send(customer("привет"))
	expect(t, vk.take(), "Я бот")
	h.send(bot.Message{Platform: bot.VK, Kind: bot.KindAdminReply, ChatID: "2000001", UserID: "77", Text: "Здравствуйте, это Мария"})
	expect(t, vk.take())

	h.clock.Add(29 * time.Minute)
	h.send(customer("как вернуть товар"))
	expect(t, vk.take()) // still the admin's: the bot keeps quiet

	h.clock.Add(31 * time.Minute) // 31 minutes after the admin's last message; no maintenance tick
	h.send(customer("как вернуть товар"))
	expect(t, vk.take(), "14 дней")
	c, err := h.db.ConversationByChat(ctx, string(bot.VK), "2000001")
	if err != nil || c.State != storage.StateBot {
		t.Fatalf("conversation %+v, %v; want back with the bot", c, err)
	}
}
