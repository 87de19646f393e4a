package main

import (
	"context"
	"errors"
	"fmt"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/staff"
)

// firstAdmin is the account a first start makes, when there is none.
const firstAdmin = "admin@localhost"

// openConsole makes the staff console. On a first start (no accounts at
// all) it adds an admin with a one-time password, printed once at start:
// the first login sets a password of one's own and two-factor login. Of
// two instances starting at once on one database, one adds it.
func (s *Server) openConsole() error {
	src, _, err := contentSource(s.FlowsDir, s.LocalesDir, s.FactsFile)
	if err != nil {
		return err
	}
	texts, probs := staffTexts(src)
	if texts == nil {
		return fmt.Errorf("the staff console's texts: %w", probs)
	}
	public := s.PublicURL
	content := func() *dialogs.Content { return s.engine.Load().Content() }
	if s.console, err = staff.New(staff.Config{Store: s.store, Texts: texts, Content: content, Logger: s.Logger, PublicURL: public, TrustProxy: s.TrustProxy}); err != nil {
		return err
	}
	ctx := context.Background()
	n, err := s.store.CountAccounts(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := staff.OneTimePassword()
	_, err = staff.AddAccount(ctx, s.store, buurtloket.ActorSystem, firstAdmin, "Beheerder", buurtloket.RoleAdmin, password, staff.DefaultArgon2)
	if errors.Is(err, staff.ErrNotRecorded) {
		s.Logger.Error("the first admin account is not in the audit trail", "error", err)
		err = nil
	}
	switch buurtloket.ErrorCode(err) {
	case "":
		s.Logger.Warn("no staff accounts yet: added " + firstAdmin + " with a one-time password, printed once at start")
		s.firstLogin = fmt.Sprintf("\nFirst start: log in to the staff console once with\n  e-mail:   %s\n  password: %s   (one time only, for 3 days)\nthen choose your own password and set up two-step login. Add colleagues there or with: buurtloket staff add --email E --name N --role staff\n\n", firstAdmin, password)
		return nil
	case buurtloket.ECONFLICT:
		return nil // another instance added it just now
	}
	return err
}
