package faq

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word pools for the synthetic FAQ. Every entry gets its own pair of topic
// nouns and a qualifier, so its phrasings never collide with another
// entry's, while the verbs and templates repeat across entries the way real
// FAQs do ("как оформить…", "how do I…").
var (
	genNounsRU = []string{
		"заказ", "доставка", "возврат", "оплата", "карта", "курьер", "посылка",
		"пункт выдачи", "промокод", "бонусы", "скидка", "подарочный сертификат",
		"гарантия", "чек", "аккаунт", "пароль", "адрес", "корзина", "товар",
		"размер", "упаковка", "самовывоз", "рассрочка", "кэшбэк", "подписка",
		"обмен", "брак", "инструкция", "сборка", "установка", "накладная",
		"трек-номер", "склад", "предзаказ", "опт", "счёт", "договор",
		"уведомление", "рассылка", "отзыв", "магазин", "витрина", "каталог",
		"цена", "комиссия", "лимит", "тариф", "баланс", "профиль", "телефон",
	}
	genQualRU = []string{
		"срочный", "международный", "новый", "повреждённый", "оплаченный",
		"отменённый", "частичный", "бесплатный", "платный", "зимний",
		"корпоративный", "личный", "электронный", "бумажный", "ночной",
		"экспресс", "выходной", "праздничный", "сезонный", "уценённый",
	}
	genVerbsRU = []string{
		"оформить", "отменить", "изменить", "проверить", "получить", "вернуть",
		"оплатить", "продлить", "найти", "отследить", "подключить", "удалить",
	}
	genNounsEN = []string{
		"order", "delivery", "refund", "payment", "card", "courier", "parcel",
		"pickup point", "promo code", "points", "discount", "gift card",
		"warranty", "receipt", "account", "password", "address", "cart", "item",
		"size", "packaging", "store pickup", "installment", "cashback",
		"subscription", "exchange", "defect", "manual", "assembly", "invoice",
	}
	genQualEN = []string{
		"urgent", "international", "new", "damaged", "paid", "cancelled",
		"partial", "free", "express", "weekend", "corporate", "personal",
	}
	genVerbsEN = []string{
		"place", "cancel", "change", "check", "get", "return", "pay for",
		"extend", "find", "track", "set up", "delete",
	}
	genTemplatesRU = []string{
		"как %[1]s %[2]s %[3]s %[4]s?",
		"можно ли %[1]s %[2]s %[3]s для %[4]s",
		"%[2]s %[3]s и %[4]s: что делать?",
		"хочу %[1]s %[2]s %[3]s, %[4]s",
		"где %[1]s %[3]s %[2]s (%[4]s)",
		"подскажите, %[2]s %[3]s %[4]s — как %[1]s",
		"не получается %[1]s %[2]s %[3]s %[4]s",
		"сколько стоит %[1]s %[3]s %[2]s %[4]s",
		"почему нельзя %[1]s %[2]s %[3]s с %[4]s",
		"%[4]s %[2]s %[3]s — когда можно %[1]s?",
		"помогите %[1]s %[4]s %[2]s %[3]s",
		"а если %[2]s %[3]s %[4]s, как %[1]s",
	}
	genTemplatesEN = []string{
		"how do I %[1]s a %[3]s %[2]s with %[4]s?",
		"can I %[1]s my %[3]s %[2]s %[4]s",
		"%[3]s %[2]s %[4]s not working",
		"where can I %[1]s the %[2]s (%[3]s, %[4]s)",
		"is it possible to %[1]s %[3]s %[2]s for %[4]s",
	}
)

// generateFAQ returns a synthetic but realistic FAQ of n entries with
// phrasings questions each (mostly Russian, every fourth phrasing English),
// answers of a few sentences, and occasional keywords, titles, English
// answers and buttons to other entries. It is deterministic, and the result
// passes validation: ids and phrasings are unique.
func generateFAQ(n, phrasings int) *FAQ {
	r := rand.New(rand.NewPCG(uint64(n), uint64(phrasings)))
	f := &FAQ{}
	seen := make(map[string]bool)
	nn := len(genNounsRU)
	for i := range n {
		// A unique (noun, noun, qualifier) triple per entry: walk the
		// combinations in order, so 50×49×20 entries are possible.
		a := i % nn
		b := (a + 1 + (i/nn)%(nn-1)) % nn
		q := (i / (nn * (nn - 1))) % len(genQualRU)
		n1, n2, qual := genNounsRU[a], genNounsRU[b], genQualRU[q]
		e1, e2, qualEN := genNounsEN[a%len(genNounsEN)], genNounsEN[b%len(genNounsEN)], genQualEN[(q+a)%len(genQualEN)]
		e := &Entry{ID: fmt.Sprintf("%s_%s_%d", slug(n1), slug(n2), i)}
		tag := fmt.Sprintf("№%d", i)
		for k := 0; len(e.Questions) < phrasings; k++ {
			var s string
			if k%4 == 3 {
				t := genTemplatesEN[r.IntN(len(genTemplatesEN))]
				s = fmt.Sprintf(t, genVerbsEN[r.IntN(len(genVerbsEN))], e1, qualEN, e2)
			} else {
				t := genTemplatesRU[r.IntN(len(genTemplatesRU))]
				s = fmt.Sprintf(t, genVerbsRU[r.IntN(len(genVerbsRU))], qual, n1, n2)
			}
			if k >= 2*phrasings {
				// The pools ran dry for this triple: make it unique.
				s += " " + tag + fmt.Sprint(k)
			}
			key := foldPhrase(s) // as the loader compares phrasings
			if seen[key] {
				continue
			}
			seen[key] = true
			e.Questions = append(e.Questions, s)
		}
		e.Answer = fmt.Sprintf("%s %s: %s. Обычно это занимает от %d до %d рабочих дней. "+
			"Подробности — в личном кабинете в разделе «%s», или напишите нам, и мы поможем.",
			capitalize(qual), n1, genVerbsRU[i%len(genVerbsRU)]+" можно в приложении или на сайте",
			1+i%3, 3+i%7, n2)
		if i%3 == 0 {
			e.AnswerEN = fmt.Sprintf("You can %s your %s %s in the app or on the website within %d days.",
				genVerbsEN[i%len(genVerbsEN)], qualEN, e1, 3+i%7)
		}
		if i%5 == 0 {
			e.Keywords = []string{n1 + " " + n2, qual + " " + n1}
		}
		if i%7 == 0 {
			e.Title = capitalize(n1) + ": " + n2
		}
		if i%11 == 0 && i > 0 {
			e.Buttons = []Button{{Text: "Ещё: " + genNounsRU[(a+nn-1)%nn], Entry: f.Entries[i-1].ID}}
		}
		if i%13 == 0 {
			e.Handoff = true
		}
		f.Entries = append(f.Entries, e)
	}
	return f
}

// generateYAML renders generateFAQ(n, phrasings) as faq.yaml text, in the
// layout an editor writes by hand.
func generateYAML(n, phrasings int) []byte {
	f := generateFAQ(n, phrasings)
	var b bytes.Buffer
	q := func(s string) string {
		j, _ := json.Marshal(s) // a JSON string is a valid YAML double-quoted scalar
		return string(j)
	}
	b.WriteString("# Synthetic FAQ for benchmarks.\nentries:\n")
	for _, e := range f.Entries {
		fmt.Fprintf(&b, "  - id: %s\n", e.ID)
		if e.Title != "" {
			fmt.Fprintf(&b, "    title: %s\n", q(e.Title))
		}
		b.WriteString("    questions:\n")
		for _, s := range e.Questions {
			fmt.Fprintf(&b, "      - %s\n", q(s))
		}
		if len(e.Keywords) > 0 {
			b.WriteString("    keywords: [")
			for i, k := range e.Keywords {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(q(k))
			}
			b.WriteString("]\n")
		}
		fmt.Fprintf(&b, "    answer: %s\n", q(e.Answer))
		if e.AnswerEN != "" {
			fmt.Fprintf(&b, "    answer_en: %s\n", q(e.AnswerEN))
		}
		if len(e.Buttons) > 0 {
			b.WriteString("    buttons:\n")
			for _, bt := range e.Buttons {
				fmt.Fprintf(&b, "      - {text: %s, entry: %s}\n", q(bt.Text), bt.Entry)
			}
		}
		if e.Handoff {
			b.WriteString("    handoff: true\n")
		}
	}
	return b.Bytes()
}

// slug turns a Russian noun into an ASCII id part.
func slug(s string) string {
	tr := map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
		'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
		'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "h", 'ц': "ts",
		'ч': "ch", 'ш': "sh", 'щ': "sch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
		'я': "ya", ' ': "_", '-': "_",
	}
	var b strings.Builder
	for _, c := range s {
		if t, ok := tr[c]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	for i, c := range s {
		return strings.ToUpper(string(c)) + s[i+len(string(c)):]
	}
	return s
}
