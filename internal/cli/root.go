// Package cli implements the soinspect command line: one file per
// subcommand, each a newXxxCmd constructor. It parses flags, calls the
// libraries and renders; it holds no inspection logic of its own.
package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1 // a file failed, a check did not pass, a child crashed
	exitUsage = 2 // bad flags or arguments
)

// usageError marks an error as the user's: it exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// failedError reports that some files failed after each was reported on
// stderr; it exits with status 1 and prints nothing more.
type failedError struct{ n int }

func (e failedError) Error() string { return fmt.Sprintf("%d file(s) failed", e.n) }

// minArgs is a cobra.PositionalArgs that wants at least n arguments and
// otherwise fails with msg as a usage error (exit status 2).
func minArgs(n int, msg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s", msg)
		}
		return nil
	}
}

// NewRootCmd returns the soinspect command with every subcommand attached.
func NewRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "soinspect",
		Short:         "See how shared objects, above all Go plugins, are loaded and what they contain",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newSymbolsCmd(),
		newPluginCmd(),
		newCheckCmd(),
		newScanCmd(),
		newCallCmd(),
		newCompareCmd(),
		newProbeChildCmd(),
	)
	return root
}

// Main runs soinspect with args and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	root := NewRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var fe failedError
	if errors.As(err, &fe) {
		return exitFail
	}
	fmt.Fprintln(stderr, "soinspect:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return exitUsage
	}
	return exitFail
}

// isCobraUsage recognises cobra's own argument errors, which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
