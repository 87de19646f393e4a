package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// stringFlag defines a flag whose default comes from BUURTLOKET_<NAME> when
// that is set, so that every flag has an environment variable.
func stringFlag(fs *flag.FlagSet, p *string, name, def, usage string) {
	env := envName(name)
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	fs.StringVar(p, name, def, usage+" ($"+env+")")
}

// boolFlag defines a switch (--name, or --name=false) whose default comes
// from BUURTLOKET_<NAME> (true, false, 1, 0) when that is set. An
// environment value that is not a truth value is an error, not false.
func boolFlag(fs *flag.FlagSet, p *bool, name string, def bool, usage string) error {
	env := envName(name)
	if v, ok := os.LookupEnv(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("$%s=%q is not true or false", env, v)
		}
		def = b
	}
	fs.BoolVar(p, name, def, usage+" ($"+env+")")
	return nil
}

func envName(flag string) string {
	return "BUURTLOKET_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// parseInterspersed parses flags that may come after positional arguments
// ("flows play money --lang ar") and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseNetworks reads a comma-separated list of networks (CIDR), such as
// "192.0.2.0/24, 2001:db8::/48".
func parseNetworks(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(list, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("--shared-networks: %q is not a network such as 192.0.2.0/24", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
