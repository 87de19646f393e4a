package dialogs

import (
	"os"
	"strings"
	"testing"

	"buurtloket/pictograms"
)

// TestDocumentedExampleLoads keeps docs/flows.md honest: its complete
// example flow, texts and facts must pass the checker, and walk to a submission.
func TestDocumentedExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../docs/flows.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## A complete example")
	if !ok {
		t.Fatal("docs/flows.md has no complete example")
	}
	blocks := yamlBlocks(rest)
	if len(blocks) < 2 {
		t.Fatalf("want the flow and its texts as the first two yaml blocks, got %d", len(blocks))
	}
	if len(blocks) < 3 {
		t.Fatalf("want the facts the example uses as the third yaml block, got %d blocks", len(blocks))
	}
	flow, texts, facts := blocks[0], blocks[1], blocks[2]
	src := fixture(t, map[string]string{
		"facts.yaml":         facts,
		"flows/example.yaml": flow,
		"locales/nl.yaml":    edit(t, "locales/nl.yaml", "", texts),
		"locales/ar.yaml":    edit(t, "locales/ar.yaml", "", texts),
	})
	src.Pictograms = pictograms.Names()
	c, probs := Load(src)
	if c == nil || len(probs) != 0 {
		t.Fatalf("the documented example does not pass the checker:\n%v", probs)
	}
	d := start(t, NewEngine(c), "example", "nl").choose("rent", "bailiff", "anonymous")
	d.do(Input{Type: InputSkip}).choose(OptionSend)
	if sub := d.submission(); sub.Priority != "urgent" || !sub.Anonymous {
		t.Fatalf("example submission %+v", sub)
	}
}

func yamlBlocks(md string) []string {
	var blocks []string
	for {
		_, after, ok := strings.Cut(md, "```yaml\n")
		if !ok {
			return blocks
		}
		block, rest, _ := strings.Cut(after, "```")
		blocks = append(blocks, block)
		md = rest
	}
}
