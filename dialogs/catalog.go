package dialogs

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// Language is one shipped language, as listed in languages.yaml.
type Language struct {
	Code     string // BCP 47, as in the message file name: nl, ar, pl
	Name     string // its own name: Nederlands, العربية
	RTL      bool
	Source   bool   // the language the texts are written in (Dutch)
	Reviewed bool   // a native speaker has reviewed the texts
	Voice    string // the espeak-ng voice that reads it aloud; default its code
	Line     int
}

// MaxMessageFileSize bounds a message file: the shipped ones are about 20 KiB.
const MaxMessageFileSize = 1 << 20

// pluralForms are the CLDR plural categories go-i18n knows.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// message is one message as defined in one language's file.
type message struct {
	line    int
	forms   map[string]string // plural form -> text; a plain message has only "other"
	plural  bool
	holders []string // template placeholders, sorted
}

// Catalog holds every resident-facing text in every shipped language. Plain
// texts are resolved once at load time, so looking one up costs a map access.
type Catalog struct {
	languages []Language
	index     map[string]int
	source    int                   // index of the source language
	messages  []map[string]*message // by language index
	plain     []map[string]string   // by language index: messages without plural or placeholders
	files     []string              // by language index: file name for problems
	required  [][]string            // by language index: plural forms the language needs
	localizer []*i18n.Localizer     // by language index
	langFile  string                // languages.yaml, for problems
	facts     map[string]any        // the facts file's values, by name
}

// Languages lists the shipped languages, source language first.
func (c *Catalog) Languages() []Language { return c.languages }

// Language returns the language with the given code.
func (c *Catalog) Language(code string) (Language, bool) {
	i, ok := c.index[code]
	if !ok {
		return Language{}, false
	}
	return c.languages[i], true
}

// SourceLanguage returns the code of the language the texts are written in.
func (c *Catalog) SourceLanguage() string { return c.languages[c.source].Code }

// Has reports whether the source language defines the message.
func (c *Catalog) Has(id string) bool { _, ok := c.messages[c.source][id]; return ok }

// IDs lists the source language's message IDs, sorted: every shipped
// language has them all.
func (c *Catalog) IDs() []string {
	ids := make([]string, 0, len(c.messages[c.source]))
	for id := range c.messages[c.source] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Sample renders a message in lang as a resident may see it: a plain one
// as it is, one with placeholders with sample values for those that are
// not facts (a ticket code, a count of 2), in the plural form of 2.
func (c *Catalog) Sample(lang, id string) string {
	m := c.messages[c.source][id]
	if m == nil {
		return id
	}
	data := map[string]any{}
	for _, h := range m.holders {
		if _, fact := c.facts[h]; !fact {
			data[h] = sampleValues[h]
			if data[h] == nil {
				data[h] = "2"
			}
		}
	}
	switch {
	case m.plural:
		return c.Plural(lang, id, 2, data)
	case len(m.holders) > 0:
		return c.Format(lang, id, data)
	}
	return c.Text(lang, id)
}

// sampleValues are the placeholders the channels fill in, for Sample.
var sampleValues = map[string]any{"Ticket": "K7QM-3XHD", "PIN": "4821", "Count": 2, "Total": 3, "Max": 2000, "Language": "Nederlands", "Status": "open"}

// Text returns a plain message in lang, falling back to the source language,
// and to the ID itself so that a gap is visible but never a crash.
func (c *Catalog) Text(lang, id string) string {
	if i, ok := c.index[lang]; ok {
		if s, ok := c.plain[i][id]; ok {
			return s
		}
	}
	if s, ok := c.plain[c.source][id]; ok {
		return s
	}
	return id
}

// Format renders a message with placeholders ({{.Name}}) in lang. Facts
// (such as {{.CorporationPhone}}) are filled in unless data names them.
func (c *Catalog) Format(lang, id string, data map[string]any) string {
	return c.localize(lang, id, &i18n.LocalizeConfig{MessageID: id, TemplateData: c.withFacts(lang, id, data)})
}

// Plural renders a message with plural forms for count in lang; data may add
// placeholders, and {{.Count}} is always count.
func (c *Catalog) Plural(lang, id string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return c.localize(lang, id, &i18n.LocalizeConfig{MessageID: id, TemplateData: c.withFacts(lang, id, d), PluralCount: count})
}

// withFacts adds the facts to data when the message uses one, so that
// messages without facts cost no copy.
func (c *Catalog) withFacts(lang, id string, data map[string]any) map[string]any {
	i, ok := c.index[lang]
	if !ok {
		i = c.source
	}
	m := c.messages[i][id]
	if m == nil || len(c.facts) == 0 {
		return data
	}
	needs := false
	for _, h := range m.holders {
		if _, ok := c.facts[h]; ok {
			if _, given := data[h]; !given {
				needs = true
			}
		}
	}
	if !needs {
		return data
	}
	d := make(map[string]any, len(c.facts)+len(data))
	for k, v := range c.facts {
		d[k] = v
	}
	for k, v := range data {
		d[k] = v
	}
	return d
}

func (c *Catalog) localize(lang, id string, cfg *i18n.LocalizeConfig) string {
	i, ok := c.index[lang]
	if !ok {
		i = c.source
	}
	s, err := c.localizer[i].Localize(cfg)
	if err != nil && s == "" {
		return id
	}
	return s
}

// loadCatalog reads languages.yaml and one <code>.yaml message file per
// language from fsys. dir is the folder name used in problems.
func loadCatalog(fsys fs.FS, dir string, probs *Problems) *Catalog {
	c := &Catalog{index: map[string]int{}, source: -1, langFile: path.Join(dir, "languages.yaml")}
	data, err := fs.ReadFile(fsys, "languages.yaml")
	if err != nil {
		probs.errorf(c.langFile, 0, "cannot read the list of languages: %v", fs.ErrNotExist)
		return nil
	}
	if len(data) > MaxMessageFileSize {
		probs.errorf(c.langFile, 1, "the file is %d bytes; at most %d", len(data), MaxMessageFileSize)
		return nil
	}
	c.readLanguages(data, probs)
	if len(c.languages) == 0 || c.source < 0 {
		return nil
	}
	// A message file for a language that is not listed is a mistake.
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "languages.yaml" || !strings.HasSuffix(name, ".yaml") {
			continue
		}
		if _, ok := c.index[strings.TrimSuffix(name, ".yaml")]; !ok {
			probs.errorf(path.Join(dir, name), 1, "language %q is not listed in languages.yaml", strings.TrimSuffix(name, ".yaml"))
		}
	}

	bundle := i18n.NewBundle(language.Make(c.languages[c.source].Code))
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	c.messages = make([]map[string]*message, len(c.languages))
	c.plain = make([]map[string]string, len(c.languages))
	c.files = make([]string, len(c.languages))
	c.required = make([][]string, len(c.languages))
	c.localizer = make([]*i18n.Localizer, len(c.languages))
	ok := true
	for i, l := range c.languages {
		name := l.Code + ".yaml"
		c.files[i] = path.Join(dir, name)
		c.required[i] = requiredForms(l.Code)
		c.messages[i] = map[string]*message{}
		c.plain[i] = map[string]string{}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs.errorf(c.langFile, l.Line, "language %q has no message file %s", l.Code, name)
			ok = false
			continue
		}
		if len(data) > MaxMessageFileSize {
			probs.errorf(c.files[i], 1, "the file is %d bytes; a message file may be at most %d", len(data), MaxMessageFileSize)
			ok = false
			continue
		}
		if !c.readMessages(i, data, probs) {
			ok = false
			continue
		}
		if _, err := bundle.ParseMessageFileBytes(data, name); err != nil {
			probs.errorf(c.files[i], 1, "cannot load messages: %v", err)
			ok = false
			continue
		}
		c.localizer[i] = i18n.NewLocalizer(bundle, l.Code)
		for id, m := range c.messages[i] {
			if !m.plural && len(m.holders) == 0 {
				c.plain[i][id] = m.forms["other"]
			}
		}
	}
	if !ok {
		return nil
	}
	c.compare(probs)
	return c
}

func (c *Catalog) readLanguages(data []byte, probs *Problems) {
	y := &yamlFile{name: c.langFile, probs: probs}
	root := y.parse(data)
	if root == nil {
		return
	}
	if root.Kind != yaml.SequenceNode {
		probs.errorf(c.langFile, root.Line, "the file must be a list of languages")
		return
	}
	for _, n := range root.Content {
		f, ok := y.mapping(n, "a language", "code", "name", "dir", "source", "reviewed", "note", "voice")
		if !ok {
			continue
		}
		l := Language{
			Code:     f.str("code", "a language", true),
			Name:     f.str("name", "a language", true),
			Source:   f.boolean("source", "a language"),
			Reviewed: f.boolean("reviewed", "a language"),
			Voice:    f.str("voice", "a language", false),
			Line:     n.Line,
		}
		if l.Voice == "" {
			l.Voice = l.Code
		}
		switch dir := f.str("dir", "a language", false); dir {
		case "", "ltr":
		case "rtl":
			l.RTL = true
		default:
			probs.errorf(c.langFile, f.line("dir"), "dir must be ltr or rtl, not %q", dir)
		}
		if l.Code == "" {
			continue
		}
		if tag, err := language.Parse(l.Code); err != nil || tag.String() != l.Code {
			probs.errorf(c.langFile, f.line("code"), "%q is not a language code such as nl or ar", l.Code)
			continue
		}
		if _, dup := c.index[l.Code]; dup {
			probs.errorf(c.langFile, f.line("code"), "language %q is listed twice", l.Code)
			continue
		}
		if l.Source {
			if c.source >= 0 {
				probs.errorf(c.langFile, f.line("source"), "only one language can be the source")
				continue
			}
			c.source = len(c.languages)
		}
		if !l.Reviewed {
			probs.warnf(c.langFile, l.Line, "%s (%s) has not been reviewed by a native speaker", l.Name, l.Code)
		}
		c.index[l.Code] = len(c.languages)
		c.languages = append(c.languages, l)
	}
	if len(c.languages) > 0 && c.source < 0 {
		probs.errorf(c.langFile, root.Line, "no language is marked as the source (source: true)")
	}
	// The source language comes first everywhere languages are listed.
	if c.source > 0 {
		src := c.languages[c.source]
		c.languages = slices.Delete(c.languages, c.source, c.source+1)
		c.languages = slices.Insert(c.languages, 0, src)
		for i, l := range c.languages {
			c.index[l.Code] = i
		}
		c.source = 0
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// bareNumber finds numbers made of parts, such as phone numbers (0800-8115)
// and postcodes (3112 AB, 3112 AB 14): in right-to-left text their parts
// change places unless isolated.
var bareNumber = regexp.MustCompile(`\d+[- ]\d+(?:[- ]\d+)*|\d{4} ?[A-Z]{2}\b(?: \d+)?`)

// unisolated returns the first number in text that is not isolated, or "".
func unisolated(text string) string {
	for _, n := range bareNumber.FindAllString(text, -1) {
		if !isolated(text, n) {
			return n
		}
	}
	return ""
}

// isolated reports whether every occurrence of n in text is wrapped in a
// left-to-right isolate (U+2066 … U+2069).
func isolated(text, n string) bool {
	for rest := text; ; {
		i := strings.Index(rest, n)
		if i < 0 {
			return true
		}
		before, after := rest[:i], rest[i+len(n):]
		if !strings.HasSuffix(before, "\u2066") || !strings.HasPrefix(after, "\u2069") {
			return false
		}
		rest = after
	}
}

// readMessages reads one message file with line numbers. go-i18n reads the
// same bytes afterwards; this pass is for clear problems.
func (c *Catalog) readMessages(i int, data []byte, probs *Problems) bool {
	file := c.files[i]
	y := &yamlFile{name: file, probs: probs}
	before := probs.Errors()
	root := y.parse(data)
	if root == nil {
		return false
	}
	if root.Kind != yaml.MappingNode {
		probs.errorf(file, root.Line, "a message file must map message IDs to texts")
		return false
	}
	for j := 0; j+1 < len(root.Content); j += 2 {
		k, v := root.Content[j], root.Content[j+1]
		id := k.Value
		if !validID(id) {
			probs.errorf(file, k.Line, "%q is not a message ID: use lower-case words joined by dots, such as money.bills.prompt", id)
			continue
		}
		if _, dup := c.messages[i][id]; dup {
			probs.errorf(file, k.Line, "message %q appears twice", id)
			continue
		}
		m := &message{line: k.Line, forms: map[string]string{}}
		switch v.Kind {
		case yaml.ScalarNode:
			m.forms["other"] = v.Value
		case yaml.MappingNode:
			f, ok := y.mapping(v, "message "+id, append(pluralForms, "description")...)
			if !ok {
				continue
			}
			for _, form := range pluralForms {
				if f.has(form) {
					m.forms[form] = f.str(form, "message "+id, true)
				}
			}
			if len(m.forms) == 0 {
				probs.errorf(file, k.Line, "message %q has no text", id)
				continue
			}
			m.plural = len(m.forms) > 1 || m.forms["other"] == ""
		default:
			probs.errorf(file, k.Line, "message %q must be a text, or plural forms (one, other, ...)", id)
			continue
		}
		holders := map[string]bool{}
		for form, text := range m.forms {
			if strings.TrimSpace(text) == "" {
				probs.errorf(file, k.Line, "message %q is empty", id)
			}
			if strings.Contains(text, "{{") && !placeholder.MatchString(text) {
				probs.errorf(file, k.Line, "message %q (%s) has a broken placeholder: write {{.Name}}", id, form)
			}
			for _, h := range placeholder.FindAllStringSubmatch(text, -1) {
				holders[h[1]] = true
			}
		}
		for h := range holders {
			m.holders = append(m.holders, h)
		}
		sort.Strings(m.holders)
		c.messages[i][id] = m
	}
	return probs.Errors() == before
}

var idPattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

func validID(id string) bool { return len(id) <= 100 && idPattern.MatchString(id) }

// compare checks every language against the source: same messages, same
// placeholders, and all plural forms the language needs.
func (c *Catalog) compare(probs *Problems) {
	src := c.messages[c.source]
	srcFile := c.files[c.source]
	for i, l := range c.languages {
		for _, id := range sortedKeys(src) {
			sm := src[id]
			m, ok := c.messages[i][id]
			if !ok {
				if i != c.source {
					probs.errorf(srcFile, sm.line, "message %q has no translation in %s", id, path.Base(c.files[i]))
				}
				continue
			}
			if l.RTL {
				for _, text := range m.forms {
					if n := unisolated(text); n != "" {
						probs.errorf(c.files[i], m.line, "message %q shows %q, which right-to-left text turns around: write it as \u2066%s\u2069 (left-to-right isolate)", id, n, n)
						break
					}
				}
			}
			if i != c.source && !slices.Equal(m.holders, sm.holders) {
				probs.errorf(c.files[i], m.line, "message %q has placeholders %v, but the source has %v", id, m.holders, sm.holders)
			}
			if m.plural != sm.plural {
				probs.errorf(c.files[i], m.line, "message %q must have plural forms exactly when the source has them", id)
				continue
			}
			if !m.plural {
				continue
			}
			for _, form := range c.required[i] {
				if _, ok := m.forms[form]; !ok {
					probs.errorf(c.files[i], m.line, "message %q lacks the plural form %q that %s needs (it needs %s)", id, form, l.Name, strings.Join(c.required[i], ", "))
				}
			}
			for form := range m.forms {
				if !contains(c.required[i], form) {
					probs.warnf(c.files[i], m.line, "message %q has the plural form %q that %s never uses", id, form, l.Name)
				}
			}
		}
		if i == c.source {
			continue
		}
		for id, m := range c.messages[i] {
			if _, ok := src[id]; !ok {
				probs.errorf(c.files[i], m.line, "message %q is not in the source language (%s): remove it or add it there", id, path.Base(srcFile))
			}
		}
	}
}

// requiredForms asks go-i18n's CLDR rules which plural forms a language uses,
// by counting whole numbers and fractions, so the check never drifts from the
// rules used at run time. The answer depends only on go-i18n's built-in
// rules, so it is computed once per language.
func requiredForms(code string) []string {
	if forms, ok := pluralCache.Load(code); ok {
		return forms.([]string)
	}
	forms := probeForms(code)
	pluralCache.Store(code, forms)
	return forms
}

var pluralCache sync.Map // language code -> []string

func probeForms(code string) []string {
	tag := language.Make(code)
	b := i18n.NewBundle(tag)
	b.MustAddMessages(tag, &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"})
	loc := i18n.NewLocalizer(b, code)
	seen := map[string]bool{}
	try := func(n any) {
		if s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n}); err == nil {
			seen[s] = true
		}
	}
	for n := 0; n <= 1200; n++ {
		try(n)
	}
	for _, n := range []string{"0.5", "1.5", "2.5", "10.5", "1000000"} {
		try(n)
	}
	var forms []string
	for _, f := range pluralForms {
		if seen[f] {
			forms = append(forms, f)
		}
	}
	return forms
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// LoadCatalog reads a catalog of its own from fsys: languages.yaml and one
// message file per language, checked as the residents' texts are (every
// message in every language, placeholders, plural forms). The staff
// console's texts are one (locales/staff). dir names the folder in
// problems; the catalog is nil when there are errors.
func LoadCatalog(fsys fs.FS, dir string) (*Catalog, Problems) {
	var probs Problems
	c := loadCatalog(fsys, dir, &probs)
	if probs.Errors() > 0 || c == nil {
		return nil, probs
	}
	return c, probs
}
