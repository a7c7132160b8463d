package main

import (
	"strings"

	"github.com/supportbot/supportbot/faq"
)

// statsKeywords returns the terms that unanswered questions are grouped by:
// the matcher's faq.Keywords (normalised, layout-repaired, stemmed content
// words), each cut to its first keywordPrefix letters so that the forms a
// stemmer leaves apart ("доставка"/"доставляете", "праздник"/"праздничные")
// meet.
func statsKeywords(text string) []string {
	ks := faq.Keywords(text)
	for i, k := range ks {
		if r := []rune(k); len(r) > keywordPrefix {
			ks[i] = string(r[:keywordPrefix])
		}
	}
	return dedupe(ks)
}

// keywordPrefix is how many letters of a stem count for grouping.
const keywordPrefix = 6

// slugStop are words left out of an exported entry's id.
var slugStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`а и или но в во на по с со к ко у о об от до из за для при без про не ни ли же бы то это
		как где когда что чем кто какой какая какие каких можно нужно надо есть мне меня мой моя мои вы вас вам ваш ваши
		я мы он она они его её ее их там тут здравствуйте привет добрый день вечер утро пожалуйста спасибо подскажите скажите
		хочу хотел хотела a an the is are was be do does did i you we my your our to of in on at for with how what where when
		can could please hi hello thanks there it this that`) {
		m[w] = true
	}
	return m
}()
