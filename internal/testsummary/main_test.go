package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func stream(events ...event) string {
	var b strings.Builder
	for _, e := range events {
		data, _ := json.Marshal(e)
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

func summarize(t *testing.T, in string, noRace, ci bool) (string, int) {
	t.Helper()
	var out bytes.Buffer
	r := run(strings.NewReader(in), &out)
	code := report(&out, r, noRace, ci)
	return out.String(), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAllPassed(t *testing.T) {
	in := stream(
		event{Action: "run", Package: "buurtloket/a", Test: "TestOne"},
		event{Action: "output", Package: "buurtloket/a", Test: "TestOne", Output: "=== RUN   TestOne\n"},
		event{Action: "pass", Package: "buurtloket/a", Test: "TestOne"},
		event{Action: "pass", Package: "buurtloket/a", Test: "TestOne/sub"},
		event{Action: "output", Package: "buurtloket/a", Output: "PASS\n"},
		event{Action: "output", Package: "buurtloket/a", Output: "ok  \tbuurtloket/a\t0.1s\n"},
		event{Action: "pass", Package: "buurtloket/a"},
	)
	out, code := summarize(t, in, false, false)
	if code != 0 || !strings.Contains(out, "ok  \tbuurtloket/a\t0.1s\n") || strings.Contains(out, "=== RUN") ||
		!strings.Contains(out, "1 tests: 1 passed, 0 failed, 0 skipped") || lastLine(out) != "*** PASSED: every test ran" {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if out, _ := summarize(t, in, true, false); !strings.Contains(out, "race detector: OFF") || lastLine(out) != "*** PASSED, without the race detector" {
		t.Fatalf("without -race:\n%s", out)
	}
}

func TestSkipsAreGroupedWithTheirFix(t *testing.T) {
	in := stream(
		event{Action: "output", Package: "buurtloket/kiosk", Test: "TestBrowserA", Output: "    browser_test.go:41: \n\n*** SKIPPING browser tests: no Chromium (apt-get install chromium)\n"},
		event{Action: "skip", Package: "buurtloket/kiosk", Test: "TestBrowserA"},
		event{Action: "output", Package: "buurtloket/kiosk", Test: "TestBrowserB", Output: "*** SKIPPING browser tests: no Chromium\n"},
		event{Action: "skip", Package: "buurtloket/kiosk", Test: "TestBrowserB"},
		event{Action: "output", Package: "buurtloket/kiosk", Test: "TestPage", Output: "*** axe-core not found: accessibility scans SKIPPED (run make tools)\n"},
		event{Action: "pass", Package: "buurtloket/kiosk", Test: "TestPage"},
		event{Action: "output", Package: "buurtloket/postgres", Test: "TestStore", Output: "*** SKIPPING PostgreSQL tests: initdb not found\n"},
		event{Action: "skip", Package: "buurtloket/postgres", Test: "TestStore"},
		event{Action: "output", Package: "buurtloket/kiosk", Test: "TestAxe", Output: "*** axe-core not found: accessibility scans SKIPPED\n*** SKIPPING: axe-core not installed (make tools)\n"},
		event{Action: "skip", Package: "buurtloket/kiosk", Test: "TestAxe"},
		event{Action: "skip", Package: "buurtloket/nothing"}, // no test files
	)
	out, code := summarize(t, in, false, false)
	for _, want := range []string{
		"5 tests: 1 passed, 0 failed, 4 skipped",
		"SKIPPED 1: axe-core is not installed (accessibility scans)\n    kiosk.TestAxe\n",
		"SKIPPED 2: Chromium is not installed (browser tests)\n    kiosk.TestBrowserA, kiosk.TestBrowserB\n    fix: make deps",
		"SKIPPED 1: PostgreSQL 15 is not installed (PostgreSQL store tests)\n    postgres.TestStore\n    fix: make deps",
		"CHECKED LESS in 1: axe-core is not installed", // TestPage; TestAxe is skipped, not checked less
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || lastLine(out) != "*** PASSED, BUT INCOMPLETE: 4 tests SKIPPED, 1 checked less -- see the fixes above" {
		t.Fatalf("exit %d, last line %q", code, lastLine(out))
	}
	if out, code := summarize(t, in, false, true); code != 1 || !strings.HasPrefix(lastLine(out), "*** CI=true") {
		t.Fatalf("with CI=true: exit %d, last line %q", code, lastLine(out))
	}
}

func TestFailuresShowTheirOutput(t *testing.T) {
	in := stream(
		event{Action: "output", Package: "buurtloket/a", Test: "TestBad", Output: "    a_test.go:9: want 2, got 3\n"},
		event{Action: "fail", Package: "buurtloket/a", Test: "TestBad"},
		event{Action: "output", Package: "buurtloket/a", Output: "FAIL\tbuurtloket/a\t0.2s\n"},
		event{Action: "fail", Package: "buurtloket/a"},
		event{Action: "build-output", ImportPath: "buurtloket/b [buurtloket/b.test]", Output: "b.go:3: undefined: x\n"},
		event{Action: "build-fail", ImportPath: "buurtloket/b [buurtloket/b.test]"},
		event{Action: "output", Package: "buurtloket/b", Output: "FAIL\tbuurtloket/b [build failed]\n"},
		event{Action: "fail", Package: "buurtloket/b"},
	)
	out, code := summarize(t, in, false, false)
	if code != 1 || !strings.Contains(out, "want 2, got 3") || !strings.Contains(out, "BUILD FAILED: buurtloket/b") || !strings.Contains(out, "undefined: x") ||
		!strings.HasPrefix(lastLine(out), "*** FAILED: 1 tests failed, 1 packages did not build") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestNoEventsIsAFailure(t *testing.T) {
	out, code := summarize(t, "go: cannot find main module\n", false, false)
	if code != 1 || !strings.Contains(out, "go: cannot find main module") || !strings.HasPrefix(lastLine(out), "*** NO TESTS RAN") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// A test binary that times out (or panics in another goroutine) ends its
// package while a test runs; go test reports no end for that test.
func TestUnfinishedTestIsAFailure(t *testing.T) {
	in := stream(
		event{Action: "run", Package: "buurtloket/a", Test: "TestQuick"},
		event{Action: "pass", Package: "buurtloket/a", Test: "TestQuick"},
		event{Action: "run", Package: "buurtloket/a", Test: "TestHang"},
		event{Action: "run", Package: "buurtloket/a", Test: "TestHang/sub"},
		event{Action: "output", Package: "buurtloket/a", Test: "TestHang", Output: "=== RUN   TestHang\n"},
		event{Action: "output", Package: "buurtloket/a", Test: "TestHang", Output: "panic: test timed out after 10m0s\n"},
		event{Action: "output", Package: "buurtloket/a", Test: "TestHang", Output: "\trunning tests:\n\t\tTestHang (10m0s)\n\ngoroutine 7 [select]:\nbuurtloket/a.wait()\n"},
		event{Action: "output", Package: "buurtloket/a", Output: "FAIL\tbuurtloket/a\t600.1s\n"},
		event{Action: "fail", Package: "buurtloket/a"},
	)
	out, code := summarize(t, in, false, false)
	for _, want := range []string{
		"buurtloket/a.wait()",
		"--- DID NOT FINISH: TestHang (panic: test timed out after 10m0s)",
		"2 tests: 1 passed, 1 failed, 0 skipped",
		"DID NOT FINISH: a.TestHang: panic: test timed out after 10m0s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || !strings.HasPrefix(lastLine(out), "*** FAILED: 1 tests failed") {
		t.Fatalf("exit %d, last line %q", code, lastLine(out))
	}
}
