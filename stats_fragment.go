package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// fragmentAnswer is the answer every exported entry starts with; `supportbot
// check` reports it as an error until an editor writes the real answer.
const fragmentAnswer = "TODO"

// fragmentMaxQuestions bounds the wordings exported per entry.
const fragmentMaxQuestions = 20

// writeFragment writes the unanswered question groups as a faq.yaml fragment:
// one entry per group with id todo_<slug>, the customers' own wordings as
// questions and the answer TODO, with comments telling the editor what to do.
func writeFragment(w io.Writer, r *statsReport, now time.Time) error {
	const day = "2 Jan 2006"
	head := fmt.Sprintf(`Questions customers asked from %s to %s that the FAQ did not answer,
written by "supportbot stats -fragment" on %s.

For each entry below:
  1. write the answer in place of TODO ("supportbot check" fails while one is left);
  2. give it a meaningful id (it is shown nowhere, but buttons refer to it);
  3. delete wordings that ask something else, or move them to the entry they belong to;
  4. paste the entry under "entries:" in faq.yaml, or merge its questions into an
     existing entry if the FAQ already answers it in other words;
  5. run "supportbot check faq.yaml", then try the wordings with "supportbot try".`,
		r.Period.Since.Format(day), r.Period.Until.Format(day), now.Format(day))

	entries := &yaml.Node{Kind: yaml.SequenceNode}
	used := map[string]bool{}
	for _, u := range r.Unanswered {
		id := uniqueID(used, "todo_"+slug(u.Examples[0]))
		questions := &yaml.Node{Kind: yaml.SequenceNode}
		for i, wd := range u.Wordings {
			if i == fragmentMaxQuestions {
				break
			}
			questions.Content = append(questions.Content, str(oneLine(wd.Text, 300)))
		}
		answer := str(fragmentAnswer)
		answer.LineComment = "write the answer here"
		entry := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			str("id"), str(id),
			str("questions"), questions,
			str("answer"), answer,
		}}
		entry.HeadComment = fmt.Sprintf("asked %s, last on %s (%s)",
			times(u.Count), u.LastSeen.In(now.Location()).Format("2006-01-02"), platformList(u.Platforms))
		entries.Content = append(entries.Content, entry)
	}
	if len(entries.Content) == 0 {
		entries.Style = yaml.FlowStyle
		head += "\n\nNo unanswered questions in this period: nothing to add."
	}
	key := str("entries")
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: head, Content: []*yaml.Node{
		{Kind: yaml.MappingNode, Content: []*yaml.Node{key, entries}},
	}}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func platformList(m map[string]int) string {
	ps := make([]string, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		if m[ps[i]] != m[ps[j]] {
			return m[ps[i]] > m[ps[j]]
		}
		return ps[i] < ps[j]
	})
	for i, p := range ps {
		ps[i] = fmt.Sprintf("%s %d", p, m[p])
	}
	return strings.Join(ps, ", ")
}

// slug makes an id part from a question: its first content words,
// transliterated to Latin, joined by underscores.
func slug(text string) string {
	var words []string
	for _, w := range strings.Fields(wordingKey(text)) {
		if slugStop[w] {
			continue
		}
		if t := translit(w); t != "" {
			words = append(words, t)
		}
		if len(words) == 4 {
			break
		}
	}
	s := strings.Join(words, "_")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "_")
	}
	if s == "" {
		s = "question"
	}
	return s
}

var translitTable = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
}

func translit(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteString(translitTable[r])
		}
	}
	return b.String()
}

func uniqueID(used map[string]bool, id string) string {
	out := id
	for n := 2; used[out]; n++ {
		out = fmt.Sprintf("%s_%d", id, n)
	}
	used[out] = true
	return out
}
