package main

import "strings"

// statsKeywords returns the content terms of a customer's text for grouping
// unanswered questions. It will be faq.Keywords (normalised, layout-repaired,
// stemmed) once the matcher exports it; until then a crude stand-in: lower
// case, stop words dropped, words cut to their first six letters.
var statsKeywords = fallbackKeywords

func fallbackKeywords(text string) []string {
	var out []string
	for _, w := range strings.Fields(wordingKey(text)) {
		if fallbackStop[w] {
			continue
		}
		if r := []rune(w); len(r) > 6 {
			w = string(r[:6])
		}
		out = append(out, w)
	}
	return out
}

var fallbackStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`а и или но в во на по с со к ко у о об от до из за для при без про не ни ли же бы то это
		как где когда что чем кто какой какая какие каких можно нужно надо есть ли мне меня мой моя мои вы вас вам ваш ваши
		я мы он она они его её ее их там тут здравствуйте привет добрый день вечер утро пожалуйста спасибо подскажите скажите
		a an the is are was be do does did i you we my your our to of in on at for with how what where when can could
		please hi hello thanks there it this that`) {
		m[w] = true
	}
	return m
}()
