package dialogs

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineImportsNoTransport keeps the engine and the domain free of
// transport, Telegram and SQL packages: channels depend on them, never the
// other way round.
func TestEngineImportsNoTransport(t *testing.T) {
	forbidden := []string{
		"net/http", "net/rpc", "net/smtp", "database/sql",
		"github.com/gorilla/websocket", "github.com/go-telegram/bot",
		"github.com/jackc/pgx", "modernc.org/sqlite", "github.com/chromedp",
	}
	for _, pkg := range []string{"buurtloket", "buurtloket/dialogs"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed only %v", pkg, deps)
		}
		for _, dep := range deps {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
		}
	}
}
