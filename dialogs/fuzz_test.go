package dialogs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLoad feeds arbitrary bytes as a flow file. Loading must never panic,
// and content that loads must be usable: every flow starts and renders.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(demoHead + pickStep + sendSteps))
	f.Add([]byte(demoHead + strings.Replace(pickStep, "next: send", "next:\n      - if: {pick: [a, skipped]}\n        goto: done\n      - goto: send", 1) + sendSteps))
	f.Add([]byte("id: demo\nsteps: [{id: x, kind: info, prompt: demo.title, text: demo.title}]"))
	f.Add([]byte("&a [*a, *a]"))
	f.Add([]byte("id: demo\nsteps:\n  - &s {id: x, kind: end, prompt: demo.title}\n  - *s\n"))
	f.Add([]byte("\t\x00"))
	// The catalog does not change between inputs: load it once.
	base := fixture(f, nil)
	var catProbs Problems
	cat := loadCatalog(base.Locales, base.LocalesDir, &catProbs)
	if cat == nil {
		f.Fatal(catProbs)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := fixture(t, map[string]string{"flows/demo.yaml": string(data)})
		c, probs := loadFlows(src, cat, nil)
		if c == nil {
			if probs.Errors() == 0 {
				t.Fatal("no content and no errors")
			}
			for _, p := range probs {
				if p.File == "" || p.Message == "" {
					t.Fatalf("problem without a place or a message: %+v", p)
				}
			}
			return
		}
		e := NewEngine(c)
		for _, fl := range c.Flows() {
			s, v, err := e.StartFlow("fuzz", "ar", fl.ID)
			if err != nil || v.Step != s.Step || v.Prompt == "" && v.Kind != KindSubmit && v.Kind != KindHandoff {
				t.Fatalf("flow %s does not start cleanly: %v %+v", fl.ID, err, v)
			}
		}
	})
}

// FuzzStep drives the shipped flows with arbitrary inputs. The engine must
// never panic, and every session it returns must be one it can continue:
// its step exists, its view matches it, and it survives encoding.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte("\x00\x00\x00\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0"))
	f.Add([]byte{0, 0, 0, 3, 0, 0, 3, 3, 2, 2, 2, 0, 11, 12, 13})
	c, probs := Load(shippedSource())
	if c == nil {
		f.Fatal(probs)
	}
	e := NewEngine(c)
	texts := []string{"3112 AB", "06 12345678", "naam@voorbeeld.nl", "Hallo", "", "\xff\xfe", "<script>alert(1)</script>", strings.Repeat("x", 1200), "3112 AB 14", "Hoofdstraat 14a"}
	langs := []string{"nl", "ar", "pl", "xx"}
	f.Fuzz(func(t *testing.T, script []byte) {
		s, v := e.Start("fuzz", "nl")
		var shown Progress // the last progress shown in shownIn
		shownIn := ""
		for i, b := range script {
			if i > 200 {
				break
			}
			var in Input
			arg := int(b >> 4)
			switch b & 0x0f {
			case 0, 1:
				// An option of the screen shown (so every step can be
				// reached), or one of another screen.
				in = Input{Type: InputChoose, Choice: []string{"money", "nuisance", "worry", "senior", "repairs", "emergency", OptionContinue, OptionSend, OptionRetry, OptionClose, "a", "rent", "yes", "no", "nothing", "report"}[arg]}
				if len(v.Options) > 0 && b&1 == 0 {
					in.Choice = v.Options[arg%len(v.Options)].ID
				}
			case 2:
				if len(v.Options) > 0 {
					in = Input{Type: InputChoose, Choice: v.Options[arg%len(v.Options)].ID}
				}
			case 3:
				// Several options at once, as a multi step takes them.
				in = Input{Type: InputChoose}
				for i, o := range v.Options {
					if arg&(1<<i) != 0 || i == 4 && arg > 15 {
						in.Choices = append(in.Choices, o.ID)
					}
				}
			case 4:
				in = Input{Type: InputText, Text: texts[arg%len(texts)]}
			case 5:
				in = Input{Type: InputSkip}
			case 6:
				in = Input{Type: InputBack}
			case 7:
				in = Input{Type: InputLanguage, Lang: langs[arg%len(langs)]}
			case 8:
				in = Input{Type: InputEmergency}
			case 9:
				in = Input{Type: InputPerson}
			case 10:
				in = Input{Type: InputContact, Contact: Contact{Name: texts[arg%len(texts)], Phone: texts[(arg+1)%len(texts)]}}
			case 11:
				in = Input{Type: InputResult, Ticket: "T-1", Failed: arg%3 == 0}
			case 12:
				in = Input{Type: InputChange, Step: []string{"bills", "what", "address", "done_so_far", "story", "contact"}[arg%6]}
			case 13:
				in = Input{Type: InputRestart}
			default:
				in = Input{Type: InputStop}
			}
			next, nv, effects, err := e.Step(s, in)
			if err != nil {
				if next.Step != s.Step || next.Flow != s.Flow {
					t.Fatalf("a refused input moved the session: %v", err)
				}
				continue
			}
			s, v = next, nv
			if in.Type == InputRestart || in.Type == InputStop {
				shownIn = "" // a new conversation counts anew
			}
			f := e.Content().Flow(s.Flow)
			if f == nil || f.Step(s.Step) == nil || v.Step != s.Step || v.Flow != s.Flow {
				t.Fatalf("session at %s/%s, view at %s/%s", s.Flow, s.Step, v.Flow, v.Step)
			}
			if v.Prompt == "" || v.UI == nil || !utf8.ValidString(v.Value) {
				t.Fatalf("incomplete view %+v", v)
			}
			// Within one flow the progress total never goes backwards.
			if v.Progress.Total > 0 {
				if shownIn == v.Flow && v.Progress.Total < shown.Total {
					t.Fatalf("in %s the progress went from %d of %d to %d of %d", v.Flow, shown.Done+1, shown.Total, v.Progress.Done+1, v.Progress.Total)
				}
				shown, shownIn = v.Progress, v.Flow
			}
			for _, ef := range effects {
				if ef.Submission != nil && (ef.Submission.Key == "" || !ef.Submission.Topic.Valid() || ef.Submission.Anonymous != (ef.Submission.Contact == nil)) {
					t.Fatalf("bad submission %+v", ef.Submission)
				}
			}
			data, err := Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(data)
			if err != nil {
				t.Fatalf("a session the engine made does not decode: %v\n%s", err, data)
			}
			if _, v2, _ := e.Resume(back); v2.Step != v.Step || v2.Flow != v.Flow {
				t.Fatalf("resumed at %s/%s, was %s/%s", v2.Flow, v2.Step, v.Flow, v.Step)
			}
		}
	})
}
