package main

import (
	"strings"
	"testing"
	"time"
)

func envMap(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(envMap(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.FAQPath != "faq.yaml" || c.DBPath != "supportbot.db" || c.Listen != ":8080" {
		t.Errorf("paths = %q %q %q", c.FAQPath, c.DBPath, c.Listen)
	}
	if c.TelegramAPIURL != "https://api.telegram.org" || c.VKAPIURL != "https://api.vk.com/method/" {
		t.Errorf("api urls = %q %q", c.TelegramAPIURL, c.VKAPIURL)
	}
	if c.telegramOn() || c.vkOn() {
		t.Error("no channel should be on without tokens")
	}
	if c.RemindAfter != 10*time.Minute || c.VKQuietPeriod != 30*time.Minute {
		t.Errorf("durations = %s %s", c.RemindAfter, c.VKQuietPeriod)
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	const token = "123456:AAE-secret-token-value-that-must-not-leak"
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"webhook without token", []string{"TELEGRAM_WEBHOOK_URL", "https://x.example/hook"}, "TELEGRAM_TOKEN"},
		{"webhook without secret", []string{"TELEGRAM_TOKEN", token, "TELEGRAM_WEBHOOK_URL", "https://x.example/hook"}, "TELEGRAM_WEBHOOK_SECRET"},
		{"webhook over http", []string{"TELEGRAM_TOKEN", token, "TELEGRAM_WEBHOOK_URL", "http://x.example/hook", "TELEGRAM_WEBHOOK_SECRET", "s"}, "https://"},
		{"bad secret chars", []string{"TELEGRAM_TOKEN", token, "TELEGRAM_WEBHOOK_URL", "https://x.example/hook", "TELEGRAM_WEBHOOK_SECRET", "a b"}, "TELEGRAM_WEBHOOK_SECRET"},
		{"vk token without group", []string{"VK_TOKEN", "vk1.a.secret"}, "VK_GROUP_ID"},
		{"vk group not a number", []string{"VK_TOKEN", "vk1.a.secret", "VK_GROUP_ID", "club123"}, "VK_GROUP_ID"},
		{"vk group without token", []string{"VK_GROUP_ID", "123"}, "VK_TOKEN"},
		{"callback without confirmation", []string{"VK_TOKEN", "vk1.a.secret", "VK_GROUP_ID", "1", "VK_CALLBACK_SECRET", "s"}, "VK_CONFIRMATION"},
		{"confirmation without secret", []string{"VK_TOKEN", "vk1.a.secret", "VK_GROUP_ID", "1", "VK_CONFIRMATION", "abc"}, "VK_CALLBACK_SECRET"},
		{"desk without telegram", []string{"SUPPORTBOT_OPERATOR_CHAT", "-100123"}, "TELEGRAM_TOKEN"},
		{"desk chat positive", []string{"TELEGRAM_TOKEN", token, "SUPPORTBOT_OPERATOR_CHAT", "123"}, "SUPPORTBOT_OPERATOR_CHAT"},
		{"operators not numbers", []string{"TELEGRAM_TOKEN", token, "SUPPORTBOT_OPERATOR_CHAT", "-100123", "SUPPORTBOT_OPERATORS", "12,@ivan"}, "SUPPORTBOT_OPERATORS"},
		{"operators without chat", []string{"TELEGRAM_TOKEN", token, "SUPPORTBOT_OPERATORS", "12"}, "SUPPORTBOT_OPERATOR_CHAT"},
		{"bad api url", []string{"TELEGRAM_API_URL", "localhost:8081"}, "TELEGRAM_API_URL"},
		{"bad log level", []string{"SUPPORTBOT_LOG_LEVEL", "loud"}, "SUPPORTBOT_LOG_LEVEL"},
		{"bad duration", []string{"SUPPORTBOT_REMIND_AFTER", "soon"}, "SUPPORTBOT_REMIND_AFTER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(envMap(tt.env...), nil, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "vk1.a.secret") {
				t.Errorf("error %q leaks a token", err)
			}
		})
	}
}

func TestLoadConfigLogSettingsIgnoreCase(t *testing.T) {
	c, err := loadConfig(envMap("SUPPORTBOT_LOG_LEVEL", "DEBUG", "SUPPORTBOT_LOG_FORMAT", "JSON"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.LogLevel != "debug" || c.LogFormat != "json" {
		t.Errorf("level %q format %q", c.LogLevel, c.LogFormat)
	}
}

func TestLoadConfigChannels(t *testing.T) {
	c, err := loadConfig(envMap(
		"TELEGRAM_TOKEN", "1:x",
		"TELEGRAM_WEBHOOK_URL", "https://bot.example.com/tg/hook",
		"TELEGRAM_WEBHOOK_SECRET", "s3cr3t_-",
		"VK_TOKEN", "vk1.a.x", "VK_GROUP_ID", "-218375169",
		"VK_CALLBACK_SECRET", "x", "VK_CONFIRMATION", "a1b2c3",
		"VK_API_URL", "http://127.0.0.1:9/method",
		"SUPPORTBOT_OPERATOR_CHAT", "-1001234567890",
		"SUPPORTBOT_OPERATORS", "11, 22",
	), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.telegramOn() || !c.vkOn() || !c.vkCallback() {
		t.Error("both channels with the callback API should be on")
	}
	if c.VKGroupID != 218375169 {
		t.Errorf("group id = %d (a leading minus is accepted)", c.VKGroupID)
	}
	if c.webhookPath() != "/tg/hook" {
		t.Errorf("webhook path = %q", c.webhookPath())
	}
	if c.VKAPIURL != "http://127.0.0.1:9/method/" {
		t.Errorf("VK API URL = %q, want a trailing slash added", c.VKAPIURL)
	}
	if len(c.Operators) != 2 || c.Operators[1] != "22" {
		t.Errorf("operators = %q", c.Operators)
	}
}
