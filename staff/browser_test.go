package staff

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/internal/browsertest"
	"buurtloket/storetest"

	"github.com/chromedp/chromedp"
)

// TestBrowserConsoleLogin walks the first login of an admin in Chromium,
// from the one-time password to the inbox, and scans every page with
// axe-core: no serious or critical violation. Screenshots go to
// BUURTLOKET_SCREENSHOTS (make screenshots: docs/screenshots).
func TestBrowserConsoleLogin(t *testing.T) {
	c := newConsole(t)
	ctx := browsertest.New(t, 1280, 900, chromedp.Flag("accept-lang", "nl-NL,nl")) // staff read Dutch
	axe := browsertest.Axe(t)
	shots := os.Getenv("BUURTLOKET_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for i, p := range []buurtloket.Priority{buurtloket.PriorityUrgent, buurtloket.PriorityNormal, buurtloket.PriorityHigh} {
		r := storetest.NewRequest("browser-" + string(p))
		r.Priority = p
		r.Topic = buurtloket.Topics[i]
		if _, err := c.store.Submit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	once := OneTimePassword()
	if _, err := AddAccount(context.Background(), c.store, "beheer@woonplus.nl", "Fatima Yılmaz", buurtloket.RoleAdmin, once, cheap); err != nil {
		t.Fatal(err)
	}
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if axe == "" {
			return
		}
		found, err := browsertest.Violations(ctx, axe)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range found {
			t.Errorf("accessibility on %s: %s", name, v)
		}
	}
	// at waits until the page's heading is the message title: a click
	// that posts a form leaves the old page up for a moment.
	at := func(title string) {
		t.Helper()
		want := c.s.cfg.Texts.Text("nl", title)
		got := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			// Errors while the page navigates are expected: try again.
			if got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" && document.querySelector("h1") ? document.querySelector("h1").textContent : ""`)); got == want {
				return
			}
		}
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("waiting for %q, the page says: %s", want, body)
	}
	run(chromedp.Navigate(c.srv.URL + "/staff/"))
	at("staff.login.title")
	scan("console-login")
	run(chromedp.SendKeys(chromedp.CSS("#email"), "beheer@woonplus.nl"), chromedp.SendKeys(chromedp.CSS("#password"), "fout"), // a wrong password first
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.login.title")
	run(chromedp.WaitVisible(chromedp.CSS(".problem")))
	scan("console-login-wrong")
	run(chromedp.SendKeys(chromedp.CSS("#password"), once), chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.password.title")
	scan("console-password")
	run(chromedp.SendKeys(chromedp.CSS("#new"), "drie lange woorden hier"), chromedp.SendKeys(chromedp.CSS("#again"), "drie lange woorden hier"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.two_factor.title")
	scan("console-two-factor")
	secret, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("input[name=secret]").value`))
	if err != nil {
		t.Fatal(err)
	}
	code, err := totpCode(secret, c.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Click(chromedp.CSS("main button[type=submit]")))
	at("staff.recovery.title")
	scan("console-recovery")
	run(chromedp.Click(chromedp.CSS("a.button")))
	at("staff.inbox.title")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.inbox tbody tr").length`))
	if err != nil || rows != 3 {
		t.Fatalf("the inbox shows %d requests (%v), want 3", rows, err)
	}
	scan("console-inbox")
	run(chromedp.Navigate(c.srv.URL + "/staff/accounts"))
	at("staff.accounts.title")
	scan("console-accounts")
	run(chromedp.Click(chromedp.CSS("header form button")))
	at("staff.login.title")
}
