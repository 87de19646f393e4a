package main

import (
	"flag"
	"io"
	"os"
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
	env := "BUURTLOKET_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	fs.StringVar(p, name, def, usage+" ($"+env+")")
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
