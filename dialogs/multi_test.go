package dialogs

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// multiFlow is the minimal demo flow with a multi step whose answer decides
// the way on, and whose option b stands alone.
const multiFlow = demoHead + `  - id: pick
    kind: multi
    prompt: demo.pick.prompt
    label: demo.pick.prompt
    options:
      - {id: a, label: demo.pick.a, icon: yes}
      - {id: b, label: demo.pick.b, icon: no, exclusive: true}
      - {id: c, label: demo.title, icon: house}
    next:
      - if: {pick: c}
        goto: check
      - goto: send
  - id: check
    kind: confirm
    prompt: demo.done.prompt
    next: send
` + sendSteps

func multiContent(t *testing.T) *Content {
	t.Helper()
	c, probs := Load(fixture(t, map[string]string{"flows/demo.yaml": multiFlow}))
	if c == nil {
		t.Fatal(probs)
	}
	return c
}

func TestMultiChoosesSeveralInTheStepsOrder(t *testing.T) {
	e := NewEngine(multiContent(t))
	d := start(t, e, "demo", "nl")
	if d.v.Expect != ExpectChoices || len(d.v.Options) != 3 || !d.v.Options[1].Exclusive || d.v.Options[0].Exclusive {
		t.Fatalf("view %+v: want choices with b exclusive", d.v)
	}
	// Chosen in another order than shown: stored in the step's order, and
	// a condition on one of them holds.
	d.do(Input{Type: InputChoose, Choices: []string{"c", "a"}}).at("check")
	if len(d.v.Summary) != 1 || d.v.Summary[0].Answer != "A, Demo" {
		t.Fatalf("summary %+v, want both labels in the step's order", d.v.Summary)
	}
	d.do(Input{Type: InputBack}).at("pick")
	if !slices.Equal(d.v.Chosen, []string{"a", "c"}) {
		t.Fatalf("back shows chosen %v, want [a c]", d.v.Chosen)
	}
	d.do(Input{Type: InputChoose, Choices: []string{"a"}}).at("send")
	sub := d.submission()
	if len(sub.Answers) != 1 || sub.Answers[0].Value != "a" || sub.Answers[0].Kind != KindMulti {
		t.Fatalf("submission answers %+v", sub.Answers)
	}
	if !strings.Contains(e.Summary(sub), "Kies → A\n") {
		t.Fatalf("staff summary:\n%s", e.Summary(sub))
	}
}

func TestMultiRefusesBadSelections(t *testing.T) {
	e := NewEngine(multiContent(t))
	for _, tt := range []struct {
		name string
		in   Input
	}{
		{"nothing chosen", Input{Type: InputChoose}},
		{"an exclusive option with another", Input{Type: InputChoose, Choices: []string{"a", "b"}}},
		{"an option twice", Input{Type: InputChoose, Choices: []string{"a", "a"}}},
		{"an unknown option", Input{Type: InputChoose, Choices: []string{"a", "z"}}},
		{"skip on a step that is not optional", Input{Type: InputSkip}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := start(t, e, "demo", "nl").do(tt.in).at("pick")
			if d.v.Error == "" || d.s.Answers != nil {
				t.Fatalf("want an error and no answer, got error %q answers %+v", d.v.Error, d.s.Answers)
			}
		})
	}
	// The exclusive option alone, and the single-choice form, are fine.
	start(t, e, "demo", "nl").do(Input{Type: InputChoose, Choices: []string{"b"}}).at("send")
	start(t, e, "demo", "nl").choose("a").at("send")
	if _, _, _, err := e.Step(start(t, e, "demo", "nl").s, Input{Type: InputChoose, Choices: make([]string, MaxOptions+1)}); err == nil {
		t.Fatal("more choices than a step can have must be refused")
	}
}

func TestMultiChecks(t *testing.T) {
	bad := strings.Replace(multiFlow, "icon: yes}", "icon: yes, next: send}", 1)
	bad = strings.Replace(bad, "  - id: check\n    kind: confirm", "  - id: check\n    kind: choice\n    options:\n      - {id: x, label: demo.pick.a, icon: yes, exclusive: true}\n      - {id: y, label: demo.pick.b, icon: no}\n    label: demo.pick.prompt\n    prompt: demo.pick.prompt\n    next: send\n  - id: unused\n    kind: confirm", 1)
	_, probs := Load(fixture(t, map[string]string{"flows/demo.yaml": bad}))
	got := fmt.Sprint(probs)
	for _, want := range []string{
		`option "a" of multi step "pick" cannot have its own next or flow`,
		`option "x" is exclusive, which only a multi step's options can be`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
