package main

import (
	"context"
	"fmt"
	"io"

	"buurtloket"
)

// runRequestsPurge removes closed requests past their retention now, or
// with --dry-run says what it would remove. serve does the same every ten
// minutes.
func runRequestsPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("requests purge", stderr)
	var sf storeFlags
	sf.define(fs)
	var retention string
	var dryRun bool
	stringFlag(fs, &retention, "retention", "90", "days a closed request is kept: a default and exceptions per topic, such as 90,worry=30")
	fs.BoolVar(&dryRun, "dry-run", false, "only say what would be removed")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: buurtloket requests purge [--dry-run]\n\nRemoves closed requests past their retention; only a count per month,\ntopic and neighbourhood stays, for statistics.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	r, err := buurtloket.ParseRetention(retention)
	if err != nil {
		return err
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	report, err := store.Purge(ctx, r, dryRun)
	if err != nil {
		return err
	}
	verb := "purged"
	if dryRun {
		verb = "would purge"
	}
	fmt.Fprintf(stdout, "%s %s (retention in days: %s); cleared %d PIN copies older than a day\n", verb, report.Summary(), r, report.PINs)
	return nil
}

// runRequestsUnlock lifts the lock on a ticket that wrong PINs locked, for
// a resident who asks staff (until the staff console does it): the code
// the resident reads out, and who unlocks it, for the audit trail.
func runRequestsUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("requests unlock", stderr)
	var sf storeFlags
	sf.define(fs)
	var by string
	fs.StringVar(&by, "by", "", "the e-mail address of the staff account that unlocks it, for the audit trail")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: buurtloket requests unlock CODE --by EMAIL\n\nLifts the lock on a ticket code after too many wrong PINs, for the\nresident who asks; recorded in the request's audit trail. Unlock only\nfor the resident: a ticket takes 10 wrong PINs in its whole life, then\nit stays locked for good.")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || by == "" {
		fs.Usage()
		return errUsage
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	// The audit trail names an account, as the console does, so that the
	// privacy log lists the unlock under the person who did it.
	account, err := store.AccountByEmail(ctx, by)
	if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
		return fmt.Errorf("no staff account has the e-mail address %q (buurtloket staff list)", by)
	} else if err != nil {
		return err
	}
	r, err := store.RequestByCode(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := store.UnlockPIN(ctx, r.ID, account.Actor()); err != nil {
		return err
	}
	was := "was not locked"
	switch {
	case r.PINLock.StaffOnly:
		was = "was locked until staff unlock it"
	case !r.PINLock.Until.IsZero():
		was = "was locked for a while"
	}
	fmt.Fprintf(stdout, "Ticket %s unlocked (it %s, after %d wrong PINs); the resident can open it with the PIN again.\n", r.Ticket, was, r.PINLock.Wrong)
	return nil
}
