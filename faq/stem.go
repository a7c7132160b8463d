package faq

import (
	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// stem reduces a folded word to its Snowball stem: Russian for Cyrillic
// words, English for Latin ones; other words (numbers) are kept as they are.
func stem(w string, s script) string {
	switch s {
	case scriptCyrillic:
		if len(w) <= 4 { // two Cyrillic letters
			return w
		}
	case scriptLatin:
		if len(w) <= 2 {
			return w
		}
	default:
		return w
	}
	if st, ok := stemCache[s].get(w); ok {
		return st
	}
	var st string
	if s == scriptCyrillic {
		st = russian.Stem(w, true)
	} else {
		st = english.Stem(w, true)
	}
	if len(w) <= 40 {
		stemCache[s].put(w, st)
	}
	return st
}

// stopwords are function words that carry no topic: dropped from matching,
// kept for phrases ("не работает") and handoff patterns. Question words that
// tell topics apart (где, когда, сколько, почему; where, when, why) are not
// stopwords.
var stopwords = toSet(`
а и в во на с со к ко у о об обо от до по за из изо над под при про для без через между
же ли бы б то не ни нет да но или либо что чтобы чтоб чо че как так также тоже это этот эта эти
этого этой этом этим тот та те того той том там тут здесь вот уже еще все всего всех весь вся
я мы ты вы он она оно они меня мне мной нас нам нами тебя тебе тобой вас вам вами его ее им ими
их ему ей нее него нему ней мой моя мое мои моего моей моих моим моему моем твой твоя твое твои
ваш ваша ваше ваши вашего вашей ваших вашим вашему вашем наш наша наше наши нашего нашей наших
себе себя
был была было были быть буду будет будут будем есть бывает
какой какая какое какие каким какую каких каком какого какой-то какието какуюто
кто кого кому чем чего чему кем
ну вообще просто очень пожалуйста пожалуйсто пожалуста плиз пж пжл пліз спс
подскажите подскажи скажите скажи подскажете помогите помоги
здравствуйте здравствуй привет приветик
хочу хотел хотела хотим хотелось нужно нужен нужна нужны надо можно могу можете может мочь
сделать делать подскажите знать
если тогда потом сейчас теперь опять снова тоже только даже ли либо
the a an and or but if then so to of in on at by for with from about as into over after
is are was were be been being am do does did doing done have has had having
i me my mine we us our you your yours he him his she her it its they them their this that these those
what which who whom how can could would should will shall may might must
please pls plz hi hello hey thanks thank
want wanted need needed like would get got know tell just also there here
im ive id youre youve theyre lets thats whats wheres theres heres
dont doesnt didnt cant cannot couldnt wont wouldnt shouldnt isnt arent wasnt werent havent hasnt hadnt
`)

// toSet turns a whitespace-separated list into a set.
func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range splitFields(s) {
		m[w] = true
	}
	return m
}

// splitFields splits on ASCII whitespace and newlines.
func splitFields(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
