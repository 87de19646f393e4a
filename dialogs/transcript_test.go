package dialogs_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"buurtloket/dialogs"
	"buurtloket/dialogs/flows"
	"buurtloket/facts"
	"buurtloket/locales"
	"buurtloket/pictograms"
	"buurtloket/terminal"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/transcripts")

// TestTranscripts walks every shipped flow to its end through the terminal
// channel, in Dutch and in Arabic, and compares what a resident would see
// with testdata/transcripts/FLOW-LANG.golden (FLOW.CASE-LANG.golden for
// another walk of a flow). Each script uses back, a
// change of language and a wrong answer. Run with -update after an
// intended change, and read the diff.
func TestTranscripts(t *testing.T) {
	content, probs := dialogs.Load(dialogs.Source{
		Flows: flows.FS, FlowsDir: "dialogs/flows",
		Locales: locales.FS, LocalesDir: "locales",
		Facts: facts.FS, FactsFile: facts.Shipped, FactsDir: "facts",
		Pictograms: pictograms.Names(),
	})
	if content == nil {
		t.Fatal(probs)
	}
	scripted := map[string]bool{}
	scripts, _ := filepath.Glob("testdata/transcripts/*.script")
	for _, script := range scripts {
		// FLOW.script, or FLOW.CASE.script for another walk of one flow.
		name := strings.TrimSuffix(filepath.Base(script), ".script")
		flow, _, _ := strings.Cut(name, ".")
		scripted[flow] = true
		data, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"nl", "ar"} {
			t.Run(name+"-"+lang, func(t *testing.T) {
				var lines []string
				for _, l := range strings.Split(string(data), "\n") {
					if !strings.HasPrefix(l, "#") {
						lines = append(lines, strings.ReplaceAll(l, "$START", lang))
					}
				}
				var out bytes.Buffer
				p := &terminal.Player{
					Engine: dialogs.NewEngine(content),
					In:     strings.NewReader(strings.Join(lines, "\n")),
					Out:    &out, Echo: true, Ticket: "K7QM-3XHD",
				}
				if err := p.Play(flow, lang); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", "transcripts", name+"-"+lang+".golden")
				if *update {
					if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./dialogs -run TestTranscripts -update)", err)
				}
				if got := out.String(); got != string(want) {
					t.Errorf("transcript differs from %s; first difference:\n%s", golden, firstDiff(got, string(want)))
				}
				for _, must := range []string{"> :back\n", "> :lang ", "(!) "} {
					if !strings.Contains(out.String(), must) {
						t.Errorf("the %s walk lacks %q: each walk uses back, a change of language and a wrong answer", flow, strings.TrimSpace(must))
					}
				}
				// Every walk must reach an end: an end step's view, or the
				// emergency page, which is an end of its own.
				if !strings.Contains(out.String(), "/sent ·") && flow != "emergency" && flow != "start" {
					t.Errorf("the %s walk does not reach its end", flow)
				}
			})
		}
	}
	for _, f := range content.Flows() {
		if !scripted[f.ID] {
			t.Errorf("flow %s has no transcript script in testdata/transcripts", f.ID)
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  got:  %s\n  want: %s", i+1, gl, wl)
		}
	}
	return ""
}
