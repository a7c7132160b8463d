package vk

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/supportbot/supportbot/bot"
)

type wireSize struct {
	Type   string  `json:"type"`
	URL    string  `json:"url"`
	Src    string  `json:"src"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

type wireMedia struct {
	ID        int64      `json:"id"`
	OwnerID   int64      `json:"owner_id"`
	AccessKey string     `json:"access_key"`
	Title     string     `json:"title"`
	Artist    string     `json:"artist"`
	URL       string     `json:"url"`
	LinkOgg   string     `json:"link_ogg"`
	LinkMP3   string     `json:"link_mp3"`
	Sizes     []wireSize `json:"sizes"`
	StickerID int64      `json:"sticker_id"`
	Images    []wireSize `json:"images"`
	FromID    int64      `json:"from_id"`
	ToID      int64      `json:"to_id"`
}

// sizeRank orders VK photo size letters from small to large, for sizes
// without width and height.
const sizeRank = "smxopqryzw"

// largest returns the URL of the largest size.
func largest(sizes []wireSize) string {
	best, bestArea, bestRank := "", -1.0, -1
	for _, s := range sizes {
		u := s.URL
		if u == "" {
			u = s.Src
		}
		if u == "" {
			continue
		}
		area := s.Width * s.Height
		rank := strings.Index(sizeRank, s.Type)
		if area > bestArea || (area == bestArea && rank > bestRank) {
			best, bestArea, bestRank = u, area, rank
		}
	}
	return best
}

// fileID is VK's attachment string: type, owner, id and, when the object is
// private, its access key.
func fileID(kind string, m wireMedia) string {
	if m.ID == 0 || m.OwnerID == 0 {
		return ""
	}
	s := fmt.Sprintf("%s%d_%d", kind, m.OwnerID, m.ID)
	if m.AccessKey != "" {
		s += "_" + m.AccessKey
	}
	return s
}

// convertAttachments reads the attachments of a message one by one; an
// attachment that cannot be read keeps at least its type. A location
// (geo) becomes an attachment of type "location", forwarded messages one of
// type "forwarded".
func convertAttachments(w *wireMessage) []bot.Attachment {
	var out []bot.Attachment
	for _, raw := range w.Attachments {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.Type == "" {
			out = append(out, bot.Attachment{Type: "unknown"})
			continue
		}
		var body map[string]json.RawMessage
		_ = json.Unmarshal(raw, &body)
		var m wireMedia
		_ = json.Unmarshal(body[head.Type], &m)
		out = append(out, convertAttachment(head.Type, m))
	}
	if len(w.Geo) > 0 && string(w.Geo) != "null" && len(out) == 0 {
		out = append(out, bot.Attachment{Type: "location"})
	}
	if len(w.FwdMessages) > 0 {
		out = append(out, bot.Attachment{Type: "forwarded", Name: fmt.Sprintf("%d messages", len(w.FwdMessages))})
	}
	return out
}

func convertAttachment(kind string, m wireMedia) bot.Attachment {
	switch kind {
	case "photo":
		return bot.Attachment{Type: "photo", FileID: fileID("photo", m), URL: largest(m.Sizes)}
	case "sticker":
		return bot.Attachment{Type: "sticker", URL: largest(m.Images), Name: fmt.Sprintf("sticker %d", m.StickerID)}
	case "audio_message":
		u := m.LinkMP3
		if u == "" {
			u = m.LinkOgg
		}
		return bot.Attachment{Type: "voice", FileID: fileID("doc", m), URL: u}
	case "doc":
		return bot.Attachment{Type: "document", FileID: fileID("doc", m), URL: m.URL, Name: m.Title}
	case "graffiti":
		return bot.Attachment{Type: "graffiti", FileID: fileID("doc", m), URL: m.URL}
	case "video":
		a := bot.Attachment{Type: "video", FileID: fileID("video", m), Name: m.Title}
		if m.ID != 0 {
			a.URL = fmt.Sprintf("https://vk.com/video%d_%d", m.OwnerID, m.ID)
		}
		return a
	case "audio":
		name := strings.TrimSpace(strings.Trim(m.Artist+" – "+m.Title, " –"))
		return bot.Attachment{Type: "audio", FileID: fileID("audio", m), URL: m.URL, Name: name}
	case "wall":
		owner := m.OwnerID
		if owner == 0 {
			owner = m.ToID
		}
		a := bot.Attachment{Type: "wall"}
		if owner != 0 && m.ID != 0 {
			a.FileID = fmt.Sprintf("wall%d_%d", owner, m.ID)
			a.URL = fmt.Sprintf("https://vk.com/wall%d_%d", owner, m.ID)
		}
		return a
	case "link":
		return bot.Attachment{Type: "link", URL: m.URL, Name: m.Title}
	case "market":
		return bot.Attachment{Type: "market", FileID: fileID("market", m), Name: m.Title}
	}
	return bot.Attachment{Type: kind}
}

// media reports whether the attachments make a message non-text. A link
// snippet alone (VK adds one for a URL in the text) does not.
func media(as []bot.Attachment) bool {
	for _, a := range as {
		if a.Type != "link" {
			return true
		}
	}
	return false
}

// vkAttachment matches the attachment strings messages.send accepts.
var vkAttachment = regexp.MustCompile(`^(photo|video|audio|doc|wall|market|poll|story|audio_playlist)-?\d+_\d+(_[0-9A-Za-z]+)?$`)

// maxAttachments is VK's limit per message.
const maxAttachments = 10

// outgoingAttachments splits reply attachments into VK attachment strings
// and lines of text for what VK cannot take (a Telegram file, a sticker):
// its URL, else its type and name.
func outgoingAttachments(as []bot.Attachment) (ids []string, lines []string) {
	for _, a := range as {
		if vkAttachment.MatchString(a.FileID) && len(ids) < maxAttachments {
			ids = append(ids, a.FileID)
			continue
		}
		label := a.Type
		if a.Name != "" {
			label += " " + a.Name
		}
		if a.URL != "" {
			lines = append(lines, fmt.Sprintf("[%s] %s", label, a.URL))
		} else {
			lines = append(lines, fmt.Sprintf("[%s]", label))
		}
	}
	return ids, lines
}
