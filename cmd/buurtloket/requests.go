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
