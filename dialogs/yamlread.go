package dialogs

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlFile reads one YAML document and reports what is wrong with it as
// Problems with line numbers, instead of stopping at the first error.
type yamlFile struct {
	name  string
	probs *Problems
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// parse returns the document's root node, or nil after reporting a syntax error.
func (y *yamlFile) parse(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		msg = yamlLine.ReplaceAllString(msg, "")
		msg = strings.TrimLeft(msg, ": ")
		y.probs.errorf(y.name, line, "syntax error: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		y.probs.errorf(y.name, 1, "the file is empty")
		return nil
	}
	return doc.Content[0]
}

// fields is a YAML mapping read as key -> value, keeping where each key is.
type fields struct {
	y      *yamlFile
	node   *yaml.Node
	values map[string]*yaml.Node
	lines  map[string]int
}

// mapping checks that n is a mapping with only the allowed keys and returns its
// fields. It reports unknown and duplicate keys.
func (y *yamlFile) mapping(n *yaml.Node, what string, allowed ...string) (*fields, bool) {
	if n.Kind != yaml.MappingNode {
		y.probs.errorf(y.name, n.Line, "%s must be a mapping of keys to values", what)
		return nil, false
	}
	f := &fields{y: y, node: n, values: map[string]*yaml.Node{}, lines: map[string]int{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			y.probs.errorf(y.name, k.Line, "%s has a key that is not a plain word", what)
			continue
		}
		if !contains(allowed, key) {
			y.probs.errorf(y.name, k.Line, "unknown key %q in %s%s", key, what, suggest(key, allowed))
			continue
		}
		if _, dup := f.values[key]; dup {
			y.probs.errorf(y.name, k.Line, "key %q appears twice in %s", key, what)
			continue
		}
		f.values[key] = v
		f.lines[key] = k.Line
	}
	return f, true
}

func (f *fields) has(key string) bool { _, ok := f.values[key]; return ok }

// line returns the line of key, or of the mapping when the key is absent.
func (f *fields) line(key string) int {
	if l, ok := f.lines[key]; ok {
		return l
	}
	return f.node.Line
}

// str returns the string value of key; required keys are reported when absent.
func (f *fields) str(key, what string, required bool) string {
	v, ok := f.values[key]
	if !ok {
		if required {
			f.y.probs.errorf(f.y.name, f.node.Line, "%s has no %q", what, key)
		}
		return ""
	}
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		f.y.probs.errorf(f.y.name, v.Line, "%q in %s must be a single value", key, what)
		return ""
	}
	s := strings.TrimSpace(v.Value)
	if s == "" && required {
		f.y.probs.errorf(f.y.name, v.Line, "%q in %s is empty", key, what)
	}
	return s
}

func (f *fields) integer(key, what string, def int) int {
	v, ok := f.values[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		f.y.probs.errorf(f.y.name, v.Line, "%q in %s must be a whole number", key, what)
		return def
	}
	return n
}

func (f *fields) boolean(key, what string) bool {
	v, ok := f.values[key]
	if !ok {
		return false
	}
	switch v.Value {
	case "true", "yes":
		return true
	case "false", "no":
		return false
	}
	f.y.probs.errorf(f.y.name, v.Line, "%q in %s must be true or false", key, what)
	return false
}

// list returns the items of a sequence value.
func (f *fields) list(key, what string) []*yaml.Node {
	v, ok := f.values[key]
	if !ok {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		f.y.probs.errorf(f.y.name, v.Line, "%q in %s must be a list", key, what)
		return nil
	}
	return v.Content
}

// strings returns a value that may be one word or a list of words.
func (f *fields) strings(v *yaml.Node, what string) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}
	case yaml.SequenceNode:
		var out []string
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				f.y.probs.errorf(f.y.name, item.Line, "%s must be a list of words", what)
				continue
			}
			out = append(out, item.Value)
		}
		return out
	}
	f.y.probs.errorf(f.y.name, v.Line, "%s must be a word or a list of words", what)
	return nil
}

func contains[T comparable](list []T, x T) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// suggest returns ` (did you mean "x"?)` for the allowed word closest to word.
func suggest(word string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if d := editDistance(word, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	if best == "" {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
