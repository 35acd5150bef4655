package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/probe"
)

// newProbeChildCmd is the hidden child mode of call and compare: soinspect
// re-executes itself with it to load a file in a process of its own.
func newProbeChildCmd() *cobra.Command {
	return &cobra.Command{
		Use:                probe.ChildCommand + " MODE REQUEST",
		Short:              "internal: the child process of call and compare",
		Hidden:             true,
		DisableFlagParsing: true,
		Args:               cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The child's exit status is its protocol's; nothing may run after.
			os.Exit(probe.ChildMain(args[0], args[1]))
			return nil
		},
	}
}
