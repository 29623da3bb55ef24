// Command w2s launches, resumes and exports weak-to-strong generalization
// sweeps.
//
//	w2s run     --store PATH [settings flags | --spec FILE] [--nodes LIST]
//	w2s resume  --store PATH [--nodes LIST]
//	w2s status  --store PATH
//	w2s export  --store PATH --format csv|json [--out PATH]
//	w2s trial   --store PATH --n N --d D --margin G --index I
//	w2s theory  [--store PATH | settings flags] [--d-theory LIST]
//	w2s bench   [--seconds S] [--cells 1,2,3,4]
//
// Exit status: 0 on success, 1 when the work failed, 2 for bad input
// (before anything is written).
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

// usageError is bad input from the user: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"run", "start a new sweep and run it to the end", runCmd},
	{"resume", "finish an interrupted sweep with its stored settings", resumeCmd},
	{"status", "show per-cell completion of a store", statusCmd},
	{"export", "write the aggregated surfaces as CSV or JSON", exportCmd},
	{"trial", "print one trial's full record as JSON", trialCmd},
	{"theory", "print the population-limit (n → ∞) predictions for a sweep's settings", theoryCmd},
	{"bench", "measure the solver on the reference cells beside numpy and dgemv", benchCmd},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs the CLI and returns its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "w2s %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "w2s %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "w2s: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "w2s maps where weak-to-strong generalization happens in linear logistic regression.")
	fmt.Fprintln(w, "\nUsage: w2s <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'w2s <command> --help' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("w2s "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: w2s %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; a parse error is a usage error, --help is not.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
