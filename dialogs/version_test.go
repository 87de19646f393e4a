package dialogs

import (
	"strings"
	"testing"
)

// editedShipped returns the shipped content with money.yaml edited.
func editedShipped(t *testing.T, edit func(string) string) *Content {
	t.Helper()
	src := shippedSource()
	m := shippedFlows(t)
	m["money.yaml"].Data = []byte(edit(string(m["money.yaml"].Data)))
	src.Flows = m
	c, probs := Load(src)
	if c == nil {
		t.Fatalf("edited content does not load: %v", probs)
	}
	return c
}

func renameLetters(s string) string {
	r := strings.NewReplacer("id: letters", "id: papers", "next: letters", "next: papers", "{letters:", "{papers:")
	return r.Replace(s)
}

// TestFlowChangeKeepsConversations documents the policy for a flow that
// changes while residents are in it:
//  1. a conversation finishes on the version it started on, as long as this
//     process still knows that version (the last 8 reloads);
//  2. otherwise (after a restart) it moves to the new version when its step
//     still exists, silently, keeping the answers that still fit;
//  3. otherwise the flow starts again with a notice, answers kept, so the
//     resident sees their earlier choices selected.
func TestFlowChangeKeepsConversations(t *testing.T) {
	old := NewEngine(shipped(t))
	d := start(t, old, "money", "nl").choose("rent", "long").at("letters")
	oldVersion := d.s.Version

	t.Run("finishes on the version it started", func(t *testing.T) {
		renamed := editedShipped(t, renameLetters)
		e := old.Replace(renamed)
		s, v, _, err := e.Step(d.s, Input{Type: InputChoose, Choice: "bailiff"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Step != "urgent_rent" || s.Version != oldVersion || v.Notice != "" {
			t.Fatalf("at %s on version %s (old %s), notice %q", v.Step, s.Version, oldVersion, v.Notice)
		}
		// A new conversation gets the new version.
		n, _, _ := e.StartFlow("new", "nl", "money")
		if n.Version == oldVersion || e.Content().Flow("money").Step("papers") == nil {
			t.Fatal("new conversations must use the new flows")
		}
	})

	t.Run("forgets old versions after some reloads", func(t *testing.T) {
		e := old
		for i := 0; i < keptGenerations; i++ {
			e = e.Replace(editedShipped(t, func(s string) string { return s + "\n# edit " + strings.Repeat("x", i) + "\n" }))
		}
		if _, ok := e.versions["money@"+oldVersion]; ok {
			t.Fatal("an old version must not be kept for ever")
		}
		s, v, _ := e.Resume(d.s)
		if v.Step != "letters" || s.Version == oldVersion || v.Notice != "" {
			t.Fatalf("resumed at %s version %s notice %q; want moved silently", v.Step, s.Version, v.Notice)
		}
	})

	t.Run("moves to the new version when the step exists", func(t *testing.T) {
		e := NewEngine(editedShipped(t, func(s string) string {
			r := strings.NewReplacer("{id: long, label: money.how_long.long", "{id: over_three, label: money.how_long.long", "{how_long: [few_months, long]}", "{how_long: [few_months, over_three]}")
			return r.Replace(s)
		}))
		s, v, _ := e.Resume(d.s)
		if v.Step != "letters" || v.Notice != "" || s.Version == oldVersion {
			t.Fatalf("at %s notice %q version %s", v.Step, v.Notice, s.Version)
		}
		if s.answer("money", "bills") == nil || s.answer("money", "how_long") != nil {
			t.Fatalf("answers %+v: the rent answer fits, the removed option must go", s.Answers)
		}
		// Back still works across the move.
		s, v, _, err := e.Step(s, Input{Type: InputBack})
		if err != nil || v.Step != "how_long" {
			t.Fatalf("back after a move: %v at %s", err, v.Step)
		}
	})

	t.Run("starts the flow again when the step is gone", func(t *testing.T) {
		e := NewEngine(editedShipped(t, renameLetters))
		s, v, _, err := e.Step(d.s, Input{Type: InputChoose, Choice: "bailiff"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Step != "bills" || v.Notice != e.Content().Catalog.Text("nl", msgFlowChanged) {
			t.Fatalf("at %s notice %q", v.Step, v.Notice)
		}
		if v.Selected != "rent" {
			t.Fatalf("the earlier answer must be kept and shown; selected %q", v.Selected)
		}
		// The input that arrived for the old step is not applied to the new one.
		if s.answer("money", "papers") != nil {
			t.Fatal("an answer for a step that is gone must not be applied elsewhere")
		}
	})
}
