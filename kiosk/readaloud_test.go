package kiosk

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"buurtloket/dialogs"
	"buurtloket/speech/speechtest"

	"github.com/chromedp/chromedp"
)

// fakeSpeaker names a text's audio by the text itself, to see what would
// be read.
type fakeSpeaker struct{}

func (fakeSpeaker) URL(lang, text string) string {
	if text == "" {
		return ""
	}
	return "/speech/" + lang + "/" + text
}
func (fakeSpeaker) ServeHTTP(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }

// TestReadAloudReadsOnlyTheFlowsTexts: a screen read aloud is its prompt,
// text, help and options, in the resident's language; the answers on a
// confirm screen (what the resident typed) are never read; without a
// speaker nothing is offered.
func TestReadAloudReadsOnlyTheFlowsTexts(t *testing.T) {
	cfg, _ := testConfig(t)
	e := cfg.Engine()
	sess, v := e.Start("s", "pl")
	d := toDTO(e, v, fakeSpeaker{})
	if len(d.Speech) < 1+len(v.Options) || d.Speech[0] != "/speech/pl/"+v.Prompt {
		t.Fatalf("the menu read aloud: %q", d.Speech)
	}
	for i, o := range d.Options {
		if o.Speech != "/speech/pl/"+v.Options[i].Label {
			t.Errorf("option %s: %q", o.ID, o.Speech)
		}
	}
	// To a confirm screen with a typed answer.
	typed := "Mijn buurman Jan de Vries maakt 's nachts lawaai"
	for _, c := range []string{"repairs", "urgent", "help"} {
		sess, v, _, _ = e.Step(sess, dialogs.Input{Type: dialogs.InputChoose, Choice: c})
	}
	for i := 0; i < 12 && v.Kind != dialogs.KindConfirm && v.Kind != dialogs.KindEnd; i++ {
		in := dialogs.Input{Type: dialogs.InputSkip}
		switch v.Expect {
		case dialogs.ExpectText:
			if v.Kind == dialogs.KindText {
				in = dialogs.Input{Type: dialogs.InputText, Text: typed}
			}
		case dialogs.ExpectChoice:
			in = dialogs.Input{Type: dialogs.InputChoose, Choice: v.Options[0].ID}
			for _, o := range v.Options {
				if o.ID == "anonymous" {
					in.Choice = o.ID
				}
			}
		}
		sess, v, _, _ = e.Step(sess, in)
	}
	d = toDTO(e, v, fakeSpeaker{})
	if len(d.Summary) == 0 || !strings.Contains(d.Summary[0].Answer+d.Summary[len(d.Summary)-1].Answer+fmt.Sprint(d.Summary), "Jan de Vries") {
		t.Fatalf("no confirm screen with the typed answer on the way (at %s/%s): %+v", v.Flow, v.Step, d.Summary)
	}
	for _, u := range d.Speech {
		if strings.Contains(u, "Jan de Vries") {
			t.Fatalf("the typed answer is read aloud: %q", u)
		}
	}
	if len(d.Speech) == 0 {
		t.Fatal("the confirm screen reads nothing")
	}
	if d := toDTO(e, v, nil); d.Speech != nil || d.Options != nil && d.Options[0].Speech != "" {
		t.Fatal("read-aloud without a speaker")
	}
}

// TestBrowserReadAloud: the kiosk's read-aloud button plays the current
// screen in the resident's language, from its first text on, one text
// after another; a wipe stops it.
func TestBrowserReadAloud(t *testing.T) {
	quick := KioskMode
	quick.Idle, quick.Warning = 5*time.Second, 2*time.Second
	b := newBrowserWith(t, 1080, 1920, func(c *Config) {
		c.Kiosk = quick
		c.Speech = speechtest.New(t, c.Engine().Content().Catalog, c.Sealer, "")
	})
	sp := b.web.cfg.Speech
	b.pairKiosk()
	b.at("start/menu")
	b.do(chromedp.Click(css(`main button[lang="tr"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[lang="tr"]`)))
	b.at("start/menu")
	b.choose("repairs", "repairs/what") // the start menu itself is never wiped
	prompt := value(b, chromedp.Evaluate[string](`document.getElementById("prompt").textContent`))
	first := sp.URL("tr", prompt)
	if first == "" || !strings.HasPrefix(first, "/speech/tr/") {
		t.Fatalf("no Turkish audio for %q", prompt)
	}
	b.do(chromedp.Click(css(`#read-aloud`), chromedp.NodeVisible))
	// The prompt's audio is loaded and plays; then the next text's.
	b.until("the prompt plays", `(() => { const r = document.getElementById("reader"); return r.src.endsWith(`+jsString(first)+`) && !r.paused && r.currentTime > 0; })()`)
	if pressed := value(b, chromedp.Evaluate[string](`document.getElementById("read-aloud").getAttribute("aria-pressed")`)); pressed != "true" {
		t.Fatalf("the button shows aria-pressed=%q while reading", pressed)
	}
	b.until("the next text plays", `(() => { const r = document.getElementById("reader"); return r.src !== "" && !r.src.endsWith(`+jsString(first)+`) && !r.paused; })()`)
	// Nobody touches the kiosk: the wipe stops the reading.
	b.until("the wipe", `document.getElementById("overlay").hidden === false`)
	b.do(chromedp.WaitNotVisible(css(`#overlay`)))
	b.at("start/menu")
	if playing := value(b, chromedp.Evaluate[bool](`(() => { const r = document.getElementById("reader"); return !r.paused || r.src !== ""; })()`)); playing {
		t.Fatal("the reading goes on after the wipe")
	}
}

// until waits up to 20 seconds for a JavaScript condition.
func (b *browser) until(what, js string) {
	b.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); ok {
			return
		}
	}
	b.t.Fatalf("%s: not within 20 seconds", what)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
