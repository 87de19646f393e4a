package storetest

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"buurtloket"
)

// Raw lets the contract look into a store's tables the way someone with a
// copy of the database would. The queries are plain SQL that SQLite and
// PostgreSQL read alike.
type Raw interface {
	QueryRow(ctx context.Context, query string, dest ...any) error
	Exec(ctx context.Context, query string) error
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// AtRest checks what a copy of the database shows: no contact details,
// reply routes, PINs or conversations in progress in readable form; an audit trail that cannot be
// changed; and no way back to the resident once a request is closed.
func AtRest(t *testing.T, s Store, raw Raw) {
	ctx := context.Background()
	r := NewRequest("rest")
	r.Contact = &buurtloket.Contact{Name: "Fatima Yilmaz", Phone: "0612345678"}
	r.Route = "telegram:987654321"
	rec, err := s.Submit(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	var contact, route []byte
	var pinHash string
	if err := raw.QueryRow(ctx, `SELECT c.sealed, r.sealed, q.pin_hash FROM contacts c JOIN routes r USING (request_id) JOIN requests q ON q.id = c.request_id`,
		&contact, &route, &pinHash); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Fatima", "0612345678", "987654321"} {
		if strings.Contains(string(contact)+string(route), secret) {
			t.Errorf("%q is readable at rest", secret)
		}
	}
	if !hexHash.MatchString(pinHash) {
		t.Errorf("the PIN is stored as %q, want an HMAC", pinHash)
	}
	// A conversation in progress is sealed as well, and bound to its name.
	session := []byte(`{"answers":["Fatima Yilmaz","0612345678"]}`)
	if err := s.SaveSession(ctx, "rest-session", session, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := raw.QueryRow(ctx, `SELECT data FROM sessions WHERE id = 'rest-session'`, &stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "Fatima") || strings.Contains(string(stored), "0612345678") {
		t.Error("a stored session is readable at rest")
	}
	if got, err := s.LoadSession(ctx, "rest-session"); err != nil || string(got) != string(session) {
		t.Fatalf("the sealed session loads as %q (%v)", got, err)
	}
	if err := raw.Exec(ctx, `UPDATE sessions SET id = 'other-session' WHERE id = 'rest-session'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadSession(ctx, "other-session"); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Errorf("a session moved to another name opens: %v", err)
	}
	// So are the bot's updates and chats.
	if _, _, err := s.AddBotUpdate(ctx, 7, "rest-chat", []byte(`{"message":{"chat":{"id":987654321},"text":"Fatima Yilmaz"}}`), 0); err != nil {
		t.Fatal(err)
	}
	claim, err := s.ClaimBotChat(ctx, "rest-chat", time.Minute, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.BotUpdateHandled(ctx, "rest-chat", claim.Token, 7, []byte(`{"chat":987654321,"phone":"0612345678"}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	var payload, state []byte
	if err := raw.QueryRow(ctx, `SELECT u.payload, c.state FROM bot_updates u JOIN bot_chats c ON c.chat = u.chat WHERE u.id = 7`, &payload, &state); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Fatima", "0612345678", "987654321"} {
		if strings.Contains(string(payload)+string(state), secret) {
			t.Errorf("%q of a bot chat is readable at rest", secret)
		}
	}
	// The login throttle keeps no address anyone typed.
	if _, err := s.LoginFailed(ctx, []string{"email:niemand@woonplus.nl", "client:203.0.113.7"}, []int{5, 20}); err != nil {
		t.Fatal(err)
	}
	var keys string
	if err := raw.QueryRow(ctx, `SELECT min(key) || max(key) FROM login_throttle`, &keys); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(keys, "niemand") || strings.Contains(keys, "203.0.113.7") {
		t.Errorf("the login throttle keeps %q", keys)
	}
	// A staff member's second factor is sealed, bound to the account.
	a := &buurtloket.Account{Email: "anna@woonplus.nl", Name: "Anna", Role: buurtloket.RoleAdmin, PasswordHash: "$argon2id$x"}
	if err := s.AddAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	if _, err := s.UpdateAccount(ctx, a.ID, func(a *buurtloket.Account) error { a.TOTPSecret = totpSecret; return nil }); err != nil {
		t.Fatal(err)
	}
	var totpSealed []byte
	if err := raw.QueryRow(ctx, `SELECT totp_sealed FROM staff_accounts`, &totpSealed); err != nil {
		t.Fatal(err)
	}
	if len(totpSealed) == 0 || strings.Contains(string(totpSealed), totpSecret) {
		t.Errorf("the two-factor secret is readable at rest: %q", totpSealed)
	}
	if err := raw.Exec(ctx, `INSERT INTO staff_accounts (id, email, name, role, password_hash, totp_sealed, created_at)
		SELECT id + 1, 'other@woonplus.nl', name, role, password_hash, totp_sealed, created_at FROM staff_accounts`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountByEmail(ctx, "other@woonplus.nl"); err == nil {
		t.Error("a second factor copied to another account opens")
	}
	// The audit trail cannot be changed, not even by hand.
	if err := raw.Exec(ctx, `UPDATE audit SET actor = 'x'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("audit update: %v", err)
	}
	if err := raw.Exec(ctx, `DELETE FROM audit`); err == nil {
		t.Error("audit rows can be deleted")
	}
	// Closing removes the way back to the resident.
	if err := s.SetStatus(ctx, rec.ID, "staff:anna", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRow(ctx, `SELECT count(*) FROM routes`, &n); err != nil || n != 0 {
		t.Errorf("routes after closing: %d (%v); the reply route must go", n, err)
	}
}
