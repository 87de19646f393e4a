package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
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

// runKiosk registers, lists and revokes kiosks, and issues pairing links.
func runKiosk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	fs := newFlagSet("kiosk "+args[0], stderr)
	var sf storeFlags
	sf.define(fs)
	var name, wijk, publicURL string
	switch args[0] {
	case "add", "link":
		if args[0] == "add" {
			fs.StringVar(&name, "name", "", "the kiosk's name, such as the community centre's")
			fs.StringVar(&wijk, "wijk", "", "the neighbourhood its requests belong to")
		}
		stringFlag(fs, &publicURL, "public-url", defaultPublicURL, "the address residents and kiosks reach buurtloket at")
	case "list", "revoke":
	default:
		return errUsage
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	// "kiosk add ID" issues a new link for kiosk ID, as "kiosk link ID" does.
	newLink := args[0] == "link" || args[0] == "add" && len(pos) == 1 && name == "" && wijk == ""
	switch {
	case args[0] == "add" && !newLink && len(pos) != 0, newLink && len(pos) != 1, args[0] == "revoke" && len(pos) != 1:
		return errUsage
	}
	var base *url.URL
	if args[0] == "add" || args[0] == "link" {
		if base, err = url.Parse(strings.TrimSuffix(publicURL, "/")); err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
			return fmt.Errorf("--public-url %q is not an address such as https://buurtloket.example.nl", publicURL)
		}
	}
	var id int64
	if len(pos) == 1 {
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil {
			return fmt.Errorf("%q is not a kiosk ID (see buurtloket kiosk list)", pos[0])
		}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	switch {
	case newLink:
		token, err := store.NewKioskLink(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "A new pairing link for kiosk %d; the link printed before no longer works. The kiosk paired now keeps working until this one is used.\n", id)
		printPairingLink(stdout, stderr, base, token, publicURLGiven(fs))
	case args[0] == "add":
		k, token, err := store.AddKiosk(ctx, name, wijk)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Kiosk %d added: %s (%s).\n", k.ID, k.Name, orDash(k.Wijk))
		printPairingLink(stdout, stderr, base, token, publicURLGiven(fs))
	case args[0] == "list":
		kiosks, err := store.Kiosks(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		// An open kiosk page is seen at least every minute.
		fmt.Fprintln(w, "ID\tNAME\tWIJK\tADDED\tSTATE\tPAIRING LINK\tLAST SEEN")
		for _, k := range kiosks {
			state := "in use"
			if !k.RevokedAt.IsZero() {
				state = "revoked " + k.RevokedAt.Format("2006-01-02")
			}
			link := "used"
			if k.LinkOpen {
				link = "not used yet"
			} else if !k.RevokedAt.IsZero() {
				link = "-"
			}
			seen := "never"
			if !k.SeenAt.IsZero() {
				seen = k.SeenAt.Local().Format("2006-01-02 15:04") + " (" + ago(time.Since(k.SeenAt)) + ")"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, orDash(k.Wijk), k.CreatedAt.Format("2006-01-02"), state, link, seen)
		}
		return w.Flush()
	case args[0] == "revoke":
		if err := store.RevokeKiosk(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Kiosk %d revoked: an open page there shows \"not paired\" within a minute.\n", id)
	}
	return nil
}

// defaultPublicURL only works on the machine buurtloket runs on.
const defaultPublicURL = "http://localhost:8080"

// publicURLGiven reports whether the operator said where buurtloket is
// reached, with --public-url or BUURTLOKET_PUBLIC_URL.
func publicURLGiven(fs *flag.FlagSet) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "public-url" })
	_, env := os.LookupEnv("BUURTLOKET_PUBLIC_URL")
	return given || env
}

// printPairingLink prints a pairing link, and warns loudly when it points
// at localhost because no public address was given: opened on the kiosk,
// such a link reaches the kiosk itself, not buurtloket.
func printPairingLink(stdout, stderr io.Writer, base *url.URL, token string, given bool) {
	fmt.Fprintf(stdout, "Open this link once on the kiosk to pair it. It works once: after that it pairs no other device, and a new link (buurtloket kiosk link ID) replaces the device. Until it is used, anyone with the link can pair a kiosk, so keep it safe:\n\n  %s/kiosk/pair?token=%s\n", base, token)
	if !given {
		fmt.Fprintf(stderr, "\nWARNING: no --public-url (or BUURTLOKET_PUBLIC_URL) given, so this link points at %s:\n"+
			"WARNING: it only works in a browser on this machine, not on a kiosk elsewhere.\n"+
			"WARNING: for a kiosk, issue a new one: buurtloket kiosk link ID --public-url https://buurtloket.example.nl\n", base)
	}
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
