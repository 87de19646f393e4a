package dialogs

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

var (
	minimalOnce  sync.Once
	minimalFiles = map[string][]byte{}
	minimalErr   error
)

// fixture returns the minimal valid content in testdata/minimal, with the
// files in overlay replaced (or removed, for an empty string). Paths start
// with flows/ or locales/, or are facts.yaml.
func fixture(t testing.TB, overlay map[string]string) Source {
	t.Helper()
	minimalOnce.Do(func() {
		base := os.DirFS("testdata/minimal")
		minimalErr = fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(base, p)
			minimalFiles[p] = data
			return err
		})
	})
	if minimalErr != nil {
		t.Fatal(minimalErr)
	}
	flowsFS, localesFS, factsFS := fstest.MapFS{}, fstest.MapFS{}, fstest.MapFS{}
	folder := func(dir string) fstest.MapFS {
		switch dir {
		case "flows/":
			return flowsFS
		case "locales/":
			return localesFS
		}
		return factsFS
	}
	for p, data := range minimalFiles {
		dir, name := path.Split(p)
		folder(dir)[name] = &fstest.MapFile{Data: data}
	}
	for p, content := range overlay {
		dir, name := path.Split(p)
		target := folder(dir)
		if content == "" {
			delete(target, name)
		} else {
			target[name] = &fstest.MapFile{Data: []byte(content)}
		}
	}
	src := Source{
		Flows: flowsFS, FlowsDir: "flows",
		Locales: localesFS, LocalesDir: "locales",
		Pictograms: []string{"alert", "house", "yes", "no"},
	}
	if len(factsFS) > 0 {
		src.Facts, src.FactsFile = factsFS, "facts.yaml"
	}
	return src
}

// edit returns the fixture file at p with extra lines appended, or with
// the line that starts with remove taken out.
func edit(t *testing.T, p, remove string, add ...string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/minimal/" + p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if remove != "" && strings.HasPrefix(l, remove) {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(append(out, add...), "\n") + "\n"
}

const demoHead = "id: demo\ntitle: demo.title\ntopic: money\nstart: pick\nsteps:\n"

const pickStep = `  - id: pick
    kind: choice
    prompt: demo.pick.prompt
    options:
      - {id: a, label: demo.pick.a, icon: yes}
      - {id: b, label: demo.pick.b, icon: no}
    next: send
`

const sendSteps = `  - id: send
    kind: submit
    next: done
  - id: done
    kind: end
    prompt: demo.done.prompt
`

func TestLoadMinimal(t *testing.T) {
	c, probs := Load(fixture(t, nil))
	if c == nil || len(probs) != 0 {
		t.Fatalf("the minimal fixture must load without problems, got %v", probs)
	}
	if got := len(c.Flows()); got != 4 {
		t.Fatalf("flows = %d, want 4", got)
	}
}

// TestCheck feeds the checker one broken file per problem class and asserts
// the exact problems, with file and line.
func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		overlay map[string]string
		want    []string
	}{
		{
			name:    "syntax error",
			overlay: map[string]string{"flows/demo.yaml": demoHead + "  - id: pick\n    kind: [choice\n"},
			want: []string{
				"flows/demo.yaml:6: syntax error: did not find expected ',' or ']'",
				`flows/start.yaml:9: flow "demo" does not exist`,
			},
		},
		{
			name:    "unknown key with a suggestion",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "    prompt:", "    promt:", 1) + sendSteps},
			want: []string{
				`flows/demo.yaml:6: step pick has no "prompt"`,
				`flows/demo.yaml:8: unknown key "promt" in a step (did you mean "prompt"?)`,
			},
		},
		{
			name:    "unknown step kind",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "kind: choice", "kind: chioce", 1) + sendSteps},
			want: []string{
				`flows/demo.yaml:4: the start step "pick" does not exist`,
				`flows/demo.yaml:7: unknown step kind "chioce" (did you mean "choice"?); the kinds are choice, multi, text, postcode, address, phone, email, contact, info, confirm, submit, handoff, end`,
			},
		},
		{
			name: "a text step that forces typing",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "next: send", "next: story", 1) +
				"  - id: story\n    kind: text\n    prompt: demo.pick.prompt\n    max_length: 100\n    next: send\n" + sendSteps},
			want: []string{`flows/demo.yaml:13: text step "story" must be optional: a resident who cannot type must be able to go on (optional: true)`},
		},
		{
			name: "a text rule on an end step",
			overlay: map[string]string{"flows/demo.yaml": demoHead + pickStep + sendSteps +
				"    text_rules:\n      - if: {pick: c}\n        text: demo.nonexistent\n      - if: {pick: a}\n"},
			want: []string{
				`flows/demo.yaml:20: message "demo.nonexistent" does not exist in locales/nl.yaml`,
				`flows/demo.yaml:20: step "pick" has no option "c"`,
				`flows/demo.yaml:22: a text rule has no "text"`,
			},
		},
		{
			name:    "key that belongs to another kind",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "    next: send", "    max_length: 10\n    next: send", 1) + sendSteps},
			want:    []string{`flows/demo.yaml:12: "max_length" does not belong in a choice step`},
		},
		{
			name:    "reference to a step that does not exist",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "next: send", "next: sned", 1) + sendSteps},
			want:    []string{`flows/demo.yaml:12: step "sned" does not exist (did you mean "send"?)`},
		},
		{
			name: "unreachable step",
			overlay: map[string]string{"flows/demo.yaml": demoHead + pickStep + sendSteps +
				"  - id: lost\n    kind: end\n    prompt: demo.done.prompt\n"},
			want: []string{`flows/demo.yaml:19: step "lost" can never be reached from the start step "pick"`},
		},
		{
			name: "a loop, from which no end can be reached",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "next: send", "next: again", 1) +
				"  - id: again\n    kind: info\n    prompt: demo.pick.prompt\n    text: demo.done.prompt\n    next: pick\n" + sendSteps},
			want: []string{
				`flows/demo.yaml:6: from step "pick" no end can be reached`,
				`flows/demo.yaml:6: step "pick" leads back to itself (through "again"): flows must not loop; the resident has back for that`,
				`flows/demo.yaml:13: from step "again" no end can be reached`,
				`flows/demo.yaml:18: step "send" can never be reached from the start step "pick"`,
				`flows/demo.yaml:21: step "done" can never be reached from the start step "pick"`,
			},
		},
		{
			name:    "duplicate step id",
			overlay: map[string]string{"flows/demo.yaml": demoHead + pickStep + sendSteps + "  - id: done\n    kind: end\n    prompt: demo.done.prompt\n"},
			want:    []string{`flows/demo.yaml:19: step id "done" is used twice`},
		},
		{
			name:    "duplicate option id",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "{id: b,", "{id: a,", 1) + sendSteps},
			want:    []string{`flows/demo.yaml:11: option id "a" is used twice in step "pick"`},
		},
		{
			name:    "too few options",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "      - {id: b, label: demo.pick.b, icon: no}\n", "", 1) + sendSteps},
			want: []string{
				`flows/demo.yaml:6: a choice step needs 2 to 6 options; "pick" has 1`,
				`locales/nl.yaml:58: message "demo.pick.b" is not used by any flow`,
			},
		},
		{
			name: "too many options",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "      - {id: b, label: demo.pick.b, icon: no}\n",
				"      - {id: b, label: demo.pick.b, icon: no}\n      - {id: c, label: demo.pick.b, icon: no}\n      - {id: d, label: demo.pick.b, icon: no}\n      - {id: e, label: demo.pick.b, icon: no}\n      - {id: f, label: demo.pick.b, icon: no}\n      - {id: g, label: demo.pick.b, icon: no}\n", 1) + sendSteps},
			want: []string{`flows/demo.yaml:6: a choice step needs 2 to 6 options; "pick" has 7`},
		},
		{
			name:    "message missing in one language",
			overlay: map[string]string{"locales/ar.yaml": edit(t, "locales/ar.yaml", "demo.pick.b:")},
			want:    []string{`locales/nl.yaml:58: message "demo.pick.b" has no translation in ar.yaml`},
		},
		{
			name:    "message that does not exist",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "label: demo.pick.b", "label: demo.pick.c", 1) + sendSteps},
			want: []string{
				`flows/demo.yaml:11: message "demo.pick.c" does not exist in locales/nl.yaml`,
				`locales/nl.yaml:58: message "demo.pick.b" is not used by any flow`,
			},
		},
		{
			name: "unused message",
			overlay: map[string]string{
				"locales/nl.yaml": edit(t, "locales/nl.yaml", "", `demo.extra: "Over"`),
				"locales/ar.yaml": edit(t, "locales/ar.yaml", "", `demo.extra: "زائد"`),
			},
			want: []string{`locales/nl.yaml:64: message "demo.extra" is not used by any flow`},
		},
		{
			name: "message only in a translation",
			overlay: map[string]string{
				"locales/ar.yaml": edit(t, "locales/ar.yaml", "", `demo.extra: "زائد"`),
			},
			want: []string{`locales/ar.yaml:68: message "demo.extra" is not in the source language (nl.yaml): remove it or add it there`},
		},
		{
			name: "incomplete plural forms",
			overlay: map[string]string{
				"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), "  few: \"بقيت {{.Count}} ثوانٍ\"\n", "", 1),
			},
			want: []string{`locales/ar.yaml:42: message "ui.seconds_left" lacks the plural form "few" that العربية needs (it needs zero, one, two, few, many, other)`},
		},
		{
			name: "placeholders that differ",
			overlay: map[string]string{
				"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), "{{.Total}}", "{{.Totaal}}", 1),
			},
			want: []string{`locales/ar.yaml:41: message "ui.progress" has placeholders [Done Totaal], but the source has [Done Total]`},
		},
		{
			name: "text too long for a kiosk screen",
			overlay: map[string]string{
				"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), `demo.pick.prompt: "اختر"`, `demo.pick.prompt: "`+strings.Repeat("ا", 161)+`"`, 1),
			},
			want: []string{`locales/ar.yaml:60: message "demo.pick.prompt" is 161 characters in العربية; a question may have at most 160 to fit one kiosk screen`},
		},
		{
			name: "flow text with a placeholder",
			overlay: map[string]string{
				"locales/nl.yaml": strings.Replace(edit(t, "locales/nl.yaml", ""), `demo.pick.a: "A"`, `demo.pick.a: "A {{.X}}"`, 1),
				"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), `demo.pick.a: "أ"`, `demo.pick.a: "أ {{.X}}"`, 1),
			},
			want: []string{
				`locales/ar.yaml:61: message "demo.pick.a" is used in a flow, so its placeholders must be facts; {{.X}} is not in the facts file`,
				`locales/nl.yaml:57: message "demo.pick.a" is used in a flow, so its placeholders must be facts; {{.X}} is not in the facts file`,
			},
		},
		{
			name: "a phone number that right-to-left text turns around",
			overlay: map[string]string{
				"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), `emergency.numbers.text: "اتصل بـ 112."`, `emergency.numbers.text: "اتصل بـ 0800-2000."`, 1),
			},
			want: []string{
				"locales/ar.yaml:55: message \"emergency.numbers.text\" shows \"0800-2000\", which right-to-left text turns around: write it as \u20660800-2000\u2069 (left-to-right isolate)",
				`locales/ar.yaml:55: message "emergency.numbers.text" writes the phone number "0800-2000": put it in the facts file and write its name, such as {{.CorporationPhone}}`,
			},
		},
		{
			name: "a postcode that right-to-left text turns around",
			overlay: map[string]string{
				"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), `emergency.numbers.text: "اتصل بـ 112."`, `emergency.numbers.text: "مثال: 3112 AB."`, 1),
			},
			want: []string{"locales/ar.yaml:55: message \"emergency.numbers.text\" shows \"3112 AB\", which right-to-left text turns around: write it as \u20663112 AB\u2069 (left-to-right isolate)"},
		},
		{
			name:    "unknown pictogram",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "icon: yes", "icon: yess", 1) + sendSteps},
			want:    []string{`flows/demo.yaml:10: unknown pictogram "yess" (did you mean "yes"?)`},
		},
		{
			name:    "condition on an option that does not exist",
			overlay: map[string]string{"flows/demo.yaml": demoHead + strings.Replace(pickStep, "    next: send\n", "    next:\n      - if: {pick: c}\n        goto: done\n      - goto: send\n", 1) + sendSteps},
			want:    []string{`flows/demo.yaml:13: step "pick" has no option "c"`},
		},
		{
			name: "bad phone number and link",
			overlay: map[string]string{"flows/emergency.yaml": strings.Replace(edit(t, "flows/emergency.yaml", ""), `phone: "112"}`,
				`phone: "call 112"}`+"\n      - {label: emergency.numbers.call, link: \"http://example.org\"}", 1)},
			want: []string{
				`flows/emergency.yaml:10: phone "call 112": write the fact's name, such as {{.CorporationPhone}}, and put the value in the facts file`,
				`flows/emergency.yaml:11: link "http://example.org": write the fact's name, such as {{.CorporationPhone}}, and put the value in the facts file`,
			},
		},
		{
			name:    "flow id does not match its file",
			overlay: map[string]string{"flows/demo.yaml": strings.Replace(demoHead, "id: demo", "id: dmeo", 1) + pickStep + sendSteps},
			want: []string{
				`flows/demo.yaml:1: the flow's id "dmeo" must match its file name: write id: demo, or rename the file`,
				`flows/start.yaml:9: flow "demo" does not exist`,
			},
		},
		{
			name:    "a flow with a role is missing",
			overlay: map[string]string{"flows/talk.yaml": ""},
			want: []string{
				`flows: there is no talk flow (talk.yaml); every set of flows needs one`,
				`locales/nl.yaml:53: message "talk.title" is not used by any flow`,
				`locales/nl.yaml:54: message "talk.sent.prompt" is not used by any flow`,
			},
		},
		{
			name:    "unreviewed language",
			overlay: map[string]string{"locales/languages.yaml": "- code: nl\n  name: Nederlands\n  source: true\n  reviewed: true\n- code: ar\n  name: العربية\n  dir: rtl\n"},
			want:    []string{`locales/languages.yaml:5: warning: العربية (ar) has not been reviewed by a native speaker`},
		},
		{
			name:    "oversized message file",
			overlay: map[string]string{"locales/ar.yaml": "x.y: \"" + strings.Repeat("a", MaxMessageFileSize) + "\"\n"},
			want:    []string{`locales/ar.yaml:1: the file is 1048584 bytes; a message file may be at most 1048576`},
		},
		{
			name:    "oversized flow file",
			overlay: map[string]string{"flows/demo.yaml": "# " + strings.Repeat("a", MaxFlowFileSize) + "\n"},
			want: []string{
				`flows/demo.yaml:1: the file is 262147 bytes; a flow file may be at most 262144`,
				`flows/start.yaml:9: flow "demo" does not exist`,
			},
		},
		{
			name:    "message file without a listed language",
			overlay: map[string]string{"locales/pl.yaml": "x.y: \"z\"\n"},
			want:    []string{`locales/pl.yaml:1: language "pl" is not listed in languages.yaml`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblems(t, tt.overlay, tt.want) })
	}
}

// wantProblems loads the minimal fixture with overlay and checks that the
// problems are exactly want, and that content with errors is not returned.
func wantProblems(t *testing.T, overlay map[string]string, want []string) {
	t.Helper()
	c, probs := Load(fixture(t, overlay))
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if probs.Errors() > 0 && c != nil {
		t.Error("content with errors must not be returned")
	}
}
