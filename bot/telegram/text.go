package telegram

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Telegram measures text in UTF-16 code units, after entities are parsed.
const (
	maxText    = 4096
	maxCaption = 1024
)

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeHTML makes plain text safe for parse_mode HTML: the parsed text is
// exactly s, so its length is measured on s.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

// utf16Len is the length of s as Telegram counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// prefixUTF16 returns the byte length of the longest prefix of s that is at
// most limit UTF-16 units, ending on a rune boundary.
func prefixUTF16(s string, limit int) int {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit {
			return i
		}
		n += w
	}
	return len(s)
}

// splitText cuts s into parts of at most limit UTF-16 units, preferring to
// cut between paragraphs, then lines, then sentences, then words; a part is
// cut mid-word only when a single word is longer than the limit.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	var parts []string
	for utf16Len(s) > limit {
		head := s[:prefixUTF16(s, limit)]
		cut := bestCut(head, s[len(head):])
		part := strings.TrimRightFunc(s[:cut], unicode.IsSpace)
		if part == "" { // cannot happen with a trimmed s, but never loop
			part, cut = head, len(head)
		}
		parts = append(parts, part)
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}

// bestCut chooses where to end a part inside head (rest follows it): the
// last paragraph break, line break, sentence end or word end in the second
// half of head, else the last line break or space anywhere in head, else the
// end of head (a word longer than a message).
func bestCut(head, rest string) int {
	endsWord := false
	if rest != "" {
		r, _ := utf8.DecodeRuneInString(rest)
		endsWord = unicode.IsSpace(r)
	}
	half := len(head) / 2
	finders := []func() int{
		func() int { return lastAfter(head, "\n\n", half) },
		func() int { return lastAfter(head, "\n", half) },
		func() int {
			if endsWord && strings.ContainsRune(".!?…;", lastRune(head)) {
				return len(head)
			}
			return lastSentenceEnd(head, half)
		},
		func() int {
			if endsWord {
				return len(head)
			}
			return lastSpace(head, half)
		},
		func() int { return lastAfter(head, "\n", 1) },
		func() int { return lastSpace(head, 1) },
	}
	for _, f := range finders {
		if i := f(); i > 0 {
			return i
		}
	}
	return len(head)
}

// lastAfter returns the index just after the last sep in s that ends at or
// after min, or -1.
func lastAfter(s, sep string, min int) int {
	i := strings.LastIndex(s, sep)
	if i < 0 || i+len(sep) < min {
		return -1
	}
	return i + len(sep)
}

func lastSentenceEnd(s string, min int) int {
	for i := len(s) - 1; i > 0 && i >= min; i-- {
		if s[i] != ' ' && s[i] != '\n' {
			continue
		}
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if strings.ContainsRune(".!?…;", r) {
			return i + 1
		}
	}
	return -1
}

func lastSpace(s string, min int) int {
	i := strings.LastIndexFunc(s, unicode.IsSpace)
	if i < 0 || i < min {
		return -1
	}
	_, w := utf8.DecodeRuneInString(s[i:])
	return i + w
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
