package dialogs

import (
	"strings"
	"testing"
	"testing/fstest"

	"buurtloket/facts"
)

// helpFact is a valid facts file with one phone number, HelpPhone, which
// the overlays below put into the minimal fixture's emergency page.
const helpFact = "HelpPhone:\n  kind: phone\n  value: \"0800-8115\"\n  verified: true\n  source: \"a test\"\n"

func withHelpPhone(t *testing.T, nlText, arText string) map[string]string {
	return map[string]string{
		"facts.yaml": helpFact,
		"flows/emergency.yaml": strings.Replace(edit(t, "flows/emergency.yaml", ""), `phone: "112"}`,
			`phone: "112"}`+"\n      - {label: emergency.numbers.call, phone: \"{{.HelpPhone}}\"}", 1),
		"locales/nl.yaml": strings.Replace(edit(t, "locales/nl.yaml", ""), `emergency.numbers.text: "Bel 112."`, `emergency.numbers.text: "`+nlText+`"`, 1),
		"locales/ar.yaml": strings.Replace(edit(t, "locales/ar.yaml", ""), `emergency.numbers.text: "اتصل بـ 112."`, `emergency.numbers.text: "`+arText+`"`, 1),
	}
}

func TestFactsFillTextsAndActions(t *testing.T) {
	c, probs := Load(fixture(t, withHelpPhone(t, "Bel {{.HelpPhone}}.", "اتصل بـ \u2066{{.HelpPhone}}\u2069.")))
	if c == nil || len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	for lang, want := range map[string]string{"nl": "Bel 0800-8115.", "ar": "اتصل بـ \u20660800-8115\u2069."} {
		v := start(t, NewEngine(c), FlowEmergency, lang).v
		if v.Text != want {
			t.Errorf("%s: text %q, want %q", lang, v.Text, want)
		}
		if len(v.Actions) != 2 || v.Actions[1].Phone != "0800-8115" {
			t.Errorf("%s: actions %+v, want the fact's number as the second", lang, v.Actions)
		}
	}
}

func TestFactsProblems(t *testing.T) {
	fact := func(key, kind, value string) string {
		return key + ":\n  kind: " + kind + "\n  value: \"" + value + "\"\n  verified: true\n  source: \"a test\"\n"
	}
	tests := []struct {
		name    string
		overlay map[string]string
		want    []string
	}{
		{
			name:    "unknown fact in a text",
			overlay: withHelpPhone(t, "Bel {{.HelpFone}}.", "اتصل بـ \u2066{{.HelpFone}}\u2069."),
			want: []string{
				`locales/ar.yaml:55: message "emergency.numbers.text" is used in a flow, so its placeholders must be facts; {{.HelpFone}} is not in the facts file (did you mean "HelpPhone"?)`,
				`locales/nl.yaml:51: message "emergency.numbers.text" is used in a flow, so its placeholders must be facts; {{.HelpFone}} is not in the facts file (did you mean "HelpPhone"?)`,
			},
		},
		{
			name:    "a fact's number that right-to-left text turns around",
			overlay: withHelpPhone(t, "Bel {{.HelpPhone}}.", "اتصل بـ {{.HelpPhone}}."),
			want: []string{
				"locales/ar.yaml:55: message \"emergency.numbers.text\" shows \"0800-8115\", which right-to-left text turns around: write the placeholder as \u2066{{.Name}}\u2069 (left-to-right isolate)",
			},
		},
		{
			name:    "a second number that right-to-left text turns around",
			overlay: withHelpPhone(t, "Bel {{.HelpPhone}}.", "اتصل بـ \u2066{{.HelpPhone}}\u2069 أو {{.HelpPhone}}."),
			want: []string{
				"locales/ar.yaml:55: message \"emergency.numbers.text\" shows \"0800-8115\", which right-to-left text turns around: write the placeholder as \u2066{{.Name}}\u2069 (left-to-right isolate)",
			},
		},
		{
			name:    "a number written into a text",
			overlay: withHelpPhone(t, "Bel {{.HelpPhone}} of 010 20 45 100.", "اتصل بـ \u2066{{.HelpPhone}}\u2069."),
			want: []string{
				`locales/nl.yaml:51: message "emergency.numbers.text" writes the phone number "010 20 45 100": put it in the facts file and write its name, such as {{.CorporationPhone}}`,
			},
		},
		{
			name: "an action names a fact that is missing, or of another kind",
			overlay: map[string]string{
				"facts.yaml": fact("HelpName", "name", "Geldfit"),
				"flows/emergency.yaml": strings.Replace(edit(t, "flows/emergency.yaml", ""), `phone: "112"}`,
					`phone: "{{.HelpName}}"}`+"\n      - {label: emergency.numbers.call, link: \"{{.HelpSite}}\"}", 1),
			},
			want: []string{
				`flows/emergency.yaml:10: phone "{{.HelpName}}": fact "HelpName" is a name, not a phone`,
				`flows/emergency.yaml:11: link "{{.HelpSite}}": the facts file facts.yaml has no fact "HelpSite"`,
			},
		},
		{
			name: "bad facts",
			overlay: map[string]string{"facts.yaml": fact("helpPhone", "phone", "0800-8115") +
				fact("HelpPhone", "phone", "call us") + fact("HelpSite", "link", "http://example.org") +
				fact("HelpOpens", "time", "8 uur") + fact("HelpName", "name", "<b>Geldfit</b>") +
				fact("HelpFax", "fax", "0800-8115") +
				"HelpMail:\n  kind: name\n  value: \"x\"\n  source: \"a test\"\n" +
				fact("HelpSite", "link", "https://example.org") + fact("HelpZero", "name", "Geld\u200bfit")},
			want: []string{
				`facts.yaml:1: "helpPhone" is not a fact name: write words joined in capitals, such as CorporationPhone`,
				`facts.yaml:8: fact "HelpPhone": a phone number has digits, spaces and dashes, such as 010 20 45 100`,
				`facts.yaml:13: fact "HelpSite": a link is a full address starting with https://`,
				`facts.yaml:18: fact "HelpOpens": a time is written as 8.30 or 17.00`,
				`facts.yaml:23: fact "HelpName": the value may not hold control or format characters, < > or { }`,
				`facts.yaml:28: fact "HelpFax": kind must be one of name, phone, link, time, not fax`,
				`facts.yaml:31: fact "HelpMail" needs verified: true (checked with the organisation) or false`,
				`facts.yaml:31: warning: fact "HelpMail" (x) is not verified: a test`,
				`facts.yaml:35: fact "HelpSite" appears twice`,
				`facts.yaml:42: fact "HelpZero": the value may not hold control or format characters, < > or { }`,
			},
		},
		{
			name:    "an unverified fact is a warning, not an error",
			overlay: withHelpPhone(t, "Bel {{.HelpPhone}}.", "اتصل بـ \u2066{{.HelpPhone}}\u2069."),
			want:    []string{`facts.yaml:1: warning: fact "HelpPhone" (0800-8115) is not verified: from memory`},
		},
	}
	tests[len(tests)-1].overlay["facts.yaml"] = strings.Replace(helpFact, "verified: true\n  source: \"a test\"", "verified: false\n  source: \"from memory\"", 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblems(t, tt.overlay, tt.want) })
	}
}

// TestShippedFactsReplaced: another facts file changes the number on every
// screen and in every language that shows it, and nothing else is needed.
func TestShippedFactsReplaced(t *testing.T) {
	data, err := facts.FS.ReadFile(facts.Shipped)
	if err != nil {
		t.Fatal(err)
	}
	replaced := strings.Replace(string(data), `value: "0900-8844"`, `value: "0900-1234"`, 1)
	if replaced == string(data) {
		t.Fatal("the shipped facts have no police line 0900-8844")
	}
	src := shippedSource()
	src.Facts, src.FactsFile = fstest.MapFS{"other.yaml": {Data: []byte(replaced)}}, "other.yaml"
	c, probs := Load(src)
	if c == nil {
		t.Fatal(probs)
	}
	for _, l := range c.Catalog.Languages() {
		v := start(t, NewEngine(c), FlowEmergency, l.Code).v
		if !strings.Contains(v.Text, "0900-1234") || strings.Contains(v.Text, "0900-8844") {
			t.Errorf("%s: emergency text %q does not show the replaced number", l.Code, v.Text)
		}
		found := false
		for _, a := range v.Actions {
			found = found || a.Phone == "0900-1234"
		}
		if !found {
			t.Errorf("%s: emergency actions %+v lack the replaced number", l.Code, v.Actions)
		}
	}
}
