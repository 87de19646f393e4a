package staff

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"buurtloket"
	"buurtloket/dialogs"
	stafftexts "buurtloket/locales/staff"
	"buurtloket/postgres"
	"buurtloket/postgres/pgtest"
	"buurtloket/sqlite"
	"buurtloket/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop() // the benchmarks' PostgreSQL, when they ran
	os.Exit(code)
}

// benchStores are the databases the page benchmarks run on, each filled
// with 10,000 open requests.
var benchStores = []struct {
	name string
	open func(b *testing.B) buurtloket.RequestStore
}{
	{"sqlite", func(b *testing.B) buurtloket.RequestStore {
		s, err := sqlite.Open(filepath.Join(b.TempDir(), "b.db"), storetest.NewSealer(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	}},
	{"postgres", func(b *testing.B) buurtloket.RequestStore {
		s, err := postgres.Open(context.Background(), pgtest.Shared(b).NewDatabase(b), storetest.NewSealer(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	}},
}

// go test -run '^$' -bench Page -benchtime 200x ./staff/
//
// BenchmarkPage renders the inbox (its first page, and a page from the
// middle with a filter) and a request page with a thread, of 10,000 open
// requests, as a logged-in staff member's browser asks for them; the
// target is 50 ms a page.
func BenchmarkPage(b *testing.B) {
	for _, db := range benchStores {
		b.Run(db.name, func(b *testing.B) {
			store := db.open(b)
			defer store.Close()
			storetest.FillInbox(b, store, 10000)
			page, err := store.Inbox(context.Background(), buurtloket.InboxQuery{Limit: 200})
			if err != nil || page.Next == nil {
				b.Fatal("the inbox must be filled", err)
			}
			id := page.Requests[17].ID
			for i := 0; i < 10; i++ {
				if _, err := store.Reply(context.Background(), id, "staff:1", fmt.Sprintf("antwoord %d", i)); err != nil {
					b.Fatal(err)
				}
				if _, err := store.AddNote(context.Background(), id, "staff:1", fmt.Sprintf("notitie %d", i)); err != nil {
					b.Fatal(err)
				}
			}
			texts, _ := dialogs.LoadCatalog(stafftexts.FS, "locales/staff")
			s, err := New(Config{Store: store, Texts: texts, Argon2: cheap})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := AddAccount(context.Background(), store, "anna@woonplus.nl", "Anna", buurtloket.RoleStaff, "een goed wachtwoord", cheap); err != nil {
				b.Fatal(err)
			}
			a, _ := store.AccountByEmail(context.Background(), "anna@woonplus.nl")
			store.UpdateAccount(context.Background(), a.ID, func(a *buurtloket.Account) error { a.MustChangePassword = false; return nil })
			token := newToken()
			if err := store.AddStaffSession(context.Background(), hashToken(token), &buurtloket.StaffSession{AccountID: a.ID, Full: true, CSRF: "c"}); err != nil {
				b.Fatal(err)
			}
			for _, p := range []struct{ name, path string }{
				{"inbox", "/staff/"},
				{"inbox-filtered-page", "/staff/?topic=money&after=" + cursorString(page.Next)},
				{"request", fmt.Sprintf("/staff/requests/%d", id)},
			} {
				b.Run(p.name, func(b *testing.B) {
					for b.Loop() {
						req := httptest.NewRequest("GET", p.path, nil)
						req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
						rec := httptest.NewRecorder()
						s.Handler().ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d", p.path, rec.Code)
						}
					}
				})
			}
		})
	}
}
