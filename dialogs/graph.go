package dialogs

import (
	"fmt"
	"io"
	"strings"
)

// Graph formats.
const (
	GraphMermaid = "mermaid"
	GraphDot     = "dot"
)

// WriteGraph draws a flow as a Mermaid flowchart or a Graphviz digraph, with
// each step labelled by its kind and its question in lang, and each way on
// labelled by the option or condition that leads there.
func (c *Content) WriteGraph(w io.Writer, flowID, format, lang string) error {
	f := c.flows[flowID]
	if f == nil {
		return fmt.Errorf("there is no flow %q", flowID)
	}
	if _, ok := c.Catalog.Language(lang); !ok {
		lang = c.Catalog.SourceLanguage()
	}
	type edge struct{ from, to, label string }
	var edges []edge
	for _, s := range f.Steps {
		for _, o := range s.Options {
			switch {
			case o.Next != "":
				edges = append(edges, edge{s.ID, o.Next, c.Catalog.Text(lang, o.Label)})
			case o.Flow != "":
				edges = append(edges, edge{s.ID, "flow:" + o.Flow, c.Catalog.Text(lang, o.Label)})
			}
		}
		if allOptionsLead(s) {
			continue
		}
		for _, r := range s.Next {
			edges = append(edges, edge{s.ID, r.Goto, conditionText(r.If)})
		}
	}
	label := func(s *Step) string {
		text := s.Prompt
		if text != "" {
			text = c.Catalog.Text(lang, text)
		}
		return fmt.Sprintf("%s (%s)\n%s", s.ID, s.Kind, text)
	}
	switch format {
	case GraphMermaid, "":
		fmt.Fprintln(w, "flowchart TD")
		for _, s := range f.Steps {
			open, close := "[", "]"
			switch {
			case s.ID == f.Start:
				open, close = "([", "])"
			case terminal(s):
				open, close = "[[", "]]"
			case s.Kind == KindSubmit || s.Kind == KindHandoff:
				open, close = "[/", "/]"
			}
			fmt.Fprintf(w, "  %s%s\"%s\"%s\n", s.ID, open, mermaidEscape(label(s)), close)
		}
		for _, e := range edges {
			to := strings.ReplaceAll(e.to, ":", "_")
			if e.label == "" {
				fmt.Fprintf(w, "  %s --> %s\n", e.from, to)
			} else {
				fmt.Fprintf(w, "  %s -->|\"%s\"| %s\n", e.from, mermaidEscape(e.label), to)
			}
		}
	case GraphDot:
		fmt.Fprintf(w, "digraph %q {\n  rankdir=TB;\n  node [shape=box, style=rounded];\n", f.ID)
		for _, s := range f.Steps {
			shape := "box"
			if terminal(s) {
				shape = "doubleoctagon"
			}
			fmt.Fprintf(w, "  %q [label=%q, shape=%s];\n", s.ID, label(s), shape)
		}
		for _, e := range edges {
			fmt.Fprintf(w, "  %q -> %q [label=%q];\n", e.from, e.to, e.label)
		}
		fmt.Fprintln(w, "}")
	default:
		return fmt.Errorf("unknown graph format %q: use %s or %s", format, GraphMermaid, GraphDot)
	}
	return nil
}

func conditionText(conds []Condition) string {
	var parts []string
	for _, c := range conds {
		parts = append(parts, c.Step+" = "+strings.Join(c.Values, " or "))
	}
	return strings.Join(parts, " and ")
}

// mermaidEscape keeps a label inside its quotes: Mermaid reads #quot; and
// <br/> in labels.
func mermaidEscape(s string) string {
	s = strings.ReplaceAll(s, `"`, "#quot;")
	return strings.ReplaceAll(s, "\n", "<br/>")
}
