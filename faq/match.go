package faq

import (
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Matcher decides what a customer's message asks for. Build it once per FAQ
// with NewMatcher; Match is safe for concurrent use.
type Matcher struct {
	ids       []string
	smalltalk []bool
	// asksBot: an entry other than small talk is itself a question to the
	// bot ("are you a bot?" in CLINC150), so such questions are matched.
	asksBot bool
	lex     *lexicon
	ix      *index
	// knownSurf and knownStem are the words of the FAQ and the lexicon.
	knownSurf map[string]bool
	knownStem map[string]bool
	typos     *typoIndex
	// small are the small-talk entries; smallVocab their words and the
	// built-in greetings; topicStems the stems of the other entries.
	small      []smallEntry
	smallVocab map[string]bool
	topicStems map[string]bool
	handoff    *handoffRules
	// brands are the well-known companies the FAQ never names.
	brands *brandFilter
	// exact maps a phrasing's words (phrasingKey) to its entry: a message
	// that is an editor's own phrasing gets that entry, before anything else.
	exact map[string]int
	// stems caches the stems of the FAQ's words; read-only after
	// NewMatcher.
	stems   map[string]string
	scratch sync.Pool
}

// smallEntry is a greeting, thanks or the like.
type smallEntry struct {
	entry int
	stems map[string]bool
}

// matcherVocab adapts a Matcher to the vocab interface of analyze.
type matcherVocab struct{ m *Matcher }

func (v matcherVocab) knows(surf, st string) bool {
	return v.m.knownSurf[surf] || v.m.knownStem[st]
}

func (v matcherVocab) correct(surf string) string {
	return v.m.typos.correct(surf)
}

func (v matcherVocab) repair() bool { return true }

func (v matcherVocab) stem(w string, s script) string {
	if st, ok := v.m.stems[w]; ok {
		return st
	}
	return stem(w, s)
}

// greetingWords are small talk whatever the FAQ says: removed from a message
// before its topic is matched, so "Здравствуйте! Где мой заказ?" is about the
// order.
var greetingWords = toSet(`
привет приветик приветствую здравствуйте здравствуй здрасте здрасьте добрый доброе доброго добрая
хай хелло салют
спасибо спасибки благодарю благодарность спс пасиб пасибо пока досвидания свидания
hi hello hey hiya greetings good morning afternoon evening thanks thank thx ty bye goodbye cheers
`)

// NewMatcher builds the index of f: its entries' phrasings, keywords and
// answers, its synonyms on top of the built-in ones, and its handoff
// phrases on top of the built-in lexicon.
func NewMatcher(f *FAQ) *Matcher {
	groups, lex := builtinLexicon()
	if len(f.Synonyms) > 0 {
		// The FAQ's groups on top of the built-in ones; without them the
		// compiled built-in lexicon is shared (read-only).
		lex = newLexicon(append(slices.Clip(groups), f.Synonyms...))
	}
	m := &Matcher{
		lex:        lex,
		knownSurf:  map[string]bool{},
		knownStem:  map[string]bool{},
		smallVocab: map[string]bool{},
		topicStems: map[string]bool{},
	}
	m.ix = &index{stemID: map[string]int32{}, gramID: map[string]int32{}, conceptID: map[int32]int32{}}
	m.exact = map[string]int{}
	bv := buildVocab{stems: map[string]string{}}
	m.stems = bv.stems
	var docs [][]weightedDoc
	var typoWords []string
	var scripts [3]int
	seen := map[string]bool{}
	m.brands = newBrandFilter()
	noteWords := func(ws []word) {
		m.brands.drop(len(ws), func(i int) string { return ws[i].raw })
		for _, w := range ws {
			if !w.stop {
				scripts[w.script]++
			}
			m.knownSurf[w.surf] = true
			m.knownStem[w.stem] = true
			if !w.stop && !seen[w.surf] && w.script != scriptOther {
				seen[w.surf] = true
				typoWords = append(typoWords, w.surf)
			}
		}
	}
	for w := range m.lex.words {
		if !stopwords[w] && !seen[w] {
			seen[w] = true
			typoWords = append(typoWords, w)
		}
	}
	slices.Sort(typoWords) // deterministic ties
	pre := analyzeEntries(f.Entries, bv, m.lex, buildWorkers(len(f.Entries)))
	for k, e := range f.Entries {
		if e == nil {
			continue
		}
		i := len(m.ids)
		aw := &pre[k]
		m.ids = append(m.ids, e.ID)
		m.smalltalk = append(m.smalltalk, e.SmallTalk)
		var ds []weightedDoc
		qws := aw.questions
		for j := range qws {
			if !e.SmallTalk && aboutTheBot(qws[j]) {
				m.asksBot = true
			}
			if k := phrasingKey(qws[j]); k != "" {
				if _, dup := m.exact[k]; !dup {
					m.exact[k] = i
				}
			}
		}
		if e.SmallTalk {
			se := smallEntry{entry: i, stems: map[string]bool{}}
			for _, ws := range qws {
				noteWords(ws)
				for _, w := range ws {
					se.stems[w.stem] = true
					m.smallVocab[w.surf] = true
					m.smallVocab[w.stem] = true
				}
			}
			m.small = append(m.small, se)
			docs = append(docs, nil)
			continue
		}
		addDoc := func(ws []word, weight float32, answer bool) {
			noteWords(ws)
			if !answer {
				for _, w := range ws {
					if !w.stop {
						m.topicStems[w.stem] = true
					}
				}
			}
			fs := m.ix.docFeatures(ws, true, nil, nil)
			pws := ws
			if answer && len(pws) > answerPairWords {
				pws = pws[:answerPairWords]
			}
			m.ix.wordPairs(pws, func(k uint64) {
				m.ix.pairRecs = append(m.ix.pairRecs, pairRec{k, int32(i)})
			})
			if len(fs) > 0 {
				ds = append(ds, weightedDoc{feats: fs, w: weight, answer: answer})
			}
		}
		for _, ws := range qws {
			addDoc(ws, 1, false)
		}
		for _, ws := range aw.keywords {
			addDoc(ws, 1, false)
		}
		if e.Answer != "" {
			addDoc(aw.answer, answerWeight, true)
		}
		if e.AnswerEN != "" {
			addDoc(aw.answerEN, answerWeight, true)
		}
		docs = append(docs, ds)
	}
	// Typo targets: FAQ words first, then lexicon words not already there.
	m.typos = newTypoIndex(typoWords)
	m.typos.own = func(w string) bool { return m.knownSurf[w] }
	buildIndex(docs, m.ix)
	m.ix.finishPairs()
	m.ix.seen = nil
	if tot := scripts[scriptLatin] + scripts[scriptCyrillic]; tot > 0 {
		for _, sc := range []script{scriptLatin, scriptCyrillic} {
			m.ix.foreign[sc] = float64(scripts[sc]) < foreignShare*float64(tot)
		}
	}
	m.handoff = newHandoffRules(f.Handoff, m.lex)
	var bw []string
	for _, t := range otherTexts(f) {
		bw = brandWords(t, bw[:0])
		m.brands.drop(len(bw), func(i int) string { return bw[i] })
	}
	n := len(m.ids)
	m.scratch.New = func() any { s := make([]float64, 6*n); return &s }
	return m
}

// entryWords are one entry's texts analysed for the index.
type entryWords struct {
	questions, keywords [][]word
	answer, answerEN    []word
}

// analyzeEntries analyses every entry's texts with the given number of
// workers (analysis is a third of NewMatcher on a large FAQ): each worker
// stems into its own map, merged into bv's after, so the result is the
// same as one by one.
func analyzeEntries(entries []*Entry, bv buildVocab, lx *lexicon, workers int) []entryWords {
	out := make([]entryWords, len(entries))
	one := func(e *Entry, v buildVocab) entryWords {
		var ew entryWords
		for _, q := range e.Questions {
			ew.questions = append(ew.questions, analyze(q, v, lx))
		}
		for _, k := range e.Keywords {
			ew.keywords = append(ew.keywords, analyze(k, v, lx))
		}
		if e.Answer != "" {
			ew.answer = analyze(e.Answer, v, lx)
		}
		if e.AnswerEN != "" {
			ew.answerEN = analyze(e.AnswerEN, v, lx)
		}
		return ew
	}
	if workers <= 1 {
		for i, e := range entries {
			if e != nil {
				out[i] = one(e, bv)
			}
		}
		return out
	}
	vocabs := make([]buildVocab, workers)
	var wg sync.WaitGroup
	for w := range workers {
		vocabs[w] = buildVocab{stems: map[string]string{}}
		wg.Go(func() {
			for i := w; i < len(entries); i += workers {
				if e := entries[i]; e != nil {
					out[i] = one(e, vocabs[w])
				}
			}
		})
	}
	wg.Wait()
	for _, v := range vocabs {
		maps.Copy(bv.stems, v.stems)
	}
	return out
}

// buildWorkers is how many goroutines analyse a FAQ of n entries: one
// below parallelEntries, where starting them costs more than it saves.
func buildWorkers(n int) int {
	if n < parallelEntries {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), 4)
}

// parallelEntries is the size of FAQ from which its texts are analysed in
// parallel.
const parallelEntries = 64

// otherTexts are the texts of f the index does not read that may name a
// company: the FAQ's own name, its partners (a delivery service, a bank for
// instalments). Its phrasings, keywords and answers are read as indexed.
func otherTexts(f *FAQ) []string {
	var out []string
	for _, e := range f.Entries {
		if e == nil {
			continue
		}
		out = append(out, e.Title)
		for _, b := range e.Buttons {
			out = append(out, b.Text)
		}
	}
	for _, g := range f.Synonyms {
		out = append(out, g...)
	}
	out = append(out, f.Texts.Greeting, f.TextsEN.Greeting)
	return out
}

// answerPairWords: an answer's pairs of nearby words come from its first
// words only (its opening says what it is about; the rest is detail), which
// keeps NewMatcher within budget.
const answerPairWords = 40

// candidate is an entry with its score.
type candidate struct {
	entry int
	score float64
	word  float64 // cosine in the word space
	gram  float64 // cosine in the gram space
}

// Match decides what text asks for.
func (m *Matcher) Match(text string) Decision {
	ws := analyze(text, matcherVocab{m}, m.lex)
	d := Decision{Candidates: []string{}, Lang: language(ws)}
	if e, ok := m.exact[phrasingKey(ws)]; ok {
		d.Action, d.Entry, d.Score = Answer, m.ids[e], 1
		d.Candidates = append(d.Candidates, d.Entry)
		return d
	}
	if r, ok := m.handoff.match(text, ws); ok {
		d.Action, d.Reason, d.Score = Handoff, r, 1
		return d
	}
	if m.onlySmallTalk(ws) {
		if e, s := m.matchSmall(ws); e >= 0 {
			d.Action, d.Entry, d.Score = Answer, m.ids[e], s
			d.Candidates = []string{m.ids[e]}
			return d
		}
		d.Action = Fallback
		return d
	}
	topic := m.topicWords(ws)
	cands, q := m.rank(topic)
	return m.decide(d, topic, cands, q)
}

// phrasingKey is the stems of a text's words in order: two texts with the
// same key say the same thing in the same words.
func phrasingKey(ws []word) string {
	var b strings.Builder
	for i := range ws {
		if ws[i].script == scriptOther && len(ws[i].surf) > 6 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ws[i].stem)
	}
	return b.String()
}

// isGreeting reports whether w is small talk rather than the topic: a
// built-in greeting or thanks, or a word only small-talk entries use.
// The word after "добрый/доброе/доброго/доброй" (день, утро, вечер, ночи,
// времени суток) is part of the greeting.
func (m *Matcher) isGreeting(ws []word, i int) bool {
	w := &ws[i]
	if greetingWords[w.surf] || greetingWords[w.orig] || (m.smallVocab[w.stem] && !m.topicStems[w.stem]) {
		return true
	}
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if strings.HasPrefix(ws[j].surf, "добр") {
			return true
		}
	}
	return false
}

// onlySmallTalk reports whether a message has no content beyond small talk:
// greetings and thanks, or a customer closing the conversation ("спасибо,
// всё пришло", "ок понял").
func (m *Matcher) onlySmallTalk(ws []word) bool {
	for i := range ws {
		if !ws[i].stop && !m.isGreeting(ws, i) {
			return closing(ws) || (!m.asksBot && aboutTheBot(ws))
		}
	}
	return true
}

// botWords and youWords make the small talk addressed to the bot itself
// ("как тебя зовут", "what's your name?", "ты бот?", "are you a robot"):
// its one content word ("name", "зовут") would otherwise find an entry
// about changing a customer's name. A request for a person ("ты живой
// человек?") is a handoff, checked before.
var (
	botWords = toSet(`зовут звать имя бот робот нейросеть ии кто откуда сколько лет умеешь
name bot robot ai chatbot real who old created made`)
	youWords = toSet(`ты тебя тебе тобой you your youre`)
)

// aboutTheBot reports whether a message only asks the bot about itself:
// a "you" word and nothing but bot words and function words.
func aboutTheBot(ws []word) bool {
	you := false
	for i := range ws {
		w := &ws[i]
		switch {
		case youWords[w.orig]:
			you = true
		case botWords[w.orig]:
		case w.stop:
		default:
			return false
		}
	}
	return you
}

// ackWords say "thanks" or "got it"; closingWords are what a customer adds
// when all is well ("всё пришло", "заработало", "вопрос снят").
var (
	ackWords = toSet(`
спасибо спасибки благодарю спс пасиб пасибо благодарочка ок окей окей оке ага понял поняла поняли понятно ясно ясненько
хорошо отлично супер класс здорово чудесно замечательно ладно норм договорились принято
thanks thank thx ty ok okay kk great perfect awesome cool got understood`)
	closingWords = toSet(`
все всё вопрос снят решен решено решился решилось разобрался разобралась разобрались помогли помогло помог помогла
помощь пришло пришел пришла пришли получил получила получили получилось заработало заработал работает нашел нашла нашлось
большое огромное очень вам тебе вы ты бот теперь уже всем тогда за и а же вот так
it all everything works worked solved received arrived got now much lot so you fine good nice a the very`)
)

// closing reports whether a message only thanks or acknowledges: an ack
// word, no negation ("спасибо, но не пришло" is a complaint), and every other
// word an ack, a greeting or a word of a happy ending.
func closing(ws []word) bool {
	ack := false
	for i := range ws {
		w := &ws[i]
		switch {
		case negations[w.orig]:
			return false
		case ackWords[w.orig]:
			ack = true
		case greetingWords[w.orig] || closingWords[w.orig]:
		case w.script == scriptOther && !isAllLetters(w.orig) && len(w.orig) <= 4:
			// an emoji or a stray symbol
		default:
			return false
		}
	}
	return ack
}

// topicWords drops greetings ("добрый день", "hi") from a message.
func (m *Matcher) topicWords(ws []word) []word {
	topic := make([]word, 0, len(ws))
	for i := range ws {
		if !m.isGreeting(ws, i) {
			topic = append(topic, ws[i])
		}
	}
	return topic
}

// language is "en" when the message has more Latin letters than Cyrillic.
func language(ws []word) string {
	lat, cyr := 0, 0
	for _, w := range ws {
		switch w.script {
		case scriptLatin:
			lat += len(w.surf)
		case scriptCyrillic:
			cyr += len(w.surf) / 2
		}
	}
	if lat > cyr {
		return "en"
	}
	return "ru"
}

// matchSmall picks the small-talk entry sharing most words with ws.
func (m *Matcher) matchSmall(ws []word) (int, float64) {
	best, bestS := -1, 0.0
	n := 0
	for _, w := range ws {
		if w.script != scriptOther {
			n++
		}
	}
	for _, se := range m.small {
		hit := 0
		for _, w := range ws {
			if se.stems[w.stem] {
				hit++
			}
		}
		if hit == 0 {
			continue
		}
		s := float64(hit) / math.Max(float64(n), 1)
		if s > bestS {
			best, bestS = se.entry, s
		}
	}
	return best, math.Min(1, 0.5+bestS/2)
}

// query is a message's features and their norms per space (with the mass
// of the features no entry has).
type query struct {
	feats []int32
	norm  [2]float64
}

// score ranks entries for the topic words, best first (at most 5).
func (m *Matcher) score(ws []word) []candidate {
	c, _ := m.scoreQuery(ws)
	return c
}

// scoreQuery is score that also returns the message's features.
func (m *Matcher) scoreQuery(ws []word) ([]candidate, query) {
	return m.scoreMixed(ws, nil)
}

// rank ranks entries for a message's topic words, its question sentence
// mixed in (scoreMixed).
func (m *Matcher) rank(topic []word) ([]candidate, query) {
	return m.scoreMixed(topic, questionSentence(topic))
}

// scoreMixed ranks entries for the words ws and, when qs (the question
// sentence of a longer message) is not nil, mixes in the ranking of qs:
// an entry's score is (1-questionShare) of the whole message's and
// questionShare of the question's, so the story around a question counts
// less than the question. The query is always the whole message's.
func (m *Matcher) scoreMixed(ws, qs []word) ([]candidate, query) {
	q, ok := m.accumulate(ws)
	if !ok {
		return nil, q
	}
	sp := m.scratch.Get().(*[]float64)
	defer m.scratch.Put(sp)
	acc := *sp
	n := len(m.ids)
	m.fill(acc[:3*n], ws, q)
	mix := false
	if qs != nil {
		if q2, ok := m.accumulate(qs); ok {
			m.fill(acc[3*n:], qs, q2)
			mix = true
		}
	}
	top := make([]candidate, 0, 5)
	for e := 0; e < n; e++ {
		c := m.entryScore(acc[:3*n], e)
		if mix {
			c2 := m.entryScore(acc[3*n:], e)
			a, b := 1-questionShare, questionShare
			c.word = a*c.word + b*c2.word
			c.gram = a*c.gram + b*c2.gram
			c.score = a*c.score + b*c2.score
		}
		if c.score <= 0 || m.smalltalk[e] {
			continue
		}
		if len(top) < 5 || c.score > top[len(top)-1].score {
			// Insert in order; ties keep file order.
			k := len(top)
			if k < 5 {
				top = append(top, c)
			} else {
				k = 4
			}
			for k > 0 && top[k-1].score < c.score {
				top[k] = top[k-1]
				k--
			}
			top[k] = c
		}
	}
	return top, q
}

// accumulate is the query of ws: its features and their norms.
func (m *Matcher) accumulate(ws []word) (query, bool) {
	ix := m.ix
	var unknown [2]float64
	feats := ix.docFeatures(ws, false, make([]int32, 0, 64), &unknown)
	norm := unknown
	for _, f := range feats {
		v := float64(ix.idf[f])
		norm[ix.space[f]] += v * v
	}
	q := query{feats: feats, norm: norm}
	return q, norm[0] != 0 || norm[1] != 0
}

// fill sums into acc (3 × entries: word cosines, gram cosines, shared
// pairs over the message's pairs) the scores of q, the query of ws.
func (m *Matcher) fill(acc []float64, ws []word, q query) {
	ix := m.ix
	clear(acc)
	n := len(m.ids)
	for _, f := range q.feats {
		s := ix.space[f]
		v := float64(ix.idf[f]) / math.Sqrt(q.norm[s])
		off := int(s) * n
		if ix.funcScript[f] != 0 && 2*len(ix.post[f]) > n {
			// A function word (or its n-gram) in most entries adds about
			// the same to all of them: skip its long list.
			continue
		}
		for _, p := range ix.post[f] {
			acc[off+int(p.entry)] += v * float64(p.w)
		}
	}
	// Pairs of nearby words the message shares with an entry's phrasings
	// ("не приходит", "сменить тариф") are surer evidence than the words
	// apart.
	np := 0
	ix.wordPairs(ws, func(k uint64) {
		np++
		for _, e := range ix.pairEntries(k) {
			acc[2*n+int(e)]++
		}
	})
	if np > 0 {
		for e := 0; e < n; e++ {
			acc[2*n+e] /= float64(np)
		}
	}
	// A message whose letters say nothing (its words are all in a script
	// foreign to the FAQ, or explained by synonym groups) is scored by its
	// words alone.
	if q.norm[1] == 0 {
		copy(acc[n:2*n], acc[:n])
	}
}

// entryScore is entry e's candidate from acc (filled by fill).
func (m *Matcher) entryScore(acc []float64, e int) candidate {
	n := len(m.ids)
	c := candidate{entry: e, word: acc[e], gram: acc[n+e]}
	c.score = wordShare*c.word + (1-wordShare)*c.gram + pairBonus*acc[2*n+e]
	return c
}

// pairBonus is what an entry gains when it has every pair of nearby words
// of the message (wordPairs; its phrasings, keywords or answer). Measured
// top-1 without and with (0.15): ru-telecom 77.8 → 79.1, food 74.4 → 75.9,
// furniture 78.1 → 78.8, banking77 72.3 → 75.2, CLINC150 70.8 → 72.0,
// StackFAQ 86.1 → 86.2.
const pairBonus = 0.15

// wordShare is the weight of the word space in an entry's score.
const wordShare = 0.6

// decide turns ranked candidates into a decision.
func (m *Matcher) decide(d Decision, ws []word, cands []candidate, q query) Decision {
	if len(cands) == 0 {
		d.Action = Fallback
		return d
	}
	fv := m.features(ws, cands, q)
	p, ps := entryModel.prob(fv), scopeModel.prob(fv)
	answerP, scopeP := m.thresholds(d.Lang)
	if p >= answerP && ps < scopeP {
		ps = max(ps, m.sentenceScope(ws, cands[0].entry))
	}
	// The score is the probability that the answer is right: the right
	// entry of a message that is about the FAQ.
	d.Score = p * ps
	s1 := cands[0].score
	switch {
	case p >= answerP && ps >= scopeP:
		d.Action, d.Entry = Answer, m.ids[cands[0].entry]
		d.Candidates = append(d.Candidates, d.Entry)
		return d
	case len(cands) > 1 && s1 >= clarifyMin && (p >= clarifyP || cands[1].score >= closeRatio*s1):
		d.Action = Clarify
		for k, c := range cands {
			if k >= 3 || (k >= 2 && c.score < closeRatio*s1) {
				break
			}
			d.Candidates = append(d.Candidates, m.ids[c.entry])
		}
		return d
	}
	d.Action = Fallback
	for k, c := range cands {
		if k >= 3 {
			break
		}
		d.Candidates = append(d.Candidates, m.ids[c.entry])
	}
	return d
}

// thresholds are answerP and scopeP for a message language: those of a
// message in a language the FAQ's phrasings hardly use (an English question
// to a Russian FAQ) come first.
func (m *Matcher) thresholds(lang string) (float64, float64) {
	if (lang == "en" && m.ix.foreign[scriptLatin]) || (lang == "ru" && m.ix.foreign[scriptCyrillic]) {
		return answerPX, scopePX
	}
	if lang == "en" {
		return answerPEN, scopePEN
	}
	return answerP, scopeP
}

// maxSentences is how many sentences from the end of a message
// sentenceScope reads.
const maxSentences = 4

// sentenceScope is the highest in-scope probability of one sentence of a
// message that ranks entry e first: a customer's story ("заказал наушники
// неделю назад, до сих пор не привезли") is full of words the FAQ does not
// know, while the question after it ("где мой заказ?") is plainly about the
// FAQ. It reads the last maxSentences sentences; 0 for one sentence.
func (m *Matcher) sentenceScope(ws []word, e int) float64 {
	best := 0.0
	end, n := len(ws), 0
	for end > 0 && n < maxSentences {
		start := end - 1
		for start > 0 && ws[start-1].sent == ws[end-1].sent {
			start--
		}
		if start == 0 && end == len(ws) {
			return 0 // one sentence: the message itself
		}
		sent := ws[start:end]
		end = start
		content := false
		for i := range sent {
			if !sent[i].stop {
				content = true
				break
			}
		}
		if !content {
			continue
		}
		n++
		cands, q := m.scoreQuery(sent)
		if len(cands) == 0 || cands[0].entry != e {
			continue
		}
		best = max(best, scopeModel.prob(m.features(sent, cands, q)))
	}
	return best
}

// Keywords returns the normalised content terms of text: layout-repaired,
// lower-cased, ё folded to е, stemmed, function words and greetings removed,
// in order of appearance without repeats. It groups messages by topic.
func Keywords(text string) []string {
	_, lx := builtinLexicon()
	ws := analyze(text, nil, lx)
	var out []string
	seen := map[string]bool{}
	for _, w := range ws {
		if w.stop || greetingWords[w.surf] || w.stem == "" || seen[w.stem] {
			continue
		}
		seen[w.stem] = true
		out = append(out, w.stem)
	}
	return out
}

// featureNames name the values of features, for calibration work.
var featureNames = []string{"s1", "s2", "margin", "word1", "gram1", "cover", "unknown", "ncontent", "ratio", "cover2", "unkdict", "word2", "unkdictn", "nondictn", "near1", "qcover", "near2", "fixedn", "s1rel", "near1rel", "brand"}

// features describes how well the best candidate fits: scores, margin, how
// much of the message it covers, how much of the message no entry knows.
func (m *Matcher) features(ws []word, cands []candidate, q query) []float64 {
	f := make([]float64, len(featureNames))
	if len(cands) == 0 {
		return f
	}
	f[0] = cands[0].score
	if len(cands) > 1 {
		f[1] = cands[1].score
	}
	f[2] = f[0] - f[1]
	f[3], f[4] = cands[0].word, cands[0].gram
	cover, unknown, total, n := m.coverage(ws, cands[0].entry)
	if total > 0 {
		f[5], f[6] = cover/total, unknown/total
	}
	f[7] = float64(n)
	if f[0] > 0 {
		f[8] = f[1] / f[0]
	}
	if len(cands) > 1 {
		c2, _, t2, _ := m.coverage(ws, cands[1].entry)
		if t2 > 0 {
			f[9] = c2 / t2
		}
		f[11] = cands[1].word
	}
	ud, udn, ndn := m.unknownDict(ws)
	if total > 0 {
		f[10] = ud / total
	}
	f[12], f[13] = float64(udn), float64(ndn)
	f[14] = m.nearest(q, cands[0].entry)
	if total > 0 {
		f[15] = m.questionCover(ws, cands[0].entry) / total
	}
	if len(cands) > 1 {
		f[16] = m.nearest(q, cands[1].entry)
	}
	for i := range ws {
		if ws[i].fixed {
			f[17]++
		}
	}
	f[18], f[19] = f[0]/m.ix.selfScale, f[14]/m.ix.selfScale
	f[20] = float64(min(1, m.brands.count(ws)))
	return f
}

// nearest is the highest similarity (scored as entries are) of the message
// to one of entry e's phrasings: a message close to one way an editor put
// the question is surer than one close to the entry's words in general.
func (m *Matcher) nearest(q query, e int) float64 {
	ix := m.ix
	var qn [2]float64
	for s := range qn {
		if q.norm[s] > 0 {
			qn[s] = 1 / math.Sqrt(q.norm[s])
		}
	}
	best := 0.0
	for _, p := range ix.phr[e] {
		var dot [2]float64
		i, j := 0, 0
		for i < len(q.feats) && j < len(p.feats) {
			a, b := q.feats[i], p.feats[j]
			switch {
			case a < b:
				i++
			case a > b:
				j++
			default:
				sp := ix.space[a]
				dot[sp] += float64(ix.idf[a]) * qn[sp] * float64(p.w[j])
				i++
				j++
			}
		}
		best = max(best, wordShare*dot[0]+(1-wordShare)*dot[1])
	}
	return best
}

// questionCover is the IDF mass of the message's content words that entry
// e's phrasings and keywords (not its answer) know.
func (m *Matcher) questionCover(ws []word, e int) float64 {
	ix := m.ix
	feats := ix.entryQFeats[e]
	has := func(id int32) bool {
		_, ok := slices.BinarySearch(feats, id)
		return ok
	}
	cover := 0.0
	for i := range ws {
		w := &ws[i]
		if w.stop || w.script == scriptOther && len(w.surf) < 3 {
			continue
		}
		sid, known := ix.stemID[w.stem]
		if !known {
			continue
		}
		hit := has(sid)
		for _, c := range w.concepts {
			if cid, ok := ix.conceptID[c]; ok && has(cid) {
				hit = true
			}
		}
		if hit {
			cover += float64(ix.idf[sid])
		}
	}
	return cover
}

// coverage weighs the message's content words by IDF and sums those entry e
// knows (by stem or synonym group) and those no entry knows.
func (m *Matcher) coverage(ws []word, e int) (cover, unknown, total float64, n int) {
	ix := m.ix
	feats := ix.entryFeats[e]
	has := func(id int32) bool {
		_, ok := slices.BinarySearch(feats, id)
		return ok
	}
	for i := range ws {
		w := &ws[i]
		if w.stop || w.script == scriptOther && len(w.surf) < 3 {
			continue
		}
		n++
		wt := float64(ix.unknownIDF)
		sid, known := ix.stemID[w.stem]
		if known {
			wt = float64(ix.idf[sid])
		}
		hit := known && has(sid)
		anyConcept := false
		for _, c := range w.concepts {
			if cid, ok := ix.conceptID[c]; ok {
				anyConcept = true
				if has(cid) {
					hit = true
				}
			}
		}
		total += wt
		if hit {
			cover += wt
		}
		if !known && !anyConcept {
			unknown += wt
		}
	}
	return
}

// knowsConcept reports whether some entry has one of w's synonym groups: a
// lexicon word whose group the FAQ never uses is as foreign to it as any
// other word.
func (m *Matcher) knowsConcept(w *word) bool {
	for _, c := range w.concepts {
		if _, ok := m.ix.conceptID[c]; ok {
			return true
		}
	}
	return false
}

// unknownDict sums the IDF weight of the message's dictionary words that no
// entry and no synonym group knows: a real word the FAQ never uses ("грузчик",
// "кошелек") says the question is about something else.
func (m *Matcher) unknownDict(ws []word) (sum float64, n, nondict int) {
	for i := range ws {
		w := &ws[i]
		if w.stop || w.script == scriptOther || w.fixed || m.knowsConcept(w) {
			continue
		}
		if _, ok := m.ix.stemID[w.stem]; ok {
			continue
		}
		if m.ix.foreign[w.script] {
			// An English word in a Russian FAQ is unknown because of its
			// language, not because it is about something else.
			continue
		}
		if isDictWord(w.surf) {
			sum += float64(m.ix.unknownIDF)
			n++
		} else if len(w.surf) >= 3 {
			nondict++
		}
	}
	return
}

// questionShare is the weight of the question sentence (scoreMixed) in
// an entry's score for a message of several sentences. Measured
// leave-one-brand-out at the same thresholds (gates refitted each time),
// right / wrong / out-of-scope answered: 0 (the whole message only) 49.3 /
// 1.7 / 4.2; 0.3 49.8 / 1.6 / 4.2; 0.5 49.5 / 1.6 / 4.2; the question
// sentence found by question words as well as '?' 49.7 / 1.7 / 4.2; the
// higher of the two scores instead of a mix 49.8 / 1.6 / 5.4.
const questionShare = 0.3

// questionSentence is the sentence of a message of several that asks the
// question: the last one ending with '?' ("…до сих пор не привезли. Где мой
// заказ?"); nil for a message of one sentence or with no question mark.
// (Also taking the last sentence opening with a question word, "где",
// "как", "сколько", was no better.)
func questionSentence(ws []word) []word {
	if len(ws) == 0 || ws[0].sent == ws[len(ws)-1].sent {
		return nil
	}
	span := func(i int) []word {
		a, b := i, i+1
		for a > 0 && ws[a-1].sent == ws[i].sent {
			a--
		}
		for b < len(ws) && ws[b].sent == ws[i].sent {
			b++
		}
		return ws[a:b]
	}
	hasContent := func(s []word) bool {
		for i := range s {
			if !s[i].stop {
				return true
			}
		}
		return false
	}
	for i := len(ws) - 1; i >= 0; i-- {
		if ws[i].ask {
			if s := span(i); hasContent(s) {
				return s
			}
			for i > 0 && ws[i-1].sent == ws[i].sent {
				i--
			}
		}
	}
	return nil
}
