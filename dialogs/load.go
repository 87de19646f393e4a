package dialogs

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"buurtloket"

	"go.yaml.in/yaml/v3"
)

// Limits on flow files, so that a broken or hostile file cannot make the
// service slow or large.
const (
	MaxFlowFileSize = 256 << 10
	MaxFlows        = 50
	MaxSteps        = 100
	MaxOptions      = 6
	MinOptions      = 2
	MaxActions      = 6
	MaxTextLength   = 2000 // the largest max_length a text step may set
	DefaultMaxText  = 500
)

// Source says where flows, texts and pictograms come from. Dir names are
// only used to name files in problems.
type Source struct {
	Flows      fs.FS
	FlowsDir   string
	Locales    fs.FS
	LocalesDir string
	Facts      fs.FS  // holds the facts file; nil for none
	FactsFile  string // the facts file's name in Facts
	FactsDir   string
	Pictograms []string // the pictogram names that exist
}

// Content is a loaded and checked set of flows with their texts. It is never
// changed after Load returns.
type Content struct {
	Catalog *Catalog
	Facts   *Facts
	flows   map[string]*Flow
	order   []string
	replies []*Reply
	texts   []localized // by language index
}

// Flow returns the flow with the given ID, or nil.
func (c *Content) Flow(id string) *Flow { return c.flows[id] }

// Flows returns every flow, in file name order.
func (c *Content) Flows() []*Flow {
	out := make([]*Flow, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.flows[id])
	}
	return out
}

// Load reads and checks flows and texts. It returns the content only when
// there are no errors; warnings come back with it.
func Load(src Source) (*Content, Problems) {
	var probs Problems
	cat := loadCatalog(src.Locales, src.LocalesDir, &probs)
	return loadFlows(src, cat, probs)
}

// loadFlows reads and checks the flows against a loaded catalog (nil when
// the catalog had errors, which probs already holds).
func loadFlows(src Source, cat *Catalog, probs Problems) (*Content, Problems) {
	c := &Content{flows: map[string]*Flow{}, Catalog: cat, Facts: loadFacts(src, &probs)}

	names, err := fs.Glob(src.Flows, "*.yaml")
	if err != nil || len(names) == 0 {
		probs.errorf(src.FlowsDir, 0, "no flow files (*.yaml) found")
	}
	if len(names) > MaxFlows {
		probs.errorf(src.FlowsDir, 0, "%d flow files; at most %d are allowed", len(names), MaxFlows)
		names = names[:MaxFlows]
	}
	for _, name := range names {
		file := path.Join(src.FlowsDir, name)
		data, ok := readContent(src.Flows, name, file, "a flow file", &probs)
		if !ok {
			continue
		}
		f := parseFlow(file, data, &probs)
		if f == nil {
			continue
		}
		if want := strings.TrimSuffix(name, ".yaml"); f.ID != want {
			probs.errorf(file, f.lines["id"], "the flow's id %q must match its file name: write id: %s, or rename the file", f.ID, want)
			continue
		}
		f.content = c
		c.flows[f.ID] = f
		c.order = append(c.order, f.ID)
	}
	sort.Strings(c.order)
	c.replies = loadReplies(src, &probs)

	// When a flow file is broken, its messages would all look unused.
	broken := probs.Errors() > 0
	check(c, src, &probs, broken)
	probs.sort()
	if probs.Errors() > 0 {
		return nil, probs
	}
	c.localize()
	checkPaths(c, &probs)
	probs.sort()
	if probs.Errors() > 0 {
		return nil, probs
	}
	return c, probs
}

var wordPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

var stepKeys = map[Kind][]string{
	KindChoice:   {"options", "reprompt", "example", "label"},
	KindMulti:    {"options", "optional", "reprompt", "example", "label"},
	KindText:     {"max_length", "optional", "reprompt", "example", "label"},
	KindPostcode: {"optional", "reprompt", "example", "label"},
	KindAddress:  {"optional", "reprompt", "example", "label"},
	KindPhone:    {"optional", "reprompt", "example", "label"},
	KindEmail:    {"optional", "reprompt", "example", "label"},
	KindContact:  {"text", "reprompt", "example", "label"},
	KindInfo:     {"text", "actions", "options"},
	KindConfirm:  {},
	KindSubmit:   {"topic", "priority", "priority_rules", "include"},
	KindHandoff:  {"topic", "priority", "priority_rules", "include"},
	KindEnd:      {"text", "text_rules"},
}

var allStepKeys = func() []string {
	keys := []string{"id", "kind", "prompt", "next"}
	for _, k := range kinds {
		for _, key := range stepKeys[k] {
			if !contains(keys, key) {
				keys = append(keys, key)
			}
		}
	}
	return keys
}()

func parseFlow(file string, data []byte, probs *Problems) *Flow {
	y := &yamlFile{name: file, probs: probs}
	root := y.parse(data)
	if root == nil {
		return nil
	}
	top, ok := y.mapping(root, "the flow", "id", "title", "icon", "topic", "start", "steps", "max_taps")
	if !ok {
		return nil
	}
	sum := sha256.Sum256(data)
	f := &Flow{
		ID:      top.str("id", "the flow", true),
		File:    file,
		Version: hex.EncodeToString(sum[:6]),
		Title:   top.str("title", "the flow", true),
		Icon:    top.str("icon", "the flow", false),
		Start:   top.str("start", "the flow", true),
		MaxTaps: top.integer("max_taps", "the flow", DefaultMaxTaps),
		byID:    map[string]*Step{},
		lines:   top.lines,
	}
	if f.MaxTaps < 1 || f.MaxTaps > MaxMaxTaps {
		probs.errorf(file, top.line("max_taps"), "max_taps must be between 1 and %d", MaxMaxTaps)
	}
	if f.ID != "" && !wordPattern.MatchString(f.ID) {
		probs.errorf(file, top.line("id"), "flow id %q must be a lower-case word (a-z, 0-9, _)", f.ID)
	}
	if t := top.str("topic", "the flow", false); t != "" {
		f.Topic = buurtloket.Topic(t)
		if !f.Topic.Valid() {
			probs.errorf(file, top.line("topic"), "unknown topic %q%s", t, suggest(t, topicNames()))
		}
	}
	steps := top.list("steps", "the flow")
	if len(steps) == 0 {
		probs.errorf(file, top.line("steps"), "the flow has no steps")
	}
	if len(steps) > MaxSteps {
		probs.errorf(file, top.line("steps"), "the flow has %d steps; at most %d are allowed", len(steps), MaxSteps)
		steps = steps[:MaxSteps]
	}
	for _, n := range steps {
		s := parseStep(y, n)
		if s == nil {
			continue
		}
		if _, dup := f.byID[s.ID]; dup {
			probs.errorf(file, s.Line, "step id %q is used twice", s.ID)
			continue
		}
		s.index = len(f.Steps)
		f.byID[s.ID] = s
		f.Steps = append(f.Steps, s)
	}
	return f
}

func topicNames() []string {
	var out []string
	for _, t := range buurtloket.Topics {
		out = append(out, string(t))
	}
	return out
}

func parseStep(y *yamlFile, n *yaml.Node) *Step {
	f, ok := y.mapping(n, "a step", allStepKeys...)
	if !ok {
		return nil
	}
	s := &Step{ID: f.str("id", "a step", true), Line: n.Line}
	what := "step " + s.ID
	if s.ID != "" && !wordPattern.MatchString(s.ID) {
		y.probs.errorf(y.name, f.line("id"), "step id %q must be a lower-case word (a-z, 0-9, _)", s.ID)
		return nil
	}
	kind := Kind(f.str("kind", what, true))
	if kind == "" || s.ID == "" {
		return nil
	}
	if !contains(kinds, kind) {
		var names []string
		for _, k := range kinds {
			names = append(names, string(k))
		}
		y.probs.errorf(y.name, f.line("kind"), "unknown step kind %q%s; the kinds are %s", kind, suggest(string(kind), names), strings.Join(names, ", "))
		return nil
	}
	s.Kind = kind
	for key := range f.values {
		if !contains([]string{"id", "kind", "prompt", "next"}, key) && !contains(stepKeys[kind], key) {
			y.probs.errorf(y.name, f.line(key), "%q does not belong in a %s step", key, kind)
		}
	}
	s.Prompt = f.str("prompt", what, kind != KindSubmit && kind != KindHandoff)
	s.Text = f.str("text", what, kind == KindInfo)
	s.Reprompt = f.str("reprompt", what, false)
	s.Label = f.str("label", what, false)
	s.Example = f.str("example", what, false)
	s.Optional = f.boolean("optional", what)
	if kind == KindText {
		s.MaxLength = f.integer("max_length", what, DefaultMaxText)
		if s.MaxLength < 1 || s.MaxLength > MaxTextLength {
			y.probs.errorf(y.name, f.line("max_length"), "max_length must be between 1 and %d", MaxTextLength)
		}
	}
	for _, on := range f.list("options", what) {
		if o := parseOption(y, on, what); o != nil {
			s.Options = append(s.Options, o)
		}
	}
	for _, an := range f.list("actions", what) {
		if a := parseAction(y, an, what); a != nil {
			s.Actions = append(s.Actions, a)
		}
	}
	if v, ok := f.values["next"]; ok {
		s.Next = parseNext(y, f, v, what)
	}
	if kind == KindEnd {
		for _, rn := range f.list("text_rules", what) {
			rf, ok := y.mapping(rn, "a text rule", "if", "text")
			if !ok {
				continue
			}
			r := &TextRule{Line: rn.Line, Text: rf.str("text", "a text rule", true)}
			if cn, ok := rf.values["if"]; ok {
				r.If = parseConditions(y, rf, cn)
			} else {
				y.probs.errorf(y.name, rn.Line, "a text rule needs an if")
			}
			s.TextRules = append(s.TextRules, r)
		}
	}
	if kind == KindSubmit || kind == KindHandoff {
		if t := f.str("topic", what, false); t != "" {
			s.Topic = buurtloket.Topic(t)
			if !s.Topic.Valid() {
				y.probs.errorf(y.name, f.line("topic"), "unknown topic %q%s", t, suggest(t, topicNames()))
			}
		}
		s.Priority = parsePriority(y, f, "priority", what)
		if s.Priority == "" {
			s.Priority = buurtloket.PriorityNormal
		}
		for _, rn := range f.list("priority_rules", what) {
			rf, ok := y.mapping(rn, "a priority rule", "if", "priority")
			if !ok {
				continue
			}
			r := &PriorityRule{Line: rn.Line, Priority: parsePriority(y, rf, "priority", "a priority rule")}
			if r.Priority == "" {
				y.probs.errorf(y.name, rn.Line, "a priority rule needs a priority")
			}
			if cn, ok := rf.values["if"]; ok {
				r.If = parseConditions(y, rf, cn)
			} else {
				y.probs.errorf(y.name, rn.Line, "a priority rule needs an if")
			}
			s.PriorityRules = append(s.PriorityRules, r)
		}
		if v, ok := f.values["include"]; ok {
			s.Include = f.strings(v, "include")
		}
	}
	return s
}

func parsePriority(y *yamlFile, f *fields, key, what string) buurtloket.Priority {
	p := buurtloket.Priority(f.str(key, what, false))
	if p != "" && p.Rank() == 0 {
		y.probs.errorf(y.name, f.line(key), "priority must be normal, high or urgent, not %q", p)
		return ""
	}
	return p
}

func parseOption(y *yamlFile, n *yaml.Node, what string) *Option {
	f, ok := y.mapping(n, "an option of "+what, "id", "label", "icon", "next", "flow", "exclusive")
	if !ok {
		return nil
	}
	o := &Option{
		ID:    f.str("id", "an option of "+what, true),
		Label: f.str("label", "option "+f.str("id", "", false), true),
		Icon:  f.str("icon", "option "+f.str("id", "", false), false),
		Next:  f.str("next", "an option", false),
		Flow:  f.str("flow", "an option", false),
		Line:  n.Line,
	}
	o.Exclusive = f.boolean("exclusive", "an option")
	if o.ID != "" && (!wordPattern.MatchString(o.ID) || o.ID == Answered || o.ID == Skipped) {
		y.probs.errorf(y.name, f.line("id"), "option id %q must be a lower-case word (a-z, 0-9, _), and not answered or skipped", o.ID)
		return nil
	}
	if o.Next != "" && o.Flow != "" {
		y.probs.errorf(y.name, f.line("flow"), "option %q has both next and flow: choose one", o.ID)
	}
	return o
}

func parseAction(y *yamlFile, n *yaml.Node, what string) *Action {
	f, ok := y.mapping(n, "an action of "+what, "label", "phone", "link")
	if !ok {
		return nil
	}
	a := &Action{
		Label: f.str("label", "an action", true),
		Phone: f.str("phone", "an action", false),
		Link:  f.str("link", "an action", false),
		Line:  n.Line,
	}
	if (a.Phone == "") == (a.Link == "") {
		y.probs.errorf(y.name, n.Line, "an action needs either a phone or a link")
	}
	return a
}

// parseNext reads "next: step" or a list of rules "- if: {...}\n  goto: step".
func parseNext(y *yamlFile, f *fields, v *yaml.Node, what string) []*Rule {
	switch v.Kind {
	case yaml.ScalarNode:
		return []*Rule{{Goto: strings.TrimSpace(v.Value), Line: v.Line}}
	case yaml.SequenceNode:
		var rules []*Rule
		for i, rn := range v.Content {
			rf, ok := y.mapping(rn, "a rule of "+what, "if", "goto")
			if !ok {
				continue
			}
			r := &Rule{Goto: rf.str("goto", "a rule", true), Line: rn.Line}
			if cn, ok := rf.values["if"]; ok {
				r.If = parseConditions(y, rf, cn)
			} else if i != len(v.Content)-1 {
				y.probs.errorf(y.name, rn.Line, "only the last rule may be without if: the rules after it are never used")
			}
			rules = append(rules, r)
		}
		if len(rules) > 0 && rules[len(rules)-1].If != nil {
			y.probs.errorf(y.name, v.Line, "the last rule of next must have no if, so that there is always a way on")
		}
		return rules
	}
	y.probs.errorf(y.name, v.Line, "next must be a step id or a list of rules")
	return nil
}

// parseConditions reads "if: {step: value}" or "if: {step: [value, value]}".
func parseConditions(y *yamlFile, f *fields, n *yaml.Node) []Condition {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		y.probs.errorf(y.name, n.Line, "if must map step ids to answers, such as {letter: [bailiff, summons]}")
		return []Condition{{}}
	}
	var conds []Condition
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		conds = append(conds, Condition{Step: k.Value, Values: f.strings(v, "the answers in if")})
	}
	return conds
}

// readContent reads a content file of at most MaxFlowFileSize bytes, and
// reports why it cannot.
func readContent(fsys fs.FS, name, file, what string, probs *Problems) ([]byte, bool) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		probs.errorf(file, 0, "cannot read: %v", err)
		return nil, false
	}
	if len(data) > MaxFlowFileSize {
		probs.errorf(file, 1, "the file is %d bytes; %s may be at most %d", len(data), what, MaxFlowFileSize)
		return nil, false
	}
	return data, true
}
