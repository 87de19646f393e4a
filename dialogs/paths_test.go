package dialogs

import (
	"fmt"
	"strings"
	"testing"
)

// choiceStep is a demo choice step with options a and b; next is its
// next: a step ID, or rules written out.
func choiceStep(id, next string) string {
	return "  - id: " + id + "\n    kind: choice\n    prompt: demo.pick.prompt\n    options:\n      - {id: a, label: demo.pick.a, icon: yes}\n      - {id: b, label: demo.pick.b, icon: no}\n    next: " + next + "\n"
}

// chain is a demo flow of n choice steps, then a submission.
func chain(n int, head string) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 1; i <= n; i++ {
		next := fmt.Sprintf("s%d", i+1)
		if i == n {
			next = "send"
		}
		b.WriteString(choiceStep(fmt.Sprintf("s%d", i), next))
	}
	return b.String() + sendSteps
}

func TestPathsCountTaps(t *testing.T) {
	head := strings.Replace(demoHead, "start: pick", "start: s1", 1)
	// The tile on the start menu and seven questions: eight taps.
	c, probs := Load(fixture(t, map[string]string{"flows/demo.yaml": chain(7, head)}))
	if c == nil {
		t.Fatal(probs)
	}
	if anon, named := c.Flow("demo").Taps(); anon != 8 || named != 0 {
		t.Fatalf("taps = %d anonymous, %d named; want 8 and none", anon, named)
	}
	// One question more is one tap too many.
	_, probs = Load(fixture(t, map[string]string{"flows/demo.yaml": chain(8, head)}))
	want := `flows/demo.yaml:1: flow "demo": an anonymous way from the start menu to a ticket takes 9 taps (start → s1 → s2 → s3 → s4 → s5 → s6 → s7 → s8); at most 8 (max_taps)`
	if len(probs) != 1 || probs[0].String() != want {
		t.Fatalf("problems %v\nwant %s", probs, want)
	}
	// A flow may allow more, up to MaxMaxTaps.
	if c, probs := Load(fixture(t, map[string]string{"flows/demo.yaml": chain(8, strings.Replace(head, "topic: money\n", "topic: money\nmax_taps: 9\n", 1))})); c == nil {
		t.Fatalf("max_taps 9 must allow nine taps: %v", probs)
	}
	_, probs = Load(fixture(t, map[string]string{"flows/demo.yaml": chain(1, strings.Replace(head, "topic: money\n", "topic: money\nmax_taps: 40\n", 1))}))
	if !strings.Contains(fmt.Sprint(probs), "max_taps must be between 1 and 12") {
		t.Fatalf("problems %v", probs)
	}
}

func TestPathsCountEveryWay(t *testing.T) {
	// Option b takes a detour through a page and a multi step (two taps:
	// an option, and go on); a skipped contact step is anonymous, a filled
	// one named, and only the named way asks for a story.
	flow := demoHead + `  - id: pick
    kind: choice
    prompt: demo.pick.prompt
    options:
      - {id: a, label: demo.pick.a, icon: yes}
      - {id: b, label: demo.pick.b, icon: no, next: page}
    next: who
  - id: page
    kind: info
    prompt: demo.pick.prompt
    text: demo.pick.prompt
    next: many
  - id: many
    kind: multi
    prompt: demo.pick.prompt
    options:
      - {id: a, label: demo.pick.a, icon: yes}
      - {id: b, label: demo.pick.b, icon: no}
    next: who
  - id: who
    kind: contact
    prompt: demo.pick.prompt
    next:
      - if: {who: skipped}
        goto: send
      - goto: story
  - id: story
    kind: text
    prompt: demo.pick.prompt
    optional: true
    next: send
` + sendSteps
	c, probs := Load(fixture(t, map[string]string{"flows/demo.yaml": flow}))
	if c == nil {
		t.Fatal(probs)
	}
	// start, pick, page, many (2), who = 6; named: + story = 7.
	if anon, named := c.Flow("demo").Taps(); anon != 6 || named != 7 {
		t.Fatalf("taps = %d anonymous, %d named; want 6 and 7", anon, named)
	}
}

func TestPathsFindFalsePromises(t *testing.T) {
	flow := demoHead + `  - id: pick
    kind: contact
    prompt: demo.pick.prompt
    label: demo.pick.b
    next: send
` + strings.Replace(sendSteps, "    prompt: demo.done.prompt\n", "    prompt: demo.done.prompt\n    text: demo.pick.a\n", 1)
	promise := func(text string) map[string]string {
		return map[string]string{
			"flows/demo.yaml": flow,
			"locales/nl.yaml": strings.Replace(edit(t, "locales/nl.yaml", ""), `demo.pick.a: "A"`, `demo.pick.a: "`+text+`"`, 1),
		}
	}
	for _, text := range []string{"Een medewerker belt u morgen.", "Wij nemen contact met u op.", "We mailen u het antwoord.", "U wordt gebeld.",
		"Dan belt een medewerker u.", "U hoort van ons.", "We komen bij u langs.", "Een medewerker neemt contact op."} {
		_, probs := Load(fixture(t, promise(text)))
		if got := fmt.Sprint(probs); !strings.Contains(got, `end step "done" shows "Klaar\n`+text+`" to a resident who gave no contact details`) {
			t.Errorf("%q: problems %v", text, probs)
		}
	}
	for _, text := range []string{"Met uw code leest u ons antwoord.", "Een medewerker leest uw vraag.", "Belt u liever zelf? Dat mag.", "Zoekt u hulp? Kom terug.", "Mailt u liever?"} {
		if c, probs := Load(fixture(t, promise(text))); c == nil {
			t.Errorf("%q is no promise of contact: %v", text, probs)
		}
	}
	// With a text rule for a skipped contact step, the promise is kept.
	ruled := strings.Replace(flow, "    text: demo.pick.a\n", "    text: demo.pick.a\n    text_rules:\n      - if: {pick: skipped}\n        text: demo.pick.b\n", 1)
	files := promise("Een medewerker belt u morgen.")
	files["flows/demo.yaml"] = ruled
	if c, probs := Load(fixture(t, files)); c == nil {
		t.Errorf("a text rule for the anonymous way must satisfy the check: %v", probs)
	}
}

// TestPathsWalkMultiCombinations: two later steps test one multi step, so
// choosing both options takes both detours; the walk must count that way.
func TestPathsWalkMultiCombinations(t *testing.T) {
	flow := demoHead + `  - id: pick
    kind: multi
    prompt: demo.pick.prompt
    options:
      - {id: a, label: demo.pick.a, icon: yes}
      - {id: b, label: demo.pick.b, icon: no}
    next:
      - if: {pick: a}
        goto: d1
      - goto: j
` + choiceStep("d1", "j") + choiceStep("j", "\n      - if: {pick: b}\n        goto: d2\n      - goto: send") + choiceStep("d2", "send") + sendSteps
	c, probs := Load(fixture(t, map[string]string{"flows/demo.yaml": flow}))
	if c == nil {
		t.Fatal(probs)
	}
	// start, pick (2), d1, j, d2: only "a and b" takes both detours.
	if anon, _ := c.Flow("demo").Taps(); anon != 6 {
		t.Fatalf("taps = %d, want 6", anon)
	}
}
