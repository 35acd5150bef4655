// Package cli implements the soinspect command line: one file per
// subcommand, each a newXxxCmd constructor. It parses flags, calls the
// libraries and renders; it holds no inspection logic of its own.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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

func (e failedError) Error() string { return count(e.n, "failure", "failures") }

// minArgs is a cobra.PositionalArgs that wants at least n arguments and
// otherwise fails with msg and the usage line as a usage error (exit
// status 2).
func minArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s: %s", msg, cmd.UseLine())
		}
		return nil
	}
}

// NewRootCmd returns the soinspect command with every subcommand attached.
func NewRootCmd() *cobra.Command {
	return newRoot(func(string) bool { return true })
}

// newRoot returns the soinspect command with every subcommand attached,
// made whole where made says so and otherwise a stub (see subcommands).
func newRoot(made func(name string) bool) *cobra.Command {
	root := &cobra.Command{
		Use:           "soinspect",
		Short:         "See how shared objects, above all Go plugins, are loaded and what they contain",
		Version:       "see the version template", // made only when asked for (versionTemplateFunc)
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	setVersionTemplate(root)
	root.Flags().BoolP("version", "v", false, "print soinspect's version, Go toolchain, build settings and modules")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetHelpFunc(wrapHelp(root.HelpFunc()))
	var stubs []*cobra.Command
	for _, s := range subcommands {
		if s.lazy() && !made(s.name) {
			stubs = append(stubs, stub(s.name, s.short, s.hidden))
			root.AddCommand(stubs[len(stubs)-1])
		} else {
			root.AddCommand(s.make())
		}
	}
	// Made now rather than inside Execute, so that they are checked too.
	root.InitDefaultHelpCmd()
	if made("completion") {
		root.InitDefaultCompletionCmd()
	} else {
		stubs = append(stubs, stub("completion", completionShort, false))
		root.AddCommand(stubs[len(stubs)-1])
	}
	tightenArgs(root)
	// A stub has no flags: asking it would make it a flag set for nothing.
	registerFlagCompletions(root)
	for _, sub := range root.Commands() {
		if !slices.Contains(stubs, sub) {
			registerCompletions(sub)
		}
	}
	return root
}

// Main runs soinspect with args, reading standard input from os.Stdin, and
// returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	return Run(args, os.Stdin, stdout, stderr)
}

// Run runs soinspect with args and returns the exit status. Every error is
// one line on stderr, "soinspect CMD: ...", and a usage error says where
// the help is.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return execute(newRoot(func(name string) bool { return named(args, name) }), args, stdin, stdout, stderr)
}

// execute is Run on the command tree root.
func execute(root *cobra.Command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var fe failedError
	if errors.As(err, &fe) {
		return exitFail
	}
	if cmd == nil {
		cmd = root
	}
	var ie interruptedError
	if errors.As(err, &ie) {
		warn(cmd, "%v", err)
		return ie.code()
	}
	var ue usageError
	if errors.As(err, &ue) {
		warn(cmd, "%v (see '%s --help')", err, cmd.CommandPath())
		return exitUsage
	}
	warn(cmd, "%v", err)
	return exitFail
}

// passThroughArgs, in a command's Annotations, marks a command whose
// arguments after the first (FILE) are passed on as they are (SYMBOL,
// ARG...), so that its flags must come before FILE.
const passThroughArgs = "soinspect:pass-through-args"

// tightenArgs makes every argument error of the tree a usage error (exit
// status 2), including cobra's own, and gives the commands that only group
// others (the root, completion) a usage error for an unknown name instead
// of a help text and exit status 0. A command marked passThroughArgs
// refuses one of its own flags after FILE — the flag would otherwise be
// passed on as an argument — unless a "--" comes before it; the first "--"
// after FILE is removed.
func tightenArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		tightenArgs(sub)
	}
	// Each Use line lists the command's flags itself (a test holds it to
	// that); cobra would add "[flags]" after the arguments.
	c.DisableFlagsInUseLine = c.HasParent()
	switch {
	case c.Name() == "help" && c.HasParent():
		// cobra's help prints "Unknown help topic" and exits 0.
		c.RunE = func(cmd *cobra.Command, args []string) error {
			target, _, err := cmd.Root().Find(args)
			if len(args) > 0 && (err != nil || target == cmd.Root()) {
				return unknownSubcommand(cmd.Root(), args)
			}
			return target.Help()
		}
	case c.HasSubCommands() && !c.Runnable():
		c.Args = unknownSubcommand
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	case c.Args != nil:
		args := c.Args
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				var ue usageError
				if errors.As(err, &ue) {
					return err
				}
				return usageError{err}
			}
			return nil
		}
	}
	if run := c.RunE; run != nil && c.Annotations[passThroughArgs] != "" {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			args, err := passedThrough(cmd, args)
			if err != nil {
				return err
			}
			return run(cmd, args)
		}
	}
}

// unknownSubcommand is the Args of a command that only groups others: no
// argument but a subcommand's name, which cobra has already taken.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q; want %s", args[0], orList(names))
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg = fmt.Sprintf("unknown command %q; did you mean %s?", args[0], orList(s))
	}
	if !cmd.HasParent() && args[0] == "version" {
		msg += "; soinspect --version prints the version"
	}
	return usagef("%s", msg)
}

// passedThrough checks the arguments after FILE of a passThroughArgs
// command for its own flags, and removes the first "--" among them.
func passedThrough(cmd *cobra.Command, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	for i, a := range args[1:] {
		if a == "--" {
			return append(args[:1+i:1+i], args[2+i:]...), nil
		}
		name, ok := ownFlag(cmd, a)
		if !ok {
			continue
		}
		// The command as it should have been typed: the flag, with its
		// value if it takes one, moved before FILE.
		moved := []string{a}
		rest := slices.Clone(args[1+i+1:])
		if f := cmd.Flags().Lookup(strings.TrimLeft(name, "-")); f != nil && f.NoOptDefVal == "" && !strings.Contains(a, "=") && len(a) == len(name) && len(rest) > 0 {
			moved, rest = append(moved, rest[0]), rest[1:]
		}
		fixed := append(append(append(moved, args[0]), args[1:1+i]...), rest...)
		return nil, usagef("flags go before FILE (after it, %s would be passed on as an argument; a -- before it says so): %s %s",
			name, cmd.CommandPath(), strings.Join(fixed, " "))
	}
	return args, nil
}

// ownFlag reports whether a names one of cmd's flags, as --name,
// --name=value, -x or -xvalue; it returns the flag as written.
func ownFlag(cmd *cobra.Command, a string) (string, bool) {
	fs := cmd.Flags()
	if name, ok := strings.CutPrefix(a, "--"); ok {
		name, _, _ = strings.Cut(name, "=")
		return "--" + name, name != "" && fs.Lookup(name) != nil
	}
	if len(a) >= 2 && a[0] == '-' && fs.ShorthandLookup(a[1:2]) != nil {
		return a[:2], true
	}
	return "", false
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
