package faq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a FAQ file, at a position a person can jump to.
type Error struct {
	File string
	Line int // 1-based
	Col  int // 1-based, in characters
	Msg  string
}

// Error returns "file:line:col: message".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in a FAQ file, in file order. Parse and
// Load return one when the file is not valid; errors.As finds it, and each
// *Error in it.
type ErrorList []*Error

// Error returns the problems one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.As can reach each *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Options relax the loader for tools that measure a FAQ rather than serve
// it. The zero Options are strict, as Parse and Load are.
type Options struct {
	// AllowDuplicatePhrasings accepts a phrasing repeated within an entry
	// (the repeat is dropped) or written under two entries (kept under
	// both), reporting each in FAQ.Warnings instead of failing. Public
	// intent data sets have both (banking77's full training set files "Has
	// my top-up gone through?" under two intents); a brand's FAQ should not.
	AllowDuplicatePhrasings bool
}

// maxNodes bounds the work of walking a document whose aliases expand it
// far beyond its size.
const maxNodes = 4_000_000

// Load reads and validates the FAQ file at path; errors in it name the path
// as given. It returns an ErrorList when the file has problems, and the
// *fs.PathError of os.Open when it cannot be read.
func Load(path string) (*FAQ, error) {
	return LoadWith(path, Options{})
}

// LoadWith is Load with Options.
func LoadWith(path string, opt Options) (*FAQ, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseWith(f, path, opt)
}

// Parse reads and validates a FAQ from r (YAML, or JSON, which is YAML too).
// name is the file name used in error positions. Every problem is reported,
// not just the first, as an ErrorList sorted by position.
func Parse(r io.Reader, name string) (*FAQ, error) {
	return ParseWith(r, name, Options{})
}

// ParseWith is Parse with Options.
func ParseWith(r io.Reader, name string, opt Options) (*FAQ, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	p := &parser{file: name, data: data, opt: opt}
	f := p.parse()
	sortErrors(p.errs)
	sortErrors(p.warns)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	f.Warnings = p.warns
	return f, nil
}

func sortErrors(l ErrorList) {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Col < l[j].Col
	})
}

// parser turns the YAML node tree into a FAQ, collecting every problem.
type parser struct {
	file  string
	data  []byte
	opt   Options
	errs  ErrorList
	warns ErrorList
	nodes int
	// bad marks nodes of the wrong type, already reported: no follow-on
	// "is empty" errors for them.
	bad map[*yaml.Node]bool
	// ents holds the nodes of each entry in f.Entries, for validation.
	ents []*entryNodes
}

// entryNodes are where an entry's parts are in the file.
type entryNodes struct {
	node      *yaml.Node // the entry's mapping
	index     int        // its place among the entries, from 0
	id        *yaml.Node
	qkey      *yaml.Node // the questions key
	qval      *yaml.Node // its value
	questions []*yaml.Node
	answer    *yaml.Node
	answerEN  *yaml.Node
	buttons   []*buttonNodes
}

type buttonNodes struct {
	node, text, entry, url *yaml.Node
}

// errorf records a problem at n (the start of the file when n is nil).
func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, p.at(n, fmt.Sprintf(format, args...)))
}

func (p *parser) at(n *yaml.Node, msg string) *Error {
	e := &Error{File: p.file, Line: 1, Col: 1, Msg: msg}
	if n != nil && n.Line > 0 {
		e.Line, e.Col = n.Line, max(n.Column, 1)
	}
	if last := bytes.Count(p.data, []byte("\n")) + 1; e.Line > last {
		// The library places an empty value after the end of the file.
		e.Line, e.Col = last, 1
	}
	return e
}

// typeErrorf records that n has the wrong type.
func (p *parser) typeErrorf(n *yaml.Node, format string, args ...any) {
	if p.bad == nil {
		p.bad = make(map[*yaml.Node]bool)
	}
	p.bad[n] = true
	p.errorf(n, format, args...)
}

// deref follows an alias to the node it names and counts the work.
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	p.nodes++
	return n
}

func (p *parser) tooBig() bool { return p.nodes > maxNodes }

func (p *parser) parse() *FAQ {
	f := &FAQ{}
	if len(bytes.TrimSpace(p.data)) == 0 {
		p.errorf(nil, "the file is empty — start it with `entries:` and at least one entry with id, questions and answer")
		return f
	}
	if e := p.badBytes(); e != nil {
		p.errs = append(p.errs, e)
		return f
	}
	dec := yaml.NewDecoder(bytes.NewReader(p.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "the file has no content — start it with `entries:` and at least one entry with id, questions and answer")
		} else {
			p.errs = append(p.errs, p.syntaxError(err))
		}
		return f
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		p.errorf(&more, "a second YAML document starts here — keep the whole FAQ in one document (remove the `---`)")
	} else if !errors.Is(err, io.EOF) {
		p.errs = append(p.errs, p.syntaxError(err))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			p.errorf(root, "the file has no content — start it with `entries:`")
			return f
		}
		root = root.Content[0]
	}
	p.top(root, f)
	if p.tooBig() {
		p.errs = ErrorList{p.at(nil, "the file expands to too much data through its aliases (*name); write the values out")}
		return f
	}
	p.validate(f)
	return f
}

// badBytes finds invalid UTF-8 and control characters, which the YAML
// library reports without a position.
func (p *parser) badBytes() *Error {
	if utf8.Valid(p.data) && !hasControl(p.data) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(p.data); {
		r, size := utf8.DecodeRune(p.data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return &Error{File: p.file, Line: line, Col: col, Msg: "the file is not valid UTF-8 here — save it as UTF-8"}
		case r == '\n':
			line, col = line+1, 0
		case r == '\r' || r == '\t' || r == '\uFEFF' && i == 0:
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xFFFE || r == 0xFFFF:
			return &Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf("control character %U is not allowed — remove it", r)}
		}
		i += size
		col++
	}
	return nil
}

// hasControl reports whether valid UTF-8 data may hold a control character
// other than tab, CR and LF (C0, DEL, C1, U+FFFE, U+FFFF).
func hasControl(data []byte) bool {
	for i, c := range data {
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0x7f:
			return true
		case c == 0xc2 && i+1 < len(data) && data[i+1] < 0xa0:
			return true
		case c == 0xef && i+2 < len(data) && data[i+1] == 0xbf && data[i+2] >= 0xbe:
			return true
		}
	}
	return false
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxMessage strips the library's "yaml: line N: " from an error.
func syntaxMessage(err error) (msg string, line int) {
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		return m[2], line
	}
	return strings.TrimPrefix(err.Error(), "yaml: "), 0
}

// firstError decodes every document in data and returns the message of the
// first YAML error, or "".
func firstError(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return ""
			}
			msg, _ := syntaxMessage(err)
			return msg
		}
	}
}

// syntaxError turns a YAML library error into an Error. The library names
// only the line where the enclosing block starts (sometimes the one before
// it), so the line is found again: the shortest run of the file's first
// lines that fails with the same message ends at the mistake. The column is
// that line's first non-blank character.
func (p *parser) syntaxError(err error) *Error {
	msg, line := syntaxMessage(err)
	lines := bytes.SplitAfter(p.data, []byte("\n"))
	prefix := func(n int) []byte { return p.data[:len(bytes.Join(lines[:n], nil))] }
	lo, hi := max(line-1, 1), len(lines) // the answer is in [lo, hi]
	if lo > hi || firstError(prefix(hi)) != msg {
		lo = 1
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if firstError(prefix(mid)) == msg {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	line = hi
	if strings.HasPrefix(msg, "did not find expected ',' or") {
		// yaml.v3 ends a plain text in [ ] or { } at a question mark
		// (go-yaml/yaml#905), and questions end with one.
		depth := 0
		for l := min(max(syntaxLineOf(err)-1, 1), line); l <= line; l++ {
			var c int
			if c, depth = flowQuestionMark(string(lines[l-1]), depth); c > 0 {
				return &Error{File: p.file, Line: l, Col: c,
					Msg: "YAML syntax: a question mark inside [ ] or { } must be in quotes — write [\"Где мой заказ?\", …], or one `- Где мой заказ?` per line"}
			}
		}
	}
	text := string(bytes.TrimRight(lines[line-1], "\r\n"))
	col := 1
	for i, r := range []rune(text) {
		if r == '\t' && strings.Contains(msg, "tab") {
			return &Error{File: p.file, Line: line, Col: i + 1,
				Msg: "YAML syntax: a tab in the indentation — indent with spaces, not tabs"}
		}
		if r != ' ' && r != '\t' {
			col = i + 1
			break
		}
	}
	hint := " — check the indentation and quoting on this line and the one before"
	if strings.HasPrefix(msg, "mapping values are not allowed") {
		hint = " — a colon and a space inside a text make YAML read a key: put the whole text in quotes"
	}
	return &Error{File: p.file, Line: line, Col: col, Msg: "YAML syntax: " + msg + hint}
}

// syntaxLineOf returns the line a YAML library error names, or 0.
func syntaxLineOf(err error) int {
	_, line := syntaxMessage(err)
	return line
}

// flowQuestionMark returns the column of the first question mark that ends
// an unquoted text inside [ ] or { } on line, or 0, given the depth of
// brackets open before the line; it returns the depth after the line too.
func flowQuestionMark(line string, depth int) (int, int) {
	quote := rune(0)
	r := []rune(line)
	for i, c := range r {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || r[i-1] == ' '):
			return 0, depth
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		case c == '?' && depth > 0 && i > 0 && r[i-1] != ' ' && r[i-1] != '[' && r[i-1] != '{' && r[i-1] != ',':
			return i + 1, depth
		}
	}
	return 0, depth
}

// field is one key: value pair of a mapping.
type field struct {
	key, val *yaml.Node
}

// mapping checks that n is a mapping of known keys and returns its fields by
// key. what names the mapping in messages ("entry \"returns\"").
func (p *parser) mapping(n *yaml.Node, what string, known []string) map[string]field {
	n = p.deref(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			return nil
		}
		p.errorf(n, "%s must be a mapping of `key: value` lines, not %s", what, kindName(n))
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := p.deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: a key must be a plain word, not %s", what, kindName(k))
			continue
		}
		key := k.Value
		if k.ShortTag() == "!!merge" {
			p.errorf(k, "%s: merge keys (<<) are not supported — write the keys out", what)
			continue
		}
		if !contains(known, key) {
			msg := fmt.Sprintf("%s: unknown key `%s`", what, key)
			if s := closest(key, known, 1); len(s) > 0 {
				msg += fmt.Sprintf(" — did you mean `%s`?", s[0])
			} else {
				msg += " — known keys: " + strings.Join(known, ", ")
			}
			p.errorf(k, "%s", msg)
			continue
		}
		if prev, ok := out[key]; ok {
			p.errorf(k, "%s: `%s` is written twice (first at line %d) — keep one", what, key, prev.key.Line)
			continue
		}
		out[key] = field{k, v}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "that"
}

// str reads a text value. Numbers and other scalars are taken as written;
// an empty value (or null) is "". It returns the node for positions.
func (p *parser) str(n *yaml.Node, what string) (string, *yaml.Node) {
	n = p.deref(n)
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		p.typeErrorf(n, "%s must be text, not %s", what, kindName(n))
		return "", n
	}
	if n.ShortTag() == "!!null" {
		return "", n
	}
	return n.Value, n
}

// strList reads a list of texts; a lone text where a list is expected is an
// error with the fix.
func (p *parser) strList(n *yaml.Node, what string) ([]string, []*yaml.Node) {
	n = p.deref(n)
	if n == nil {
		return nil, nil
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil, nil
	case n.Kind == yaml.ScalarNode:
		p.typeErrorf(n, "%s must be a list — write [%s] or one `- item` per line", what, strconv.Quote(n.Value))
		return nil, nil
	case n.Kind != yaml.SequenceNode:
		p.typeErrorf(n, "%s must be a list of texts, not %s", what, kindName(n))
		return nil, nil
	}
	vals := make([]string, 0, len(n.Content))
	nodes := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		c = p.deref(c)
		if c.Kind != yaml.ScalarNode {
			p.typeErrorf(c, "%s: each item must be text, not %s", what, kindName(c))
			p.bad[n] = true
			continue
		}
		v := c.Value
		if c.ShortTag() == "!!null" {
			v = ""
		}
		vals = append(vals, v)
		nodes = append(nodes, c)
	}
	return vals, nodes
}

// boolean reads true or false.
func (p *parser) boolean(n *yaml.Node, what string) bool {
	n = p.deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		return strings.EqualFold(n.Value, "true")
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return false
	}
	p.errorf(n, "%s must be true or false, not %s", what, kindName(n))
	return false
}

var (
	topKeys    = []string{"entries", "texts", "texts_en", "hours", "synonyms", "handoff"}
	entryKeys  = []string{"id", "questions", "answer", "answer_en", "keywords", "buttons", "handoff", "smalltalk", "title"}
	buttonKeys = []string{"text", "entry", "url"}
	hoursKeys  = []string{"timezone", "schedule"}
	lexKeys    = []string{"request", "angry"}
	textKeys   = textFields()
)

func (p *parser) top(root *yaml.Node, f *FAQ) {
	root = p.deref(root)
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		p.errorf(root, "the file has no content — start it with `entries:` and at least one entry with id, questions and answer")
		return
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "the file must be a mapping that starts with `entries:`, not %s", kindName(root))
		return
	}
	fs := p.mapping(root, "the file", topKeys)
	if fd, ok := fs["entries"]; ok {
		p.entries(fd, f)
	} else {
		p.errorf(root, "the file has no `entries:` — add a list of entries with id, questions and answer")
	}
	if fd, ok := fs["texts"]; ok {
		f.Texts = p.texts(fd.val, "texts")
	}
	if fd, ok := fs["texts_en"]; ok {
		f.TextsEN = p.texts(fd.val, "texts_en")
	}
	if fd, ok := fs["hours"]; ok {
		f.Hours = p.hours(fd.val)
	}
	if fd, ok := fs["synonyms"]; ok {
		f.Synonyms = p.synonyms(fd.val)
	}
	if fd, ok := fs["handoff"]; ok {
		lf := p.mapping(fd.val, "handoff", lexKeys)
		if x, ok := lf["request"]; ok {
			f.Handoff.Request = p.phrases(x.val, "handoff.request")
		}
		if x, ok := lf["angry"]; ok {
			f.Handoff.Angry = p.phrases(x.val, "handoff.angry")
		}
	}
}

// phrases reads a list of non-empty texts.
func (p *parser) phrases(n *yaml.Node, what string) []string {
	vals, nodes := p.strList(n, what)
	out := vals[:0]
	for i, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			p.errorf(nodes[i], "%s: an item is empty — remove it or write the words", what)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (p *parser) entries(fd field, f *FAQ) {
	n := p.deref(fd.val)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(fd.key, "entries is empty — add at least one entry with id, questions and answer")
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "entries must be a list: start each entry with `- id: …`, not %s", kindName(n))
		return
	}
	f.Entries = make([]*Entry, 0, len(n.Content))
	p.ents = make([]*entryNodes, 0, len(n.Content))
	for i, c := range n.Content {
		if p.tooBig() {
			return
		}
		c = p.deref(c)
		if c.Kind != yaml.MappingNode {
			p.errorf(c, "entry #%d must be a mapping with id, questions and answer, not %s", i+1, kindName(c))
			continue
		}
		e, en := p.entry(c, i)
		f.Entries = append(f.Entries, e)
		p.ents = append(p.ents, en)
	}
}

func (p *parser) entry(n *yaml.Node, i int) (*Entry, *entryNodes) {
	e := &Entry{}
	en := &entryNodes{node: n, index: i}
	// Find the id first so every message can name the entry.
	what := fmt.Sprintf("entry #%d", i+1)
	for j := 0; j+1 < len(n.Content); j += 2 {
		if k := p.deref(n.Content[j]); k.Kind == yaml.ScalarNode && k.Value == "id" {
			if v := p.deref(n.Content[j+1]); v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) != "" && v.ShortTag() != "!!null" {
				what = fmt.Sprintf("entry %q", strings.TrimSpace(v.Value))
			}
			break
		}
	}
	fs := p.mapping(n, what, entryKeys)
	if fd, ok := fs["id"]; ok {
		e.ID, en.id = p.str(fd.val, what+": id")
		e.ID = strings.TrimSpace(e.ID)
	}
	if fd, ok := fs["questions"]; ok {
		en.qkey, en.qval = fd.key, p.deref(fd.val)
		e.Questions, en.questions = p.strList(fd.val, what+": questions")
		if len(e.Questions) == 0 && en.questions == nil {
			en.questions = []*yaml.Node{} // present but empty: reported in validate
		}
	}
	if fd, ok := fs["answer"]; ok {
		e.Answer, en.answer = p.str(fd.val, what+": answer")
		if en.answer == nil {
			en.answer = fd.key
		}
	}
	if fd, ok := fs["answer_en"]; ok {
		e.AnswerEN, en.answerEN = p.str(fd.val, what+": answer_en")
	}
	if fd, ok := fs["keywords"]; ok {
		e.Keywords = p.phrases(fd.val, what+": keywords")
	}
	if fd, ok := fs["title"]; ok {
		var tn *yaml.Node
		e.Title, tn = p.str(fd.val, what+": title")
		e.Title = strings.TrimSpace(e.Title)
		if l := utf8.RuneCountInString(e.Title); l > MaxLabel {
			p.errorf(tn, "%s: title is %d characters long; buttons show at most %d — shorten it", what, l, MaxLabel)
		}
	}
	if fd, ok := fs["handoff"]; ok {
		e.Handoff = p.boolean(fd.val, what+": handoff")
	}
	if fd, ok := fs["smalltalk"]; ok {
		e.SmallTalk = p.boolean(fd.val, what+": smalltalk")
	}
	if fd, ok := fs["buttons"]; ok {
		e.Buttons, en.buttons = p.buttons(fd.val, what)
	}
	return e, en
}

func (p *parser) buttons(n *yaml.Node, what string) ([]Button, []*buttonNodes) {
	n = p.deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: buttons must be a list of `- {text: …, entry: …}` or `- {text: …, url: …}`, not %s", what, kindName(n))
		return nil, nil
	}
	var bs []Button
	var bns []*buttonNodes
	for i, c := range n.Content {
		c = p.deref(c)
		bw := fmt.Sprintf("%s: button #%d", what, i+1)
		if c.Kind != yaml.MappingNode {
			p.errorf(c, "%s must be a mapping like {text: …, entry: other_id}, not %s", bw, kindName(c))
			continue
		}
		fs := p.mapping(c, bw, buttonKeys)
		b, bn := Button{}, &buttonNodes{node: c}
		if fd, ok := fs["text"]; ok {
			b.Text, bn.text = p.str(fd.val, bw+": text")
			b.Text = strings.TrimSpace(b.Text)
		}
		if fd, ok := fs["entry"]; ok {
			b.Entry, bn.entry = p.str(fd.val, bw+": entry")
			b.Entry = strings.TrimSpace(b.Entry)
		}
		if fd, ok := fs["url"]; ok {
			b.URL, bn.url = p.str(fd.val, bw+": url")
			b.URL = strings.TrimSpace(b.URL)
		}
		bs = append(bs, b)
		bns = append(bns, bn)
	}
	return bs, bns
}

func (p *parser) texts(n *yaml.Node, what string) Texts {
	var t Texts
	fs := p.mapping(n, what, textKeys)
	for key, fd := range fs {
		s, sn := p.str(fd.val, what+"."+key)
		s = strings.TrimSpace(s)
		if s == "" {
			continue // an empty text takes the default
		}
		for _, name := range placeholders(s) {
			if contains(Placeholders, name) {
				continue
			}
			msg := fmt.Sprintf("%s.%s: unknown placeholder {%s}", what, key, name)
			if c := closest(name, Placeholders, 1); len(c) > 0 {
				msg += fmt.Sprintf(" — did you mean {%s}?", c[0])
			} else {
				msg += " — known: {position}, {hours}, {next_open}"
			}
			p.errorf(sn, "%s", msg)
		}
		setText(&t, key, s)
	}
	return t
}

func (p *parser) synonyms(n *yaml.Node) [][]string {
	n = p.deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "synonyms must be a list of groups, each like [вернуть, возврат, сдать], not %s", kindName(n))
		return nil
	}
	var out [][]string
	for i, c := range n.Content {
		what := fmt.Sprintf("synonyms: group #%d", i+1)
		words := p.phrases(c, what)
		if len(words) == 1 {
			p.errorf(p.deref(c), "%s has one word — a group needs two or more words that mean the same", what)
		}
		if len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

func (p *parser) hours(n *yaml.Node) Hours {
	h := Hours{}
	hn := p.deref(n)
	fs := p.mapping(n, "hours", hoursKeys)
	if fs == nil {
		return h
	}
	pl := &plan{loc: time.UTC}
	nerrs := len(p.errs)
	tz, ok := fs["timezone"]
	if ok {
		var tn *yaml.Node
		h.TimeZone, tn = p.str(tz.val, "hours.timezone")
		h.TimeZone = strings.TrimSpace(h.TimeZone)
		if loc, err := loadLocation(h.TimeZone); err != nil {
			msg := fmt.Sprintf("hours.timezone: %q is not a time zone", h.TimeZone)
			if h.TimeZone == "" || h.TimeZone == "Local" {
				msg = "hours.timezone: " + err.Error()
			}
			p.errorf(tn, "%s — write an IANA name such as Europe/Moscow or Asia/Yekaterinburg", msg)
		} else {
			pl.loc = loc
		}
	}
	sd, ok := fs["schedule"]
	if !ok {
		pl.always = true
		h.plan = pl
		return h
	}
	sn := p.deref(sd.val)
	if sn.Kind == yaml.ScalarNode && sn.ShortTag() == "!!null" {
		pl.always = true
		h.plan = pl
		return h
	}
	if sn.Kind != yaml.MappingNode {
		p.errorf(sn, "hours.schedule must be a mapping of days to hours, like `mon-fri: \"09:00-21:00\"`, not %s", kindName(sn))
		return h
	}
	if _, ok := fs["timezone"]; !ok {
		p.errorf(hn, "hours: add `timezone:` (for example Europe/Moscow) so the schedule means the same on any server")
	}
	h.Schedule = make(map[string]string, len(sn.Content)/2)
	var dayLine [7]int
	for i := 0; i+1 < len(sn.Content); i += 2 {
		kn := p.deref(sn.Content[i])
		key, _ := p.str(kn, "hours.schedule: a day")
		val, vn := p.str(sn.Content[i+1], "hours.schedule."+key)
		if kn.Kind != yaml.ScalarNode || vn == nil || vn.Kind != yaml.ScalarNode {
			continue
		}
		if _, dup := h.Schedule[key]; dup {
			p.errorf(kn, "hours.schedule: %q is written twice — keep one", key)
			continue
		}
		h.Schedule[key] = val
		days, err := parseDays(key)
		if err != nil {
			p.errorf(kn, "hours.schedule: %v — write days like mon-fri, sat, пн-пт, сб, or daily", err)
			continue
		}
		spans, err := parseRanges(val)
		if err != nil {
			p.errorf(vn, "hours.schedule.%s: %v — write hours like \"09:00-21:00\", \"09:00-13:00, 14:00-18:00\", 24h or closed", key, err)
			continue
		}
		for _, d := range days {
			if dayLine[d] != 0 {
				p.errorf(kn, "hours.schedule: %s is already scheduled at line %d — list each day once", enDayShort[d], dayLine[d])
				continue
			}
			dayLine[d] = kn.Line
			pl.days[d] = append(pl.days[d], spans...)
		}
	}
	pl.sort()
	if len(sn.Content) == 0 {
		pl.always = true
	} else if pl.never() && len(p.errs) == nerrs {
		p.errorf(sn, "hours.schedule has no open hours on any day — add hours, or remove schedule to be open around the clock")
	}
	h.plan = pl
	return h
}

// isBlankAnswer reports whether an answer is empty in effect.
func isBlankAnswer(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) }) == ""
}
