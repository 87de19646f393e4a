// Command buurtloket is the one binary of buurtloket: it serves the kiosk and
// phone page, the staff console and the bot (serve), and gives content
// editors their tools (flows check, play, graph). All wiring and
// configuration live in this package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `buurtloket: a neighbourhood help desk.

Usage:
  buurtloket serve [flags]                 run the web page, kiosk, console and bot
  buurtloket flows check [DIR]             check flows and texts; non-zero exit on problems
  buurtloket flows play FLOW [--lang LANG] walk a flow in the terminal
  buurtloket flows graph FLOW [--format mermaid|dot]
                                           draw a flow
  buurtloket requests purge [--dry-run]    remove closed requests past their retention
  buurtloket requests unlock CODE --by NAME
                                           unlock a ticket locked after wrong PINs
  buurtloket kiosk add --name NAME --wijk WIJK
                                           register a kiosk; prints its pairing link
  buurtloket kiosk link ID                 a new pairing link for a kiosk (a new device)
  buurtloket kiosk list | revoke ID        the registered kiosks
  buurtloket staff add --email E --name N --role staff|admin
                                           add a console account; prints a one-time password
  buurtloket staff list                    the console's accounts
  buurtloket staff disable | reset --email E
                                           stop an account; or give it a new one-time password
                                           (two-factor login is set up again)

Run "buurtloket COMMAND -h" for the flags of a command. Every flag can
also be set by an environment variable BUURTLOKET_<NAME>.
`

// errUsage marks a mistake in the command line: exit code 2.
var errUsage = errors.New("usage")

// errProblems marks a check that found problems: exit code 1.
var errProblems = errors.New("problems found")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdin, stdout, stderr)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprint(stderr, usage)
		return 2
	case errors.Is(err, errProblems):
		return 1
	default:
		fmt.Fprintln(stderr, "buurtloket:", err)
		return 1
	}
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "flows":
		if len(args) < 2 {
			return errUsage
		}
		switch args[1] {
		case "check":
			return runFlowsCheck(args[2:], stdout, stderr)
		case "play":
			return runFlowsPlay(args[2:], stdin, stdout, stderr)
		case "graph":
			return runFlowsGraph(args[2:], stdout, stderr)
		}
	case "kiosk":
		return runKiosk(ctx, args[1:], stdout, stderr)
	case "staff":
		return runStaff(ctx, args[1:], stdout, stderr)
	case "requests":
		if len(args) >= 2 && args[1] == "purge" {
			return runRequestsPurge(ctx, args[2:], stdout, stderr)
		}
		if len(args) >= 2 && args[1] == "unlock" {
			return runRequestsUnlock(ctx, args[2:], stdout, stderr)
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return errUsage
}
