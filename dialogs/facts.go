package dialogs

import (
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Facts are the names, phone numbers, links and hours of the organisations
// that deploy buurtloket: one replaceable file (facts/schiedam.yaml), used
// by texts and actions through placeholders such as {{.CorporationPhone}},
// so that another city or corporation changes one file, not six languages.
type Facts struct {
	file  string
	byKey map[string]*Fact
	order []string // file order
	data  map[string]any
	// Facts whose entry is wrong: reported once, at the entry, and not
	// again at every text that names them.
	invalid map[string]bool
}

// known reports whether the facts file has an entry of that name, valid or
// not.
func (f *Facts) known(key string) bool {
	_, ok := f.Get(key)
	return ok || (f != nil && f.invalid[key])
}

// Fact is one entry of the facts file.
type Fact struct {
	Key      string
	Kind     FactKind
	Value    string
	Verified bool   // someone checked the value against the organisation's own source
	Source   string // where the value comes from
	Line     int
}

// FactKind says what a fact's value is, and so how it is checked.
type FactKind string

const (
	FactName  FactKind = "name"  // an organisation or place: Woonplus
	FactPhone FactKind = "phone" // a phone number: 010 20 45 100
	FactLink  FactKind = "link"  // a web address: https://www.woonplus.nl
	FactTime  FactKind = "time"  // a time of day: 8.30
)

var factKinds = []string{string(FactName), string(FactPhone), string(FactLink), string(FactTime)}

// Limits on the facts file.
const (
	MaxFactsFileSize = 64 << 10
	MaxFacts         = 200
	maxFactValue     = 100
	maxFactSource    = 300
)

var (
	factKey     = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{1,39}$`)
	timePattern = regexp.MustCompile(`^([01]?[0-9]|2[0-3])[.:][0-5][0-9]$`)
	// factRef is an action's phone or link written as one placeholder.
	factRef = regexp.MustCompile(`^{{\s*\.(\w+)\s*}}$`)
	// phoneInText finds a phone number written into a text instead of
	// taken from the facts file: a 0, +31 or (010) and at least eight more
	// digits, or a municipal 14 0xx number.
	phoneInText = regexp.MustCompile(`(\+31|\(0\d{1,3}\)|\b0\d)[\d ()-]{6,14}\d\b|\b14 ?0\d{2}\b`)
)

// Get returns the fact with the given key.
func (f *Facts) Get(key string) (*Fact, bool) {
	if f == nil {
		return nil, false
	}
	x, ok := f.byKey[key]
	return x, ok
}

// All returns every fact, in file order.
func (f *Facts) All() []*Fact {
	if f == nil {
		return nil
	}
	out := make([]*Fact, 0, len(f.order))
	for _, k := range f.order {
		out = append(out, f.byKey[k])
	}
	return out
}

// loadFacts reads and checks the facts file. A missing source means no
// facts: every placeholder is then reported as unknown.
func loadFacts(src Source, probs *Problems) *Facts {
	facts := &Facts{byKey: map[string]*Fact{}, data: map[string]any{}, invalid: map[string]bool{}}
	if src.Facts == nil {
		return facts
	}
	facts.file = path.Join(src.FactsDir, src.FactsFile)
	data, err := fs.ReadFile(src.Facts, src.FactsFile)
	if err != nil {
		probs.errorf(facts.file, 0, "cannot read the facts file: %v", fs.ErrNotExist)
		return facts
	}
	if len(data) > MaxFactsFileSize {
		probs.errorf(facts.file, 1, "the file is %d bytes; a facts file may be at most %d", len(data), MaxFactsFileSize)
		return facts
	}
	y := &yamlFile{name: facts.file, probs: probs}
	root := y.parse(data)
	if root == nil {
		return facts
	}
	if root.Kind != yaml.MappingNode {
		probs.errorf(facts.file, root.Line, "a facts file maps names such as CorporationPhone to a kind, a value and a source")
		return facts
	}
	if n := len(root.Content) / 2; n > MaxFacts {
		probs.errorf(facts.file, root.Line, "%d facts; a facts file may have at most %d", n, MaxFacts)
		return facts
	}
	seen := map[string]bool{}
	for j := 0; j+1 < len(root.Content); j += 2 {
		k, v := root.Content[j], root.Content[j+1]
		if !factKey.MatchString(k.Value) {
			probs.errorf(facts.file, k.Line, "%q is not a fact name: write words joined in capitals, such as CorporationPhone", k.Value)
			continue
		}
		if seen[k.Value] {
			probs.errorf(facts.file, k.Line, "fact %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		facts.invalid[k.Value] = true // until it has passed every check
		what := "fact " + k.Value
		f, ok := y.mapping(v, what, "kind", "value", "verified", "source")
		if !ok {
			continue
		}
		x := &Fact{
			Key:      k.Value,
			Kind:     FactKind(f.str("kind", what, true)),
			Value:    strings.TrimSpace(f.str("value", what, true)),
			Verified: f.boolean("verified", what),
			Source:   strings.TrimSpace(f.str("source", what, true)),
			Line:     k.Line,
		}
		if !f.has("verified") {
			probs.errorf(facts.file, k.Line, "fact %q needs verified: true (checked with the organisation) or false", x.Key)
		}
		if x.Kind == "" || x.Value == "" || x.Source == "" {
			continue // reported by str
		}
		if msg := checkFactValue(x); msg != "" {
			probs.errorf(facts.file, f.line("value"), "fact %q: %s", x.Key, msg)
			continue
		}
		if utf8.RuneCountInString(x.Source) > maxFactSource {
			probs.errorf(facts.file, f.line("source"), "fact %q: the source may be at most %d characters", x.Key, maxFactSource)
		}
		if !x.Verified {
			probs.warnf(facts.file, k.Line, "fact %q (%s) is not verified: %s", x.Key, x.Value, x.Source)
		}
		delete(facts.invalid, x.Key)
		facts.byKey[x.Key] = x
		facts.order = append(facts.order, x.Key)
		facts.data[x.Key] = x.Value
	}
	return facts
}

// checkFactValue returns what is wrong with a fact's value, or "".
func checkFactValue(x *Fact) string {
	if n := utf8.RuneCountInString(x.Value); n > maxFactValue {
		return "the value may be at most 100 characters"
	}
	for _, r := range x.Value {
		// Format characters too: a direction override or a zero-width
		// space would reorder or hide what a resident reads.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '<' || r == '>' || r == '{' || r == '}' {
			return "the value may not hold control or format characters, < > or { }"
		}
	}
	switch x.Kind {
	case FactName:
	case FactPhone:
		if !phonePattern.MatchString(x.Value) {
			return "a phone number has digits, spaces and dashes, such as 010 20 45 100"
		}
	case FactLink:
		if u, err := url.Parse(x.Value); err != nil || u.Scheme != "https" || u.Host == "" {
			return "a link is a full address starting with https://"
		}
	case FactTime:
		if !timePattern.MatchString(x.Value) {
			return "a time is written as 8.30 or 17.00"
		}
	default:
		return "kind must be one of " + strings.Join(factKinds, ", ") + ", not " + string(x.Kind)
	}
	return ""
}

// resolveAction replaces an action's phone or link placeholder with the
// fact's value. Only 112 may be written as it is: every other number lives
// in the facts file, where an operator can replace it.
func resolveAction(facts *Facts, file string, a *Action, used map[string]bool, probs *Problems) {
	resolve := func(field string, value *string, kind FactKind) {
		if *value == "" || (kind == FactPhone && *value == "112") {
			return
		}
		m := factRef.FindStringSubmatch(*value)
		if m == nil {
			probs.errorf(file, a.Line, "%s %q: write the fact's name, such as {{.CorporationPhone}}, and put the value in the facts file", field, *value)
			return
		}
		x, ok := facts.Get(m[1])
		if !ok && facts.known(m[1]) {
			return
		}
		if !ok {
			probs.errorf(file, a.Line, "%s %q: the facts file %s has no fact %q", field, *value, facts.file, m[1])
			return
		}
		used[x.Key] = true
		if x.Kind != kind {
			probs.errorf(file, a.Line, "%s %q: fact %q is a %s, not a %s", field, *value, x.Key, x.Kind, kind)
			return
		}
		*value = x.Value
	}
	resolve("phone", &a.Phone, FactPhone)
	resolve("link", &a.Link, FactLink)
}

// useFacts renders every message whose placeholders are all facts, so that
// such a message is looked up like a plain one, and makes the facts
// available to messages filled in at run time. In right-to-left languages a
// phone number that a fact brings in must be isolated like a written one.
func (c *Catalog) useFacts(facts *Facts, used map[string]bool, probs *Problems) {
	c.facts = facts.data
	for i, l := range c.languages {
		for id, m := range c.messages[i] {
			if m.plural || len(m.holders) == 0 {
				continue
			}
			all := true
			for _, h := range m.holders {
				if _, ok := facts.Get(h); ok {
					used[h] = true
				} else {
					all = false
				}
			}
			if !all {
				continue
			}
			text := c.Format(l.Code, id, nil)
			if l.RTL {
				if n := unisolated(text); n != "" {
					probs.errorf(c.files[i], m.line, "message %q shows %q, which right-to-left text turns around: write the placeholder as \u2066{{.Name}}\u2069 (left-to-right isolate)", id, n)
				}
			}
			c.plain[i][id] = text
		}
	}
}

// checkUnusedFacts warns about facts no text or action uses: probably a
// misspelt name, or a number residents never see.
func checkUnusedFacts(facts *Facts, used map[string]bool, probs *Problems) {
	for _, x := range facts.All() {
		if !used[x.Key] {
			probs.warnf(facts.file, x.Line, "fact %q is not used by any text or action", x.Key)
		}
	}
}

func factNames(f *Facts) []string {
	if f == nil {
		return nil
	}
	return f.order
}
