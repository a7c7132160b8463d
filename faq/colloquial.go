package faq

import (
	_ "embed"
	"strings"
	"sync"
)

// colloquial.txt maps the informal spellings customers type (скока, щас,
// инет, плз, u, thx) to the word they stand for, before stemming, typo
// correction and synonyms see them: "скока стоит" is "сколько стоит".
//
//go:embed data/colloquial.txt
var colloquialText string

var (
	colloquialOnce sync.Once
	colloquialMap  map[string]string
)

// colloquial returns the standard word for an informal one, "" when w is
// not in the list. w is folded (lower case, ё as е).
func colloquial(w string) string {
	colloquialOnce.Do(func() { colloquialMap = parseColloquial(colloquialText) })
	return colloquialMap[w]
}

// parseColloquial reads "standard: variant variant ..." lines; # starts a
// comment. The standard form is one word.
func parseColloquial(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		std, vars, ok := strings.Cut(line, ":")
		std = fold(strings.TrimSpace(std))
		if !ok || std == "" || strings.ContainsAny(std, " \t") {
			continue
		}
		for _, v := range strings.Fields(vars) {
			if v = fold(v); v != std {
				m[v] = std
			}
		}
	}
	return m
}
