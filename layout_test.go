package buurtloket

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAdaptersDoNotImportEachOther keeps the layout honest: the domain
// imports no adapter, and no adapter imports another; only cmd/buurtloket
// wires them together.
func TestAdaptersDoNotImportEachOther(t *testing.T) {
	adapters := []string{"buurtloket/sqlite", "buurtloket/postgres", "buurtloket/kiosk", "buurtloket/staff", "buurtloket/delivery", "buurtloket/terminal", "buurtloket/wijken"}
	for _, pkg := range append([]string{"buurtloket", "buurtloket/dialogs", "buurtloket/requests"}, adapters...) {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, a := range adapters {
				if dep == a && dep != pkg {
					t.Errorf("%s imports %s", pkg, a)
				}
			}
		}
	}
}

// TestOneStoreForBothDatabases: the request store's rules and statements
// (package requests) are written once, over requests.DB, and import no
// database driver; each driver is imported only by its own package.
func TestOneStoreForBothDatabases(t *testing.T) {
	drivers := map[string]string{"modernc.org/sqlite": "buurtloket/sqlite", "github.com/jackc/pgx/v5": "buurtloket/postgres"}
	out, err := exec.Command("go", "list", "-deps", "-test=false", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.HasPrefix(pkg, "buurtloket") {
			continue
		}
		deps, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, deps)
		}
		for _, dep := range strings.Fields(string(deps)) {
			for driver, owner := range drivers {
				if strings.HasPrefix(dep, driver) && pkg != owner && !strings.HasPrefix(pkg, owner+"/") {
					t.Errorf("%s imports %s; only %s may", pkg, dep, owner)
				}
			}
		}
	}
}

// TestArchitectureNamesRealTests keeps docs/architecture.md honest: every
// test it names as holding a promise exists (a name ending in * stands for
// the tests it starts).
func TestArchitectureNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	var defined []string
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".cache" || d.Name() == "node_modules") {
			if err == nil {
				return filepath.SkipDir
			}
			return err
		}
		if strings.HasSuffix(p, "_test.go") {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range testFunc.FindAllStringSubmatch(string(data), -1) {
				defined = append(defined, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	named := testName.FindAllStringSubmatch(string(doc), -1)
	if len(named) < 30 {
		t.Fatalf("docs/architecture.md names only %d tests", len(named))
	}
	for _, m := range named {
		name, prefix := m[1], m[2] == "*"
		found := false
		for _, d := range defined {
			found = found || d == name || prefix && strings.HasPrefix(d, name)
		}
		if !found {
			t.Errorf("docs/architecture.md names %s%s, which is no test", name, m[2])
		}
	}
}

var (
	testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)\w+)\(`)
	testName = regexp.MustCompile("`((?:Test|Fuzz)\\w*)(\\*?)`")
)
