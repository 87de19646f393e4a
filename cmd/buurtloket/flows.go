package main

import (
	"flag"
	"fmt"
	"io"

	"buurtloket/dialogs"
	"buurtloket/speech"
	"buurtloket/terminal"
)

func runFlowsCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("flows check", stderr)
	var localesDir, factsFile, recordings string
	fs.StringVar(&localesDir, "locales", "", "folder with the message files (default: found beside the flows, else the shipped texts)")
	factsFlag(fs, &factsFile)
	stringFlag(fs, &recordings, "recordings", "", "folder of recorded messages, <lang>/<message-id>.mp3, to count for read-aloud")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: buurtloket flows check [DIR] [--locales DIR] [--facts FILE]\n\nChecks flow files, their texts and the facts file; prints file:line: message for each problem.")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fs.Usage()
		return errUsage
	}
	flowsDir := ""
	if len(pos) == 1 {
		flowsDir = pos[0]
	}
	src, what, err := contentSource(flowsDir, localesDir, factsFile)
	if err != nil {
		return err
	}
	content, probs := dialogs.Load(src)
	texts, staffProbs := staffTexts(src)
	probs = append(probs, staffProbs...)
	for _, p := range probs {
		fmt.Fprintln(stdout, p)
	}
	errs, warns := probs.Errors(), len(probs)-probs.Errors()
	if content == nil || texts == nil {
		fmt.Fprintf(stdout, "%s, %s in %s\n", count(errs, "error"), count(warns, "warning"), what)
		return errProblems
	}
	for _, f := range content.Flows() {
		if anon, named := f.Taps(); anon > 0 || named > 0 {
			fmt.Fprintf(stdout, "%s: at most %d taps to an anonymous ticket, %d to a named one (limit %d, named %d)\n", f.ID, anon, named, f.MaxTaps, f.MaxTaps+dialogs.NamedExtraTaps)
		}
	}
	if !readAloud(content.Catalog, recordings, stdout) {
		return errProblems
	}
	fmt.Fprintf(stdout, "ok: %d flows, %d languages, %s in %s\n",
		len(content.Flows()), len(content.Catalog.Languages()), count(warns, "warning"), what)
	return nil
}

// readAloud reports per language how its messages are read aloud, and is
// false when a shipped language has no voice: a message neither recorded
// nor spoken by an espeak-ng voice. Without espeak-ng at all it warns
// (read-aloud is off on this machine) and counts the recordings.
func readAloud(cat *dialogs.Catalog, recordings string, stdout io.Writer) bool {
	reports, err := speech.Check(cat, recordings, "")
	if err != nil {
		fmt.Fprintf(stdout, "warning: read-aloud: %v; only recordings are counted\n", err)
	}
	ok := true
	for _, r := range reports {
		voice := r.Voice
		if !r.HasVoice {
			voice += ", missing"
		}
		fmt.Fprintf(stdout, "read-aloud %s: %d recorded, %d synthesized (voice %s)", r.Lang, r.Recorded, r.Synthesized, voice)
		if r.Missing > 0 {
			fmt.Fprintf(stdout, ", %d with no voice", r.Missing)
			if err == nil {
				ok = false
			}
		}
		fmt.Fprintln(stdout)
		for _, id := range r.Stray {
			fmt.Fprintf(stdout, "warning: read-aloud %s: the recording %s.mp3 is of no message\n", r.Lang, id)
		}
		if r.Missing > 0 && err == nil {
			fmt.Fprintf(stdout, "error: %s has no voice: espeak-ng has no voice %q (set voice: in languages.yaml, see espeak-ng --voices) and not every message is recorded\n", r.Lang, r.Voice)
		}
	}
	return ok
}

// factsFlag defines --facts, the file of the organisations' names, phone
// numbers, links and hours that the texts use.
func factsFlag(fs *flag.FlagSet, p *string) {
	stringFlag(fs, p, "facts", "", "facts file: the organisations' names, phone numbers, links and hours (default: the shipped Schiedam facts)")
}

// count writes "1 error" or "3 errors".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// loadForTool loads content for play and graph, printing problems.
func loadForTool(flowsDir, localesDir, factsFile string, stderr io.Writer) (*dialogs.Content, error) {
	src, _, err := contentSource(flowsDir, localesDir, factsFile)
	if err != nil {
		return nil, err
	}
	content, probs := dialogs.Load(src)
	if content == nil {
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
		return nil, errProblems
	}
	return content, nil
}

func runFlowsPlay(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("flows play", stderr)
	var lang, flowsDir, localesDir, factsFile string
	fs.StringVar(&lang, "lang", "nl", "language code")
	stringFlag(fs, &flowsDir, "flows", "", "folder of flow files to use instead of the shipped ones")
	stringFlag(fs, &localesDir, "locales", "", "folder of message files to use instead of the shipped ones")
	factsFlag(fs, &factsFile)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: buurtloket flows play FLOW [--lang LANG]\n\nWalks a flow in the terminal. Type a number to choose, text to answer,\nor :back :restart :stop :lang CODE :emergency :close :person :skip\n:change STEP :contact NAME | PHONE | EMAIL :quit. Nothing is stored.")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	content, err := loadForTool(flowsDir, localesDir, factsFile, stderr)
	if err != nil {
		return err
	}
	if _, ok := content.Catalog.Language(lang); !ok {
		return fmt.Errorf("unknown language %q", lang)
	}
	p := &terminal.Player{Engine: dialogs.NewEngine(content), In: stdin, Out: stdout}
	return p.Play(pos[0], lang)
}

func runFlowsGraph(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("flows graph", stderr)
	var format, lang, flowsDir, localesDir, factsFile string
	fs.StringVar(&format, "format", dialogs.GraphMermaid, "mermaid or dot (Graphviz)")
	fs.StringVar(&lang, "lang", "nl", "language of the labels")
	stringFlag(fs, &flowsDir, "flows", "", "folder of flow files to use instead of the shipped ones")
	stringFlag(fs, &localesDir, "locales", "", "folder of message files to use instead of the shipped ones")
	factsFlag(fs, &factsFile)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: buurtloket flows graph FLOW [--format mermaid|dot] [--lang LANG]")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	content, err := loadForTool(flowsDir, localesDir, factsFile, stderr)
	if err != nil {
		return err
	}
	return content.WriteGraph(stdout, pos[0], format, lang)
}
