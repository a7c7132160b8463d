package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// config is every setting of the running bot. Each comes from an environment
// variable (the contract documented in README.md); a few can be overridden
// by flags.
type config struct {
	FAQPath string // SUPPORTBOT_FAQ
	DBPath  string // SUPPORTBOT_DB
	Listen  string // SUPPORTBOT_LISTEN

	TelegramToken         string // TELEGRAM_TOKEN
	TelegramAPIURL        string // TELEGRAM_API_URL
	TelegramWebhookURL    string // TELEGRAM_WEBHOOK_URL
	TelegramWebhookSecret string // TELEGRAM_WEBHOOK_SECRET

	VKToken          string // VK_TOKEN
	VKGroupID        int    // VK_GROUP_ID
	VKAPIURL         string // VK_API_URL
	VKCallbackSecret string // VK_CALLBACK_SECRET
	VKConfirmation   string // VK_CONFIRMATION

	OperatorChat      string   // SUPPORTBOT_OPERATOR_CHAT
	Operators         []string // SUPPORTBOT_OPERATORS
	OperatorSignature bool     // SUPPORTBOT_OPERATOR_SIGNATURE
	RemindAfter       time.Duration
	VKQuietPeriod     time.Duration

	LogLevel  string // SUPPORTBOT_LOG_LEVEL
	LogFormat string // SUPPORTBOT_LOG_FORMAT
	LogText   bool   // SUPPORTBOT_LOG_TEXT
}

// telegramOn reports whether the Telegram channel is configured.
func (c *config) telegramOn() bool { return c.TelegramToken != "" }

// vkOn reports whether the VK channel is configured.
func (c *config) vkOn() bool { return c.VKToken != "" }

// vkCallback reports whether VK events come through the Callback API.
func (c *config) vkCallback() bool { return c.VKCallbackSecret != "" || c.VKConfirmation != "" }

// webhookPath is where the Telegram webhook is served: the path of
// TELEGRAM_WEBHOOK_URL, or /telegram/webhook when the URL has none.
func (c *config) webhookPath() string {
	u, err := url.Parse(c.TelegramWebhookURL)
	if err != nil || u.Path == "" || u.Path == "/" {
		return "/telegram/webhook"
	}
	return u.Path
}

// vkCallbackPath is where the VK Callback API is served.
const vkCallbackPath = "/vk/callback"

// webhookSecretRE is what Telegram accepts as a secret_token.
var webhookSecretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// loadConfig reads the settings from getenv, lets flags in fs override the
// paths, and checks them. A missing or contradictory setting is one sentence
// naming the variable; token values never appear in errors.
func loadConfig(getenv func(string) string, fs *flag.FlagSet, args []string) (*config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &config{
		FAQPath:               env("SUPPORTBOT_FAQ", "faq.yaml"),
		DBPath:                env("SUPPORTBOT_DB", "supportbot.db"),
		Listen:                env("SUPPORTBOT_LISTEN", ":8080"),
		TelegramToken:         env("TELEGRAM_TOKEN", ""),
		TelegramAPIURL:        strings.TrimRight(env("TELEGRAM_API_URL", "https://api.telegram.org"), "/"),
		TelegramWebhookURL:    env("TELEGRAM_WEBHOOK_URL", ""),
		TelegramWebhookSecret: env("TELEGRAM_WEBHOOK_SECRET", ""),
		VKToken:               env("VK_TOKEN", ""),
		VKAPIURL:              env("VK_API_URL", "https://api.vk.com/method/"),
		VKCallbackSecret:      env("VK_CALLBACK_SECRET", ""),
		VKConfirmation:        env("VK_CONFIRMATION", ""),
		OperatorChat:          env("SUPPORTBOT_OPERATOR_CHAT", ""),
		LogLevel:              strings.ToLower(env("SUPPORTBOT_LOG_LEVEL", "info")),
		LogFormat:             strings.ToLower(env("SUPPORTBOT_LOG_FORMAT", "text")),
	}
	if !strings.HasSuffix(c.VKAPIURL, "/") {
		c.VKAPIURL += "/"
	}
	var err error
	if c.LogText, err = envBool(getenv, "SUPPORTBOT_LOG_TEXT"); err != nil {
		return nil, err
	}
	if c.OperatorSignature, err = envBool(getenv, "SUPPORTBOT_OPERATOR_SIGNATURE"); err != nil {
		return nil, err
	}
	if c.RemindAfter, err = envDuration(getenv, "SUPPORTBOT_REMIND_AFTER", 10*time.Minute); err != nil {
		return nil, err
	}
	if c.VKQuietPeriod, err = envDuration(getenv, "SUPPORTBOT_VK_QUIET", 30*time.Minute); err != nil {
		return nil, err
	}
	if fs != nil {
		fs.StringVar(&c.FAQPath, "faq", c.FAQPath, "FAQ file (SUPPORTBOT_FAQ)")
		fs.StringVar(&c.DBPath, "db", c.DBPath, "SQLite database (SUPPORTBOT_DB)")
		fs.StringVar(&c.Listen, "listen", c.Listen, "HTTP address for webhooks, health and metrics (SUPPORTBOT_LISTEN)")
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() > 0 {
			return nil, fmt.Errorf("unexpected argument %q; settings are environment variables (see README.md)", fs.Arg(0))
		}
	}

	if g := env("VK_GROUP_ID", ""); g != "" {
		id, err := strconv.Atoi(strings.TrimPrefix(g, "-"))
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("VK_GROUP_ID must be the community's numeric id (like 218375169), not %q", g)
		}
		c.VKGroupID = id
	}
	if ops := env("SUPPORTBOT_OPERATORS", ""); ops != "" {
		for _, f := range strings.Split(ops, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if _, err := strconv.ParseInt(f, 10, 64); err != nil {
				return nil, fmt.Errorf("SUPPORTBOT_OPERATORS must be a comma-separated list of Telegram user ids (numbers), %q is not one", f)
			}
			c.Operators = append(c.Operators, f)
		}
	}
	return c, c.check()
}

// check reports the first missing or contradictory setting.
func (c *config) check() error {
	switch {
	case c.TelegramWebhookURL != "" && c.TelegramToken == "":
		return errors.New("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not: set the bot token from @BotFather or remove the webhook URL")
	case c.TelegramWebhookURL != "" && !strings.HasPrefix(c.TelegramWebhookURL, "https://"):
		return errors.New("TELEGRAM_WEBHOOK_URL must be a public https:// URL (Telegram only calls webhooks over HTTPS)")
	case c.TelegramWebhookURL != "" && c.TelegramWebhookSecret == "":
		return errors.New("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: choose a random string of letters, digits, _ and - (up to 256)")
	case c.TelegramWebhookSecret != "" && !webhookSecretRE.MatchString(c.TelegramWebhookSecret):
		return errors.New("TELEGRAM_WEBHOOK_SECRET may hold only letters, digits, _ and - (1 to 256 characters)")
	case c.TelegramWebhookSecret != "" && c.TelegramWebhookURL == "":
		return errors.New("TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_WEBHOOK_URL is not: set the public URL of the webhook, or remove the secret to use long polling")
	case c.VKToken != "" && c.VKGroupID == 0:
		return errors.New("VK_TOKEN is set but VK_GROUP_ID is not: set the community's numeric id")
	case c.VKToken == "" && c.VKGroupID != 0:
		return errors.New("VK_GROUP_ID is set but VK_TOKEN is not: create a community access token (Manage community → API usage)")
	case c.vkCallback() && c.VKToken == "":
		return errors.New("VK_CALLBACK_SECRET or VK_CONFIRMATION is set but VK_TOKEN is not: the Callback API also needs the community token and VK_GROUP_ID")
	case c.VKCallbackSecret != "" && c.VKConfirmation == "":
		return errors.New("VK_CONFIRMATION is required with VK_CALLBACK_SECRET: copy the confirmation string from the community's Callback API settings")
	case c.VKConfirmation != "" && c.VKCallbackSecret == "":
		return errors.New("VK_CALLBACK_SECRET is required with VK_CONFIRMATION: set the same secret key as in the community's Callback API settings")
	case c.OperatorChat != "" && c.TelegramToken == "":
		return errors.New("SUPPORTBOT_OPERATOR_CHAT is set but TELEGRAM_TOKEN is not: the operators' desk is a Telegram group, so the bot needs its token")
	case len(c.Operators) > 0 && c.OperatorChat == "":
		return errors.New("SUPPORTBOT_OPERATORS is set but SUPPORTBOT_OPERATOR_CHAT is not: set the id of the operators' group")
	}
	if c.OperatorChat != "" {
		if id, err := strconv.ParseInt(c.OperatorChat, 10, 64); err != nil || id >= 0 {
			return fmt.Errorf("SUPPORTBOT_OPERATOR_CHAT must be the operators' supergroup id, a negative number like -1001234567890, not %q", c.OperatorChat)
		}
	}
	for _, u := range []struct{ name, val string }{{"TELEGRAM_API_URL", c.TelegramAPIURL}, {"VK_API_URL", c.VKAPIURL}} {
		p, err := url.Parse(u.val)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s must be an http(s) URL, not %q", u.name, u.val)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "warning", "error":
	default:
		return fmt.Errorf("SUPPORTBOT_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("SUPPORTBOT_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	return nil
}

// envBool reads a yes/no variable; empty means false.
func envBool(getenv func(string) string, name string) (bool, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false (or 1 or 0), not %q", name, v)
	}
	return b, nil
}

// envDuration reads a duration like 10m or 1h30m.
func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration like 10m or 1h, not %q", name, v)
	}
	return d, nil
}
