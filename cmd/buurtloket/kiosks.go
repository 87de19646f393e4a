package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"buurtloket"
)

// storeFlags are the flags every command that opens the store shares.
type storeFlags struct{ dsn, keyFile, keyHex string }

func (f *storeFlags) define(fs *flag.FlagSet) {
	stringFlag(fs, &f.dsn, "db", "data/buurtloket.db", "the database: an SQLite file, or a postgres:// URL")
	stringFlag(fs, &f.keyFile, "key-file", "data/buurtloket.key", "the key that seals contact details")
	stringFlag(fs, &f.keyHex, "key", "", "the sealing key as 64 hex digits, instead of the key file")
}

func (f *storeFlags) open(ctx context.Context) (buurtloket.RequestStore, error) {
	sealer, _, err := sealerFrom(f.keyHex, f.keyFile)
	if err != nil {
		return nil, err
	}
	store, _, err := openStore(ctx, f.dsn, sealer)
	return store, err
}

// runKiosk registers, lists and revokes kiosks.
func runKiosk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	fs := newFlagSet("kiosk "+args[0], stderr)
	var sf storeFlags
	sf.define(fs)
	var name, wijk, publicURL string
	switch args[0] {
	case "add":
		fs.StringVar(&name, "name", "", "the kiosk's name, such as the community centre's")
		fs.StringVar(&wijk, "wijk", "", "the neighbourhood its requests belong to")
		stringFlag(fs, &publicURL, "public-url", "http://localhost:8080", "the address residents and kiosks reach buurtloket at")
	case "list", "revoke":
	default:
		return errUsage
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "add":
		if len(pos) != 0 {
			return errUsage
		}
		base, err := url.Parse(strings.TrimSuffix(publicURL, "/"))
		if err != nil || base.Host == "" {
			return fmt.Errorf("--public-url %q is not an address such as https://buurtloket.example.nl", publicURL)
		}
		k, token, err := store.AddKiosk(ctx, name, wijk)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Kiosk %d added: %s (%s).\nOpen this link once on the kiosk to pair it; anyone with the link can pair a kiosk, so keep it safe:\n\n  %s/kiosk/pair?token=%s\n",
			k.ID, k.Name, orDash(k.Wijk), base, token)
	case "list":
		kiosks, err := store.Kiosks(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		// An open kiosk page is seen at least every minute.
		fmt.Fprintln(w, "ID\tNAME\tWIJK\tADDED\tSTATE\tLAST SEEN")
		for _, k := range kiosks {
			state := "in use"
			if !k.RevokedAt.IsZero() {
				state = "revoked " + k.RevokedAt.Format("2006-01-02")
			}
			seen := "never"
			if !k.SeenAt.IsZero() {
				seen = k.SeenAt.Local().Format("2006-01-02 15:04") + " (" + ago(time.Since(k.SeenAt)) + ")"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, orDash(k.Wijk), k.CreatedAt.Format("2006-01-02"), state, seen)
		}
		return w.Flush()
	case "revoke":
		if len(pos) != 1 {
			return errUsage
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a kiosk ID (see buurtloket kiosk list)", pos[0])
		}
		if err := store.RevokeKiosk(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Kiosk %d revoked: an open page there shows \"not paired\" within a minute.\n", id)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ago says how long ago, roughly, for a person reading a list.
func ago(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "just now"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
