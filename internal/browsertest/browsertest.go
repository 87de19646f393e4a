// Package browsertest drives pages in real headless Chromium (Debian's
// chromium package) for the tests of the kiosk page and the staff console,
// and checks them with axe-core. Outside CI a missing Chromium or axe-core
// skips loudly; with CI=true it fails.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the path of Chromium: BUURTLOKET_CHROMIUM, or Debian's.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("BUURTLOKET_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if p, err := exec.LookPath(p); err == nil { // a file that can run, not just a name
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is needed in CI (make deps)")
	}
	t.Skip("\n\n*** SKIPPING browser tests: no Chromium (make deps, or apt-get install chromium, or set BUURTLOKET_CHROMIUM)\n")
	return ""
}

// Axe returns axe-core's source, from BUURTLOKET_AXE or .cache/npm (make
// tools installs it there); "" outside CI when it is missing.
func Axe(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("BUURTLOKET_AXE"), "../.cache/npm/node_modules/axe-core/axe.min.js"} {
		if p == "" {
			continue
		}
		if data, err := os.ReadFile(p); err == nil {
			return string(data)
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("axe-core is needed in CI (make tools)")
	}
	t.Log("\n\n*** axe-core not found: accessibility scans SKIPPED (run make tools)\n")
	return ""
}

// New starts Chromium with a window of width × height (and any more
// options) and returns its context, which the test's end closes; the
// whole test must be done within 4 minutes (a bound for a hung step, far
// above what the longest test takes on a busy machine).
func New(t testing.TB, width, height int, more ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
	)
	opts = append(opts, more...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// Violations runs axe-core (its source) on the page and returns the
// serious and critical violations.
func Violations(ctx context.Context, axe string) ([]string, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
		return nil, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + " (" + v.nodes.map(n => n.target.join(" ")).join(", ") + ")"))`,
		chromedp.EvalAwaitPromise))
}
