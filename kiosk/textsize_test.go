package kiosk

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"buurtloket/speech"

	"github.com/chromedp/chromedp"
)

// Text large enough to read at the kiosk (docs/kiosk.md, "Text size"):
// a resident stands at about 50 cm from a 24-inch portrait screen of
// 1080×1920 (pixels of 0.277 mm). EN 301 549 §5.1.4 asks capitals of at
// least 0.7° there: 500 mm × tan 0.7° = 6.1 mm, 22 px.
const (
	kioskMinText   = 30.0 // px, any text on a kiosk screen
	kioskMinH1     = 44.0 // px, the question
	kioskMinCap    = 22.0 // px, font-size × capRatio of any text: 0.7° at 50 cm
	capRatio       = 0.7  // capital height of the page's sans-serif fonts (0.71-0.73), rounded down
	kioskMinTarget = 72.0 // px, every button and link, both ways (20 mm)
	phoneMinTarget = 56.0 // px, the phone page's own minimum (unchanged)
)

// textSizes is what measureText finds on the screen shown.
type textSizes struct {
	Width, Height int     // the viewport
	ScrollWidth   int     // of the document: wider than the viewport scrolls sideways
	Body, H1      float64 // computed font-size in px (H1 0 when there is none)
	CapH          float64 // the height of an "H" in the body's font, as drawn
	MinText       float64 // the smallest font-size of any visible text
	MinTextAt     string
	Targets       int // visible buttons and links
	MinTargetW    float64
	MinTargetH    float64
	Small         []string // targets below the minimum: "label w×h"
	Out           []string // elements that stick out of the viewport sideways
	Clipped       []string // buttons and links whose text overflows their box
	Broken        []string // words split over two lines (too long for their box)
	Covered       []string // buttons and links on the screen that something else covers
	Keys          int      // keys of the on-screen keyboard shown
	KeyboardW     float64
	ScrollHeight  int
	Used          float64 // the bottom of the screen's content (main's last child)
}

// measureJS measures the screen shown; it is called with the minimum
// target size.
const measureJS = `(min) => {
	const px = (e) => parseFloat(getComputedStyle(e).fontSize);
	const shown = (e) => {
		const r = e.getBoundingClientRect(), s = getComputedStyle(e);
		return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
	};
	const name = (e) => (e.getAttribute("aria-label") || e.textContent || e.tagName).trim().replace(/\s+/g, " ").slice(0, 40);
	const W = window.innerWidth;
	const out = { width: W, height: window.innerHeight, scrollWidth: document.documentElement.scrollWidth,
		scrollHeight: document.documentElement.scrollHeight,
		body: px(document.body), h1: 0, capH: 0, minText: 1e9, minTextAt: "", targets: 0, minTargetW: 1e9, minTargetH: 1e9,
		small: [], out: [], clipped: [], broken: [], covered: [], keys: 0, keyboardW: 0, used: 0 };
	const last = document.querySelector("main") && document.querySelector("main").lastElementChild;
	if (last) out.used = last.getBoundingClientRect().bottom + window.scrollY;
	const h1 = [...document.querySelectorAll("h1")].filter(shown)[0];
	if (h1) out.h1 = px(h1);
	const s = getComputedStyle(document.body);
	const ctx = document.createElement("canvas").getContext("2d");
	ctx.font = s.fontWeight + " " + s.fontSize + " " + s.fontFamily;
	out.capH = ctx.measureText("H").actualBoundingBoxAscent;
	for (const e of document.body.querySelectorAll("*")) {
		if (e.closest("script, style, audio") || !shown(e)) continue;
		const r = e.getBoundingClientRect();
		if (r.left < -0.5 || r.right > W + 0.5) out.out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") + " " + name(e) + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
		const texts = [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
		if (texts.length && px(e) < out.minText) { out.minText = px(e); out.minTextAt = e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " " + name(e); }
		// A word whose pieces stand on different lines was broken.
		for (const n of texts) {
			for (const w of n.textContent.matchAll(/\S+/g)) {
				const range = document.createRange();
				range.setStart(n, w.index);
				range.setEnd(n, w.index + w[0].length);
				const tops = [...range.getClientRects()].map((r) => r.top);
				if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > px(e) / 2) out.broken.push(w[0]);
			}
		}
	}
	for (const e of document.querySelectorAll("button, a[href]")) {
		if (!shown(e)) continue;
		const r = e.getBoundingClientRect();
		out.targets++;
		out.minTargetW = Math.min(out.minTargetW, r.width);
		out.minTargetH = Math.min(out.minTargetH, r.height);
		if (r.width < min || r.height < min) out.small.push(name(e) + " " + Math.round(r.width) + "×" + Math.round(r.height));
		const x = r.left + r.width / 2, y = r.top + r.height / 2;
		if (x >= 0 && x < W && y >= 0 && y < window.innerHeight) {
			const hit = document.elementFromPoint(x, y);
			if (!hit || !e.contains(hit)) out.covered.push(name(e) + " under " + (hit ? hit.tagName.toLowerCase() + (hit.id ? "#" + hit.id : "") + " " + name(hit) : "nothing"));
		}
		for (const c of [e, ...e.querySelectorAll("span")]) {
			if (c.scrollWidth > c.clientWidth + 1 && c.clientWidth > 0) { out.clipped.push(name(e)); break; }
		}
	}
	const kb = document.getElementById("keyboard");
	if (kb && shown(kb)) {
		out.keys = kb.querySelectorAll("button").length;
		out.keyboardW = kb.getBoundingClientRect().width;
	}
	return out;
}`

func (b *browser) measureText(minTarget float64) textSizes {
	b.t.Helper()
	return value(b, chromedp.Evaluate[textSizes](fmt.Sprintf("(%s)(%v)", measureJS, minTarget)))
}

// checkKioskText measures the kiosk screen shown, saves a screenshot,
// scans it with axe-core and logs a row of the test's table.
func (b *browser) checkKioskText(screen string, width, height int) textSizes {
	b.t.Helper()
	m := b.measureText(kioskMinTarget)
	b.scan("textsize-" + strings.NewReplacer("/", "-", " ", "-", "+", "-").Replace(screen))
	b.t.Logf("| %-26s | %4.0f | %4.0f | %4.1f | %4.1f | %4.0f | %3d | %3.0f×%-3.0f | %4d | %4.0f / %-4d | %3d |", screen,
		m.Body, m.MinText, m.MinText*capRatio, m.CapH, m.H1, m.Targets, m.MinTargetW, m.MinTargetH, m.ScrollWidth, m.Used, m.ScrollHeight, m.Keys)
	if m.Width != width || m.Height != height {
		b.t.Fatalf("%s: the viewport is %d×%d, want the kiosk's %d×%d", screen, m.Width, m.Height, width, height)
	}
	if m.Body < kioskMinText {
		b.t.Errorf("%s: body text %.1f px, want at least %.0f", screen, m.Body, kioskMinText)
	}
	if m.MinText < kioskMinText {
		b.t.Errorf("%s: text of %.1f px (%s), want at least %.0f", screen, m.MinText, m.MinTextAt, kioskMinText)
	}
	if m.Body*capRatio < kioskMinCap || m.MinText*capRatio < kioskMinCap {
		b.t.Errorf("%s: capitals about %.1f px high, want at least %.0f", screen, math.Min(m.Body, m.MinText)*capRatio, kioskMinCap)
	}
	if m.H1 < kioskMinH1 {
		b.t.Errorf("%s: heading %.1f px, want at least %.0f", screen, m.H1, kioskMinH1)
	}
	if m.Targets == 0 {
		b.t.Errorf("%s: no buttons measured", screen)
	}
	if len(m.Small) > 0 {
		b.t.Errorf("%s: targets smaller than %.0f px: %v", screen, kioskMinTarget, m.Small)
	}
	if m.ScrollWidth > m.Width || len(m.Out) > 0 {
		b.t.Errorf("%s: the page is %d px wide for a viewport of %d; sticking out: %v", screen, m.ScrollWidth, m.Width, m.Out)
	}
	if len(m.Clipped) > 0 {
		b.t.Errorf("%s: labels that do not fit their button: %v", screen, m.Clipped)
	}
	if len(m.Broken) > 0 {
		b.t.Errorf("%s: words broken over two lines: %q", screen, m.Broken)
	}
	if len(m.Covered) > 0 {
		b.t.Errorf("%s: buttons that cannot be touched: %v", screen, m.Covered)
	}
	return m
}

// TestKioskTextSize measures the computed sizes on the kiosk screens at
// 1080×1920 (go test -v shows them as a table): not paired, the start menu, questions with options (long Bulgarian and
// Polish labels too), a text question with the keyboard open, the check
// screen, the end screen with the ticket, a page of self-help with links,
// once in Arabic; and some of them in landscape.
func TestKioskTextSize(t *testing.T) {
	// Read-aloud on, as a kiosk has it (make deps): its button, the first
	// on every screen, is measured too.
	b := newBrowserWith(t, 1080, 1920, func(c *Config) {
		c.Kiosk = KioskMode
		sp, err := speech.New(speech.Config{Cache: t.TempDir(), Sealer: c.Sealer}, c.Engine().Content().Catalog)
		switch {
		case err == nil:
			c.Speech = sp
		case os.Getenv("CI") == "true":
			t.Fatalf("read-aloud is needed in CI: %v", err)
		default:
			t.Logf("\n\n*** read-aloud is off (%v): its button is NOT measured\n", err)
		}
	})
	// The window's frame takes some of its 1920 px; a kiosk in full screen
	// has them all.
	width, height := 1080, 1920
	b.do(chromedp.EmulateViewport(int64(width), int64(height)))
	check := func(screen string) textSizes { return b.checkKioskText(screen, width, height) }
	t.Logf("| %-26s | %4s | %4s | %4s | %4s | %4s | %3s | %-7s | %4s | %-11s | %3s |", "screen", "body", "min", "cap", "H", "h1", "btn", "min w×h", "wide", "used / high", "key")
	// Not paired yet: the screen a resident may find, in Dutch and English.
	b.do(chromedp.Navigate(b.base+"/kiosk/"), chromedp.WaitVisible(css(`main.unpaired`)))
	check("not paired")
	b.pairKiosk()
	b.at("start/menu")
	if b.web.cfg.Speech != nil {
		b.do(chromedp.WaitVisible(css(`#read-aloud`)))
	}
	check("start/menu")
	b.choose("repairs", "repairs/what")
	check("repairs/what")
	b.choose("other", "repairs/question")
	b.do(chromedp.Click(css("#answer"), chromedp.NodeVisible), chromedp.WaitVisible(css("#keyboard")))
	if m := check("repairs/question+keys"); m.Keys < 40 || m.KeyboardW > float64(m.Width) {
		t.Errorf("the keyboard shows %d keys in %.0f px", m.Keys, m.KeyboardW)
	}
	b.submit("repairs/identity", "#answer", "De voordeur klemt.")
	check("repairs/identity")
	b.choose("anonymous", "repairs/postcode")
	check("repairs/postcode")
	b.skip("repairs/check")
	check("repairs/check")
	b.choose("send", "repairs/sent")
	if code := value(b, chromedp.Text(css("#ticket-code"))); !validTicket(code) {
		t.Fatalf("ticket %q", code)
	}
	check("repairs/sent")

	// The longest labels: the money flow's letters in Bulgarian and Polish,
	// and the page of what to do today, with its phone links.
	for _, lang := range []string{"bg", "pl"} {
		b.do(chromedp.Click(css(`button[data-global="restart"]`), chromedp.NodeVisible))
		b.at("start/menu")
		b.do(chromedp.Click(css(`main button[lang="`+lang+`"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[lang="`+lang+`"]`)))
		check("start/menu " + lang)
		b.choose("money", "money/bills")
		b.choose("rent", "money/how_long")
		b.choose("long", "money/letters")
		check("money/letters " + lang)
		b.choose("court", "money/urgent_rent")
		check("money/urgent_rent " + lang)
	}

	// Right to left: the same sizes, and the pictogram of an option at its
	// right (the start of an Arabic line).
	b.do(chromedp.Click(css(`button[data-global="restart"]`), chromedp.NodeVisible))
	b.at("start/menu")
	b.do(chromedp.Click(css(`main button[lang="ar"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[dir="rtl"]`)))
	check("start/menu ar")
	b.choose("repairs", "repairs/what")
	check("repairs/what ar")
	if !value(b, chromedp.Evaluate[bool](`(() => { const o = document.querySelector("main .options button");
		return o.querySelector(".icon").getBoundingClientRect().left > o.querySelector("span:not(.icon)").getBoundingClientRect().left })()`)) {
		t.Error("in Arabic the options' pictograms are not at the right")
	}

	// Landscape (1920×1080) works too: three columns of options, and the
	// keyboard.
	width, height = 1920, 1080
	b.do(chromedp.EmulateViewport(int64(width), int64(height)))
	b.do(chromedp.Click(css(`button[data-global="restart"]`), chromedp.NodeVisible))
	b.at("start/menu")
	b.do(chromedp.Click(css(`main button[lang="pl"]`), chromedp.NodeVisible), chromedp.WaitVisible(css(`html[lang="pl"]`)))
	check("start/menu pl landscape")
	b.choose("money", "money/bills")
	b.choose("rent", "money/how_long")
	b.choose("long", "money/letters")
	check("money/letters pl landscape")
	b.do(chromedp.Click(css(`button[data-global="restart"]`), chromedp.NodeVisible))
	b.at("start/menu")
	b.choose("repairs", "repairs/what")
	b.choose("other", "repairs/question")
	b.do(chromedp.Click(css("#answer"), chromedp.NodeVisible), chromedp.WaitVisible(css("#keyboard")))
	check("repairs/question+keys landscape")
}

// TestKioskTextSizePhone: the phone page keeps its own sizes, smaller than
// the kiosk's, without sideways scrolling, with its own 56 px targets.
func TestKioskTextSizePhone(t *testing.T) {
	p := newBrowser(t, 390, 844, KioskMode)
	p.do(chromedp.EmulateViewport(390, 844)) // headless Chromium's window is at least 500 px wide
	p.do(chromedp.Navigate(p.base + "/"))
	p.at("start/menu")
	for i, screen := range []string{"start/menu", "money/bills"} {
		if i > 0 {
			p.choose("money", screen)
		}
		m := p.measureText(phoneMinTarget)
		t.Logf("phone %s: viewport %d×%d, body %.1f px, h1 %.1f px, smallest text %.1f px, %d targets, smallest %.0f×%.0f, page %d px wide",
			screen, m.Width, m.Height, m.Body, m.H1, m.MinText, m.Targets, m.MinTargetW, m.MinTargetH, m.ScrollWidth)
		if mode := value(p, chromedp.Evaluate[string](`document.documentElement.dataset.mode`)); mode != "phone" {
			t.Fatalf("phone: mode %q", mode)
		}
		if m.Body != 18 || m.Body >= kioskMinText || m.H1 >= kioskMinH1 {
			t.Errorf("phone %s: body %.1f px and heading %.1f px, want the phone's own 18 px body, smaller than a kiosk's", screen, m.Body, m.H1)
		}
		if m.ScrollWidth > m.Width || len(m.Out) > 0 {
			t.Errorf("phone %s: the page is %d px wide for %d; sticking out: %v", screen, m.ScrollWidth, m.Width, m.Out)
		}
		if len(m.Small) > 0 {
			t.Errorf("phone %s: targets smaller than %.0f px: %v", screen, phoneMinTarget, m.Small)
		}
	}
}
