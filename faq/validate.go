package faq

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxIDBytes keeps an entry id short enough to travel in button data
// (Telegram allows 64 bytes of callback data in all).
const maxIDBytes = 48

// validate checks what spans entries: ids, phrasings, answers, buttons.
func (p *parser) validate(f *FAQ) {
	type seen struct {
		entry string
		at    *yaml.Node
	}
	f.byID = make(map[string]*Entry, len(f.Entries))
	idAt := make(map[string]*yaml.Node, len(f.Entries))
	phrasings := make(map[string]seen)
	for i, e := range f.Entries {
		en := p.ents[i]
		what := entryName(e, en.index)

		switch {
		case en.id == nil:
			p.errorf(en.node, "%s has no id — add `id: short_name` (letters, digits, _; unique in the file)", what)
		case p.bad[en.id]:
		case e.ID == "":
			p.errorf(en.id, "%s: id is empty — write a short name such as returns or delivery_time", what)
		case strings.IndexFunc(e.ID, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
			p.errorf(en.id, "%s: id must be one word without spaces — write it as %q", what, strings.Join(strings.Fields(e.ID), "_"))
		case len(e.ID) > maxIDBytes:
			p.errorf(en.id, "%s: id is too long (%d bytes; at most %d, it travels in button data) — shorten it", what, len(e.ID), maxIDBytes)
		default:
			if at, dup := idAt[e.ID]; dup {
				p.errorf(en.id, "%s: id %q is already used by the entry at %s — ids must be unique", what, e.ID, where(at, en.id))
			} else {
				idAt[e.ID] = en.id
				f.byID[e.ID] = e
			}
		}

		switch {
		case en.questions == nil:
			p.errorf(en.node, "%s has no questions — add `questions:` with the ways customers ask this", what)
		case p.bad[en.qval]:
		case len(e.Questions) == 0:
			p.errorf(en.qkey, "%s: questions is empty — write at least one way a customer asks this", what)
		}
		own := make(map[string]*yaml.Node, len(e.Questions))
		kept := e.Questions[:0]
		for j, q := range e.Questions {
			qn := en.questions[j]
			q = strings.TrimSpace(q)
			key := foldPhrase(q)
			if q == "" {
				p.errorf(qn, "%s: a question is empty — remove it or write the phrasing", what)
				continue
			}
			if key == "" {
				p.errorf(qn, "%s: the question %q has no words — write the phrasing", what, q)
				continue
			}
			if at, dup := own[key]; dup {
				msg := fmt.Sprintf("%s: the question %q repeats the one at %s — remove one", what, q, where(at, qn))
				p.dupPhrasing(qn, msg) // even when tolerated, the repeat is dropped
				continue
			}
			own[key] = qn
			if prev, dup := phrasings[key]; dup && prev.entry != e.ID {
				msg := fmt.Sprintf("%s: the question %q is also under entry %q (at %s) — a phrasing must lead to one entry; keep it in one of them", what, q, prev.entry, where(prev.at, qn))
				if !p.dupPhrasing(qn, msg) {
					continue
				}
			} else if !dup {
				phrasings[key] = seen{e.ID, qn}
			}
			kept = append(kept, q)
		}
		e.Questions = kept

		switch {
		case en.answer == nil:
			p.errorf(en.node, "%s has no answer — add `answer:` with the text the bot should send", what)
		case p.bad[en.answer]:
		case isBlankAnswer(e.Answer):
			p.errorf(en.answer, "%s: answer is empty — write the text the bot should send", what)
		case isDraft(e.Answer):
			p.errorf(en.answer, "%s: answer is a TODO draft — write the answer", what)
		}
		e.Answer = strings.TrimSpace(e.Answer)
		if isDraft(e.AnswerEN) {
			p.errorf(en.answerEN, "%s: answer_en is a TODO draft — write the English answer or remove the line", what)
		}
		e.AnswerEN = strings.TrimSpace(e.AnswerEN)
	}

	// Buttons last: they may lead to any entry in the file.
	for i, e := range f.Entries {
		en := p.ents[i]
		what := entryName(e, en.index)
		for j, b := range e.Buttons {
			bn := en.buttons[j]
			bw := fmt.Sprintf("%s: button #%d", what, j+1)
			switch {
			case bn.entry != nil && bn.url != nil:
				p.errorf(bn.node, "%s has both entry and url — a button either leads to an entry or opens a link; keep one", bw)
			case b.Entry == "" && b.URL == "":
				p.errorf(bn.node, "%s leads nowhere — add `entry: other_id` or `url: https://…`", bw)
			case b.Entry != "":
				target := f.Entry(b.Entry)
				if target == nil {
					msg := fmt.Sprintf("%s leads to entry %q, which does not exist", bw, b.Entry)
					if s := f.Closest(b.Entry, 3); len(s) > 0 {
						msg += " — did you mean " + quoteList(s) + "?"
					} else {
						msg += " — write the id of an entry in this file"
					}
					p.errorf(bn.entry, "%s", msg)
				} else if b.Text == "" {
					e.Buttons[j].Text = target.Label()
				}
			default:
				if b.Text == "" {
					p.errorf(bn.node, "%s opens a link but has no text — add `text: …` for the button", bw)
				}
				if u, err := url.Parse(b.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "tg") || u.Host == "" && u.Scheme != "tg" {
					p.errorf(bn.url, "%s: url %q is not a web link — write it in full, starting with https://", bw, b.URL)
				}
			}
			if l := utf8.RuneCountInString(b.Text); l > MaxLabel {
				p.errorf(bn.text, "%s: text is %d characters long; buttons show at most %d — shorten it", bw, l, MaxLabel)
			}
		}
	}
}

// dupPhrasing reports a duplicate phrasing: as an error (returning false:
// drop it), or, when Options allow duplicates, as a warning (returning true:
// keep it).
func (p *parser) dupPhrasing(n *yaml.Node, msg string) bool {
	if p.opt.AllowDuplicatePhrasings {
		p.warns = append(p.warns, p.at(n, msg))
		return true
	}
	p.errorf(n, "%s", msg)
	return false
}

// where names the position of n for a message about here: "line 12", or
// "column 7" when both are on the same line.
func where(n, here *yaml.Node) string {
	if here != nil && n.Line == here.Line {
		return fmt.Sprintf("column %d", n.Column)
	}
	return fmt.Sprintf("line %d", n.Line)
}

// entryName names an entry in messages: by id, or by its place in the file.
func entryName(e *Entry, i int) string {
	if e.ID != "" {
		return fmt.Sprintf("entry %q", e.ID)
	}
	return fmt.Sprintf("entry #%d", i+1)
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, " or ")
}

// isDraft reports whether an answer is a placeholder left by an export:
// "TODO", or text starting with "TODO:" or "TODO ".
func isDraft(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 4 || !strings.EqualFold(s[:4], "todo") {
		return false
	}
	if len(s) == 4 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[4:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// foldPhrase is the form in which two phrasings count as the same: lower
// case, ё as е, punctuation and runs of spaces as one space.
func foldPhrase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'а' && r <= 'я':
		case r >= 'A' && r <= 'Z' || r >= 'А' && r <= 'Я':
			r += 'a' - 'A' // the same offset in Latin and Cyrillic
		case r == 'ё' || r == 'Ё':
			r = 'е'
		case r < 0x80:
			space = true
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
		case unicode.Is(unicode.Mn, r):
			// combining marks (a stress mark, й written as и + ˘) fold away
			continue
		default:
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
