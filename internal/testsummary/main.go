// Command testsummary reads `go test -json` and prints what a person needs
// from a test run: the packages' ok and FAIL lines, the output of every
// failed test, and at the end a summary that no one can miss: how many
// tests ran, passed, failed and were skipped, and for each kind of skip its
// reason and the one command that fixes it. `make test` pipes into it.
//
//	go test -json ./... | go run ./internal/testsummary [-no-race]
//
// It exits non-zero when a test or a build failed, when the input holds no
// test events at all, and, with CI=true, when any test was skipped.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail name the package here
	Test       string
	Output     string
	Elapsed    float64
}

// skipKind is a reason tests are skipped, found in their output, and what
// fixes it.
type skipKind struct {
	match  string // a substring of the skip message
	reason string
	fix    string
}

// The skips this repository's tests make (kiosk/browser_test.go,
// postgres/pgtest): each says "*** SKIPPING ..." loudly.
var skipKinds = []skipKind{
	{"no Chromium", "Chromium is not installed (browser tests)", "make deps   (or: apt-get install -y chromium)"},
	{"PostgreSQL", "PostgreSQL 15 is not installed (PostgreSQL store tests)", "make deps   (or: apt-get install -y postgresql)"},
	{"axe-core", "axe-core is not installed (accessibility scans)", "make tools  (needs npm: make deps)"},
	{"read-aloud", "espeak-ng or lame is not installed (read-aloud tests)", "make deps   (or: apt-get install -y espeak-ng lame)"},
}

// partial is a part of passing tests that did not run, announced in their
// output: the tests pass, but check less.
var partial = []skipKind{
	{"accessibility scans SKIPPED", "axe-core is not installed: browser tests ran without accessibility scans", "make tools  (needs npm: make deps)"},
}

type result struct {
	passed, failed, skipped int
	buildFailed             []string
	unfinished              []string            // tests that never ended: "name: why"
	skips                   map[string][]string // reason -> tests
	partial                 map[string][]string // reason -> tests
	events                  int
}

func main() {
	noRace := flag.Bool("no-race", false, "the tests ran without the race detector (no C compiler)")
	flag.Parse()
	r := run(os.Stdin, os.Stdout)
	code := report(os.Stdout, r, *noRace, os.Getenv("CI") == "true")
	os.Exit(code)
}

// run reads the events, prints package lines and failed tests' output, and
// counts.
func run(in io.Reader, out io.Writer) *result {
	r := &result{skips: map[string][]string{}, partial: map[string][]string{}}
	outputs := map[string]*strings.Builder{} // package/test -> output so far
	skipped := map[string]bool{}
	running := map[string]map[string]bool{} // package -> tests that started and did not end
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintln(out, string(line)) // not from test2json: show it as it is
			continue
		}
		r.events++
		if e.Package == "" {
			e.Package = e.ImportPath
		}
		key := e.Package + "/" + e.Test
		switch e.Action {
		case "run":
			if !strings.Contains(e.Test, "/") {
				if running[e.Package] == nil {
					running[e.Package] = map[string]bool{}
				}
				running[e.Package][e.Test] = true
			}
		case "output", "build-output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
			if e.Test != "" {
				for _, p := range partial {
					if strings.Contains(e.Output, p.match) {
						r.partial[p.reason] = appendOnce(r.partial[p.reason], shortName(e))
					}
				}
			}
		case "build-fail":
			r.buildFailed = append(r.buildFailed, e.Package)
			if b := outputs[key]; b != nil {
				fmt.Fprint(out, b.String()) // the compiler's errors
				delete(outputs, key)
			}
		case "pass", "fail", "skip":
			text := ""
			if b := outputs[key]; b != nil {
				text = b.String()
				delete(outputs, key)
			}
			if e.Test == "" {
				// A test still running when its package ended did not
				// finish: the binary timed out or crashed (a panic in
				// another goroutine). It counts as failed, with its output,
				// which holds the panic and the goroutines.
				for _, test := range sortedSet(running[e.Package]) {
					k := e.Package + "/" + test
					why := "the package ended while it ran"
					if b := outputs[k]; b != nil {
						fmt.Fprint(out, b.String())
						why = firstPanic(b.String(), why)
						delete(outputs, k)
					}
					fmt.Fprintf(out, "--- DID NOT FINISH: %s (%s)\n", test, why)
					r.failed++
					r.unfinished = append(r.unfinished, shortName(event{Package: e.Package, Test: test})+": "+why)
				}
				delete(running, e.Package)
				// The package's own lines: "ok  pkg 1.2s", "FAIL pkg".
				if e.Action == "fail" && !strings.Contains(text, "FAIL") {
					text += fmt.Sprintf("FAIL\t%s\n", e.Package)
				}
				if e.Action != "skip" {
					fmt.Fprint(out, lastLines(text, e.Action))
				}
				continue
			}
			if strings.Contains(e.Test, "/") {
				continue // subtests count with their parent
			}
			delete(running[e.Package], e.Test)
			switch e.Action {
			case "pass":
				r.passed++
			case "fail":
				r.failed++
				fmt.Fprint(out, text)
			case "skip":
				r.skipped++
				reason := "skipped for another reason (see go test -v)"
				for _, k := range skipKinds {
					if strings.Contains(text, k.match) {
						reason = k.reason
						break
					}
				}
				r.skips[reason] = append(r.skips[reason], shortName(e))
				skipped[shortName(e)] = true
			}
		}
	}
	// A skipped test did not run at all: it counts as skipped, not as
	// checked less.
	for reason, tests := range r.partial {
		var ran []string
		for _, t := range tests {
			if !skipped[t] {
				ran = append(ran, t)
			}
		}
		if len(ran) == 0 {
			delete(r.partial, reason)
		} else {
			r.partial[reason] = ran
		}
	}
	return r
}

// lastLines keeps a passing package's "ok" line, and all of a failing
// package's own output (a panic, a build error, TestMain's words).
func lastLines(text, action string) string {
	if action == "fail" {
		return text
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}

func shortName(e event) string {
	return strings.TrimPrefix(e.Package, "buurtloket/") + "." + e.Test
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// report prints the summary and returns the exit code.
func report(out io.Writer, r *result, noRace, ci bool) int {
	total := r.passed + r.failed + r.skipped
	fmt.Fprintln(out)
	fmt.Fprintln(out, "==================================== test summary ====================================")
	fmt.Fprintf(out, "%d tests: %d passed, %d failed, %d skipped\n", total, r.passed, r.failed, r.skipped)
	if noRace {
		fmt.Fprintln(out, "race detector: OFF (no C compiler for cgo) -- fix: make deps   (or: apt-get install -y gcc)")
	} else {
		fmt.Fprintln(out, "race detector: on")
	}
	for _, reason := range sortedKeys(r.skips) {
		tests := r.skips[reason]
		fmt.Fprintf(out, "SKIPPED %d: %s\n    %s\n", len(tests), reason, names(tests))
		for _, k := range skipKinds {
			if k.reason == reason {
				fmt.Fprintf(out, "    fix: %s\n", k.fix)
			}
		}
	}
	for _, reason := range sortedKeys(r.partial) {
		fmt.Fprintf(out, "CHECKED LESS in %d: %s\n", len(r.partial[reason]), reason)
		for _, k := range partial {
			if k.reason == reason {
				fmt.Fprintf(out, "    fix: %s\n", k.fix)
			}
		}
	}
	for _, u := range r.unfinished {
		fmt.Fprintf(out, "DID NOT FINISH: %s\n", u)
	}
	for _, p := range r.buildFailed {
		fmt.Fprintf(out, "BUILD FAILED: %s\n", p)
	}
	code := 0
	switch {
	case r.events == 0:
		fmt.Fprintln(out, "*** NO TESTS RAN: go test printed no test events (see its errors above)")
		code = 1
	case r.failed > 0 || len(r.buildFailed) > 0:
		fmt.Fprintf(out, "*** FAILED: %d tests failed, %d packages did not build\n", r.failed, len(r.buildFailed))
		code = 1
	case r.skipped > 0 || len(r.partial) > 0:
		less := 0
		for _, tests := range r.partial {
			less += len(tests)
		}
		if ci {
			fmt.Fprintf(out, "*** CI=true: %d tests SKIPPED and %d checked less; in CI everything must run\n", r.skipped, less)
			code = 1
		} else {
			fmt.Fprintf(out, "*** PASSED, BUT INCOMPLETE: %d tests SKIPPED, %d checked less -- see the fixes above\n", r.skipped, less)
		}
	case noRace:
		fmt.Fprintln(out, "*** PASSED, without the race detector")
	default:
		fmt.Fprintln(out, "*** PASSED: every test ran")
	}
	return code
}

// firstPanic is the line of a test's output that says why the binary
// stopped ("panic: test timed out after 10m0s"), or else why.
func firstPanic(output, why string) string {
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
			return strings.TrimSpace(line)
		}
	}
	return why
}

func sortedSet(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func names(tests []string) string {
	sort.Strings(tests)
	if len(tests) > 6 {
		return strings.Join(tests[:6], ", ") + fmt.Sprintf(", and %d more", len(tests)-6)
	}
	return strings.Join(tests, ", ")
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
