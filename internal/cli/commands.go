package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/probe"
)

// subcommand is one of the root's subcommands: what the root's help, its
// completion and its suggestions need of it — the name, the one-line
// summary, whether it is hidden — and the function that makes it whole,
// with its flags, its help text and what it runs.
type subcommand struct {
	name   string
	short  string // "" for one that is not hidden: always made, its summary is its own
	hidden bool
	make   func() *cobra.Command
}

// lazy reports whether a stub can stand for the subcommand (see stub).
func (s subcommand) lazy() bool { return s.short != "" || s.hidden }

// subcommands are the root's subcommands. At a start only those the
// command line names are made whole (see newRoot): making one registers
// its flags, which costs heap and code pages that `soinspect --help` or
// another command never reads.
var subcommands = [...]subcommand{
	{name: "symbols", short: symbolsShort, make: newSymbolsCmd},
	{name: "plugin", short: pluginShort, make: newPluginCmd},
	{name: "check", short: checkShort, make: newCheckCmd},
	{name: "build", short: buildShort, make: newBuildCmd},
	{name: "scan", short: scanShort, make: newScanCmd},
	{name: "call", short: callShort, make: newCallCmd},
	{name: "compare", short: compareShort, make: newCompareCmd},
	{name: "deps", short: depsShort, make: newDepsCmd},
	{name: "disasm", short: disasmShort, make: newDisasmCmd},
	{name: "report", short: reportShort, make: newReportCmd},
	{name: probe.ChildCommand, hidden: true, make: newProbeChildCmd},
}

// completionShort is the summary of cobra's default completion command,
// which the root's help lists; a test holds it to cobra's own.
const completionShort = "Generate the autocompletion script for the specified shell"

// named reports whether args name the command: an argument that is its
// name. A command the arguments do not name is neither run nor asked
// about (cobra finds a subcommand by its exact name; soinspect sets no
// aliases and no prefix matching), so it needs no more than its stub.
func named(args []string, name string) bool { return slices.Contains(args, name) }

// stub stands for a subcommand the command line does not name: enough
// for the root's help, completion and suggestions to list it as the made
// command would be listed.
func stub(name, short string, hidden bool) *cobra.Command {
	return &cobra.Command{
		Use:    name,
		Short:  short,
		Hidden: hidden,
		RunE: func(*cobra.Command, []string) error {
			return fmt.Errorf("internal error: %s ran as a stub", name)
		},
	}
}
