package faq

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEntryLabel(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{Title: "Возврат товара", Questions: []string{"как вернуть"}}, "Возврат товара"},
		{Entry{Questions: []string{"  где мой заказ?  "}}, "Где мой заказ?"},
		{Entry{Questions: []string{"how do I return\tan item"}}, "How do I return an item"},
		{Entry{Questions: []string{"Можно ли вернуть товар, если упаковка уже вскрыта и чека нет?"}}, "Можно ли вернуть товар, если упаковка…"},
		{Entry{Questions: []string{strings.Repeat("длинноеслово", 4)}}, "Длинноесловодлинноесловодлинноесловодли…"},
		{Entry{ID: "returns"}, "Returns"},
	}
	for _, tt := range tests {
		got := tt.e.Label()
		if got != tt.want {
			t.Errorf("Label(%+v) = %q, want %q", tt.e, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > MaxLabel {
			t.Errorf("Label %q is %d runes", got, n)
		}
	}
}

func TestEntryAnswerFor(t *testing.T) {
	both := &Entry{Answer: "Ответ", AnswerEN: "Answer"}
	ru := &Entry{Answer: "Ответ"}
	tests := []struct {
		e          *Entry
		lang, want string
	}{
		{both, "ru", "Ответ"},
		{both, "en", "Answer"},
		{both, "EN-us", "Answer"},
		{both, "", "Ответ"},
		{both, "eng", "Ответ"},
		{ru, "en", "Ответ"},
	}
	for _, tt := range tests {
		if got := tt.e.AnswerFor(tt.lang); got != tt.want {
			t.Errorf("AnswerFor(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestEntryAndClosest(t *testing.T) {
	ids := []string{"returns", "refund_time", "delivery_time", "delivery_cost", "order_status", "pickup_points", "hello"}
	built := &FAQ{}
	for _, id := range ids {
		built.Entries = append(built.Entries, &Entry{ID: id})
	}
	var y strings.Builder
	y.WriteString("entries:\n")
	for _, id := range ids {
		y.WriteString("  - {id: " + id + ", questions: [" + id + "], answer: x}\n")
	}
	loaded, err := Parse(strings.NewReader(y.String()), "ids.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*FAQ{"built": built, "loaded": loaded} {
		if e := f.Entry("refund_time"); e == nil || e.ID != "refund_time" {
			t.Errorf("%s: Entry(refund_time) = %v", name, e)
		}
		if e := f.Entry("nosuch"); e != nil {
			t.Errorf("%s: Entry(nosuch) = %v", name, e)
		}
		tests := []struct {
			id   string
			n    int
			want string
		}{
			{"retruns", 3, "returns"},
			{"Returns", 3, ""}, // an exact match is not a suggestion
			{"delivery", 3, "delivery_time,delivery_cost"},
			{"delivery_tim", 1, "delivery_time"},
			{"ordr_status", 3, "order_status"},
			{"pickup", 3, "pickup_points"},
			{"xyzzy_frobnicate", 3, ""},
			{"", 3, ""},
			{"returns", 0, ""},
		}
		for _, tt := range tests {
			if got := strings.Join(f.Closest(tt.id, tt.n), ","); got != tt.want {
				t.Errorf("%s: Closest(%q, %d) = %q, want %q", name, tt.id, tt.n, got, tt.want)
			}
		}
	}
	var none *FAQ
	if none.Entry("x") != nil || none.Closest("x", 3) != nil {
		t.Error("a nil FAQ found something")
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"returns", "retruns", 1},
		{"anwser", "answer", 1},
		{"question", "questions", 1},
		{"ёлка", "елка", 1},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFoldPhrase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Где мой заказ?", "где мой заказ"},
		{"  ГДЕ   мой\tзаказ!!! ", "где мой заказ"},
		{"Ещё жду — ёлку", "еще жду елку"},
		{"How do I return an item?", "how do i return an item"},
		{"top-up", "top up"},
		{"???", ""},
		{"Straße", "straße"},
	}
	for _, tt := range tests {
		if got := foldPhrase(tt.in); got != tt.want {
			t.Errorf("foldPhrase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsDraft(t *testing.T) {
	for s, want := range map[string]bool{
		"TODO": true, " todo ": true, "TODO: write": true, "TODO — уточнить": true,
		"Todoist — приложение": false, "": false, "Ответ TODO": false,
	} {
		if got := isDraft(s); got != want {
			t.Errorf("isDraft(%q) = %v", s, got)
		}
	}
}
