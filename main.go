// Command supportbot answers a brand's customers on VK and Telegram from
// faq.yaml, hands unresolved conversations to operators, and reports what
// customers ask.
//
// Usage:
//
//	supportbot                 run the bot (every channel whose settings are set; the terminal chat when none is)
//	supportbot chat            the terminal chat, also with piped stdin
//	supportbot try [-faq F]    one JSON decision per stdin line
//	supportbot check [F]       validate a FAQ
//	supportbot queue [close ID] the handoff queue
//	supportbot stats [...]     what customers ask
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "supportbot:", err)
		}
		os.Exit(1)
	}
}

// exitCode is returned by a command that already printed its own report and
// only needs the process to exit with this status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "":
		return runServe(ctx, args, stdin, stdout, stderr)
	case "chat":
		return runChat(ctx, args, stdin, stdout, stderr)
	case "try":
		return runTry(ctx, args, stdin, stdout, stderr)
	case "check":
		return runCheck(ctx, args, stdout, stderr)
	case "queue":
		return runQueue(ctx, args, stdout, stderr)
	case "stats":
		return runStats(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q; run \"supportbot help\" for the list", cmd)
	}
}

const usage = `supportbot answers customers on VK and Telegram from faq.yaml.

  supportbot                   run the bot: every channel whose settings are set,
                               or the terminal chat when none is
  supportbot chat              the terminal chat (also with piped stdin)
  supportbot try [-faq FILE]   read messages on stdin, print one JSON decision per line
  supportbot check [FILE]      validate a FAQ file
  supportbot queue [close ID]  list or close handed-off conversations
  supportbot stats [-since 7d] [-json] [-html FILE] [-fragment FILE]
                               what customers ask, how fast they are answered

Settings are environment variables; see README.md.
`
