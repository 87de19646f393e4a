package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"buurtloket"
	"buurtloket/staff"
)

// runStaff manages the console's accounts: add, list, disable, reset.
func runStaff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	fs := newFlagSet("staff "+args[0], stderr)
	var sf storeFlags
	sf.define(fs)
	var email, name, role string
	switch args[0] {
	case "add":
		fs.StringVar(&email, "email", "", "the login address")
		fs.StringVar(&name, "name", "", "the name colleagues see")
		fs.StringVar(&role, "role", "staff", "staff (answers requests) or admin (also manages accounts)")
	case "disable", "reset":
		fs.StringVar(&email, "email", "", "the account's login address")
	case "list":
	default:
		return errUsage
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if email == "" && len(pos) == 1 && args[0] != "list" {
		email, pos = pos[0], nil
	}
	if len(pos) != 0 || (args[0] != "list" && email == "") {
		return errUsage
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "add":
		password := staff.OneTimePassword()
		a, err := staff.AddAccount(ctx, store, buurtloket.ActorCommandLine, email, name, buurtloket.Role(role), password, staff.DefaultArgon2)
		if err = notRecorded(stderr, err); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Account added: %s <%s>, %s.\n  one-time password: %s\nPass it on in person; it works for 3 days and must be changed at the first login.\n", a.Name, a.Email, a.Role, password)
	case "list":
		list, err := store.Accounts(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "EMAIL\tNAME\tROLE\tTWO-FACTOR\tSTATE\tADDED")
		for _, a := range list {
			two, state := "no", "active"
			if a.TwoFactor() {
				two = "yes"
			}
			if a.Disabled {
				state = "disabled"
			} else if a.MustChangePassword {
				state = "one-time password"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Email, a.Name, a.Role, two, state, a.CreatedAt.Format("2006-01-02"))
		}
		return w.Flush()
	case "disable", "reset":
		a, err := store.AccountByEmail(ctx, email)
		if err != nil {
			return err
		}
		if args[0] == "disable" {
			if _, err := staff.DisableAccount(ctx, store, buurtloket.ActorCommandLine, a.ID); notRecorded(stderr, err) != nil {
				return err
			}
			fmt.Fprintf(stdout, "Account %s disabled; its sessions have ended.\n", a.Email)
			return nil
		}
		password := staff.OneTimePassword()
		if _, err := staff.ResetAccount(ctx, store, buurtloket.ActorCommandLine, a.ID, password, staff.DefaultArgon2); notRecorded(stderr, err) != nil {
			return err
		}
		fmt.Fprintf(stdout, "Account %s reset: its sessions have ended and two-factor login is off until it is set up again.\n  one-time password: %s\nIt works for 3 days and must be changed at the first login.\n", a.Email, password)
	}
	return nil
}

// notRecorded warns of a change that was made but is not in the audit
// trail, and returns any other error.
func notRecorded(stderr io.Writer, err error) error {
	if errors.Is(err, staff.ErrNotRecorded) {
		fmt.Fprintf(stderr, "WARNING: %v\n", err)
		return nil
	}
	return err
}
