package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/supportbot/supportbot/bot"
)

// inlineKeyboard is the reply_markup Send uses. The SDK's own
// InlineKeyboardButton always serialises an empty copy_text, which Telegram
// may refuse (BUTTON_COPY_TEXT_INVALID); this one sends only what is set.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// keyboard builds the inline keyboard for buttons, or nil. A payload over 64
// bytes wraps ErrPayloadTooLong.
func keyboard(rows [][]bot.Button) (*inlineKeyboard, error) {
	var kb inlineKeyboard
	for _, row := range rows {
		var out []inlineButton
		for _, b := range row {
			text := strings.TrimSpace(b.Text)
			switch {
			case text == "":
				return nil, fmt.Errorf("telegram: a button has no text (payload %q)", b.Payload)
			case (b.Payload == "") == (b.URL == ""):
				return nil, fmt.Errorf("telegram: button %q must have exactly one of payload and URL", text)
			case len(b.Payload) > 64:
				return nil, fmt.Errorf("telegram: button %q: payload %q is %d bytes: %w", text, b.Payload, len(b.Payload), ErrPayloadTooLong)
			}
			out = append(out, inlineButton{Text: text, CallbackData: b.Payload, URL: b.URL})
		}
		if len(out) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, out)
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil, nil
	}
	return &kb, nil
}

func chatParam(chatID string) (any, error) {
	if id, err := strconv.ParseInt(chatID, 10, 64); err == nil && id != 0 {
		return id, nil
	}
	if strings.HasPrefix(chatID, "@") && len(chatID) > 1 {
		return chatID, nil
	}
	return nil, fmt.Errorf("telegram: %q is not a chat id", chatID)
}

func threadParam(threadID string) (int, error) {
	if threadID == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(threadID)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("telegram: %q is not a message_thread_id", threadID)
	}
	return n, nil
}

// Send delivers r: Reply.CallbackID is answered first (answerCallbackQuery),
// then the attachments (by URL when there is one, else by file_id; a single
// one carries the text as its caption when it fits), then the text as HTML
// with every <, > and & escaped, cut at 4096 UTF-16 units on paragraph,
// sentence or word boundaries, buttons under the last part. It returns the
// message_id of the last message sent ("" when only a button press was
// answered).
//
// Send makes one attempt and returns *bot.RetryError for 429 (After is
// retry_after), 5xx and network errors, bot.ErrBlocked (wrapped) when the
// recipient blocked the bot or cannot be written to, and another error,
// often *APIError, for a refusal that a retry will not change. When a long
// reply failed half way, a retry with the same Reply.Key sends only the
// parts that did not go out (remembered in memory). Send waits for its turn
// under the rate limits, or until ctx is done.
func (t *Telegram) Send(ctx context.Context, r bot.Reply) (string, error) {
	chat, err := chatParam(r.ChatID)
	if err != nil {
		return "", err
	}
	thread, err := threadParam(r.ThreadID)
	if err != nil {
		return "", err
	}
	kb, err := keyboard(r.Buttons)
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(r.Text)
	if text == "" && len(r.Attachments) == 0 {
		if r.CallbackID == "" {
			return "", errors.New("telegram: nothing to send: the reply has no text, attachments or button press")
		}
		if kb != nil {
			return "", errors.New("telegram: buttons need a text to stand under")
		}
	}

	p := t.progress.get(r.Key)
	out, err := t.send(ctx, r, p, chat, thread, kb, text)
	var re *bot.RetryError
	if err != nil && errors.As(err, &re) {
		t.progress.keep(r.Key, p) // the retry resumes where this attempt stopped
	} else {
		t.progress.drop(r.Key)
	}
	return out, err
}

func (t *Telegram) send(ctx context.Context, r bot.Reply, p *progress, chat any, thread int, kb *inlineKeyboard, text string) (string, error) {
	if r.CallbackID != "" && !p.callbackDone {
		err := t.answerCallback(ctx, r.CallbackID)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return "", err
		case text == "" && len(r.Attachments) == 0 && !errors.As(err, new(*APIError)):
			return "", err // worth a retry: answering is all this reply does
		default:
			// A press answered too late (400 "query is too old") or a
			// failure while there is a message to deliver: the message
			// matters more than the spinner on the button.
			t.log.Warn("telegram: could not answer a button press", "err", err)
		}
		p.callbackDone = true
	}

	captioned := len(r.Attachments) == 1 && text != "" && canCaption(r.Attachments[0].Type) && utf16Len(text) <= maxCaption
	for i := p.media; i < len(r.Attachments); i++ {
		a := r.Attachments[i]
		var caption string
		var markup *inlineKeyboard
		if captioned {
			caption, markup = text, kb
		}
		id, err := t.sendMedia(ctx, chat, r.ChatID, thread, a, caption, markup)
		switch {
		case err == nil:
			p.lastID = id
		case isAPIError(err, "") && a.URL != "" || isAPIError(err, "file", "url", "wrong type"):
			// Telegram could not take the file (a URL it cannot fetch, a
			// file_id of another bot): say so in the text instead.
			t.log.Warn("telegram: attachment not delivered; linking it in the text", "type", a.Type, "err", err)
			p.extra = append(p.extra, describe(a))
			captioned = false
		default:
			return "", err
		}
		p.media = i + 1
	}
	if captioned && len(p.extra) == 0 {
		return p.lastID, nil
	}

	full := text
	if len(p.extra) > 0 {
		full = strings.TrimSpace(text + "\n\n" + strings.Join(p.extra, "\n"))
	}
	parts := splitText(full, maxText)
	for i := p.parts; i < len(parts); i++ {
		var markup *inlineKeyboard
		if i == len(parts)-1 {
			markup = kb
		}
		id, err := t.sendText(ctx, chat, r.ChatID, thread, parts[i], markup)
		if err != nil {
			return "", err
		}
		p.lastID = id
		p.parts = i + 1
	}
	return p.lastID, nil
}

func describe(a bot.Attachment) string {
	s := "[" + a.Type
	if a.Name != "" {
		s += ": " + a.Name
	}
	s += "]"
	if a.URL != "" {
		s += " " + a.URL
	}
	return s
}

func canCaption(typ string) bool {
	switch typ {
	case "sticker", "video_note":
		return false
	}
	return true
}

func (t *Telegram) answerCallback(ctx context.Context, id string) error {
	return t.call(ctx, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := t.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id})
		return err
	})
}

func (t *Telegram) sendText(ctx context.Context, chat any, chatID string, thread int, text string, kb *inlineKeyboard) (string, error) {
	if err := t.limits.wait(ctx, chatID); err != nil {
		return "", err
	}
	params := &tgbot.SendMessageParams{
		ChatID:          chat,
		MessageThreadID: thread,
		Text:            escapeHTML(text),
		ParseMode:       models.ParseModeHTML,
	}
	if kb != nil {
		params.ReplyMarkup = kb
	}
	var msg *models.Message
	err := t.call(ctx, "sendMessage", func(ctx context.Context) (err error) {
		msg, err = t.api.SendMessage(ctx, params)
		return err
	})
	return t.sent(chatID, msg, err)
}

func (t *Telegram) sendMedia(ctx context.Context, chat any, chatID string, thread int, a bot.Attachment, caption string, kb *inlineKeyboard) (string, error) {
	src := a.URL
	if src == "" {
		src = a.FileID
	}
	if src == "" {
		return "", &APIError{Method: "send", Code: 400, Description: "attachment has neither url nor file_id"}
	}
	if err := t.limits.wait(ctx, chatID); err != nil {
		return "", err
	}
	file := &models.InputFileString{Data: src}
	var markup models.ReplyMarkup
	if kb != nil {
		markup = kb
	}
	html := escapeHTML(caption)
	pm := models.ParseModeHTML
	if caption == "" {
		pm = ""
	}
	var (
		msg    *models.Message
		method string
		fn     func(ctx context.Context) (*models.Message, error)
	)
	switch a.Type {
	case "photo":
		method = "sendPhoto"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, MessageThreadID: thread, Photo: file, Caption: html, ParseMode: pm, ReplyMarkup: markup})
		}
	case "video":
		method = "sendVideo"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendVideo(ctx, &tgbot.SendVideoParams{ChatID: chat, MessageThreadID: thread, Video: file, Caption: html, ParseMode: pm, ReplyMarkup: markup})
		}
	case "audio":
		method = "sendAudio"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendAudio(ctx, &tgbot.SendAudioParams{ChatID: chat, MessageThreadID: thread, Audio: file, Caption: html, ParseMode: pm, ReplyMarkup: markup})
		}
	case "voice":
		method = "sendVoice"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendVoice(ctx, &tgbot.SendVoiceParams{ChatID: chat, MessageThreadID: thread, Voice: file, Caption: html, ParseMode: pm, ReplyMarkup: markup})
		}
	case "animation":
		method = "sendAnimation"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendAnimation(ctx, &tgbot.SendAnimationParams{ChatID: chat, MessageThreadID: thread, Animation: file, Caption: html, ParseMode: pm, ReplyMarkup: markup})
		}
	case "sticker":
		method = "sendSticker"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendSticker(ctx, &tgbot.SendStickerParams{ChatID: chat, MessageThreadID: thread, Sticker: file, ReplyMarkup: markup})
		}
	case "video_note":
		method = "sendVideoNote"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendVideoNote(ctx, &tgbot.SendVideoNoteParams{ChatID: chat, MessageThreadID: thread, VideoNote: file, ReplyMarkup: markup})
		}
	default: // document, and any other platform's word for a file
		method = "sendDocument"
		fn = func(ctx context.Context) (*models.Message, error) {
			return t.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, MessageThreadID: thread, Document: file, Caption: html, ParseMode: pm, ReplyMarkup: markup})
		}
	}
	err := t.call(ctx, method, func(ctx context.Context) (err error) {
		msg, err = fn(ctx)
		return err
	})
	return t.sent(chatID, msg, err)
}

func (t *Telegram) sent(chatID string, msg *models.Message, err error) (string, error) {
	if err != nil {
		if errors.Is(err, bot.ErrBlocked) {
			return "", fmt.Errorf("telegram: chat %s cannot be written to: %w", chatID, err)
		}
		if isAPIError(err, "chat not found", "user not found") {
			return "", fmt.Errorf("telegram: chat %s: %v: %w", chatID, err, bot.ErrBlocked)
		}
		return "", err
	}
	if msg == nil {
		return "", nil
	}
	return strconv.Itoa(msg.ID), nil
}

// progress is how far Send got with one Reply.Key, so that a retry after a
// temporary failure does not send the parts that already went out again.
type progress struct {
	callbackDone bool
	media        int
	parts        int
	extra        []string
	lastID       string
	at           time.Time
}

type progressBook struct {
	mu sync.Mutex
	m  map[string]*progress
}

func newProgressBook() *progressBook { return &progressBook{m: map[string]*progress{}} }

func (b *progressBook) get(key string) *progress {
	if key == "" {
		return &progress{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.m[key]; p != nil {
		return p
	}
	return &progress{}
}

func (b *progressBook) keep(key string, p *progress) {
	if key == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	p.at = now
	b.m[key] = p
	for k, q := range b.m {
		if now.Sub(q.at) > 24*time.Hour {
			delete(b.m, k)
		}
	}
}

func (b *progressBook) drop(key string) {
	if key == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
}
