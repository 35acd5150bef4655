package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/soinspect/soinspect/internal/probe"
)

// hostFlagHelp is --host's help, shared by call and compare.
const hostFlagHelp = "the program the Go way runs in: auto (soinspect's own probe when it can load FILE, else a probe host built to match FILE), self, or the PATH of a program that speaks the probe protocol (for a Go program that does not, nothing runs and the output is check's for PATH and FILE)"

// addHostFlag adds --host.
func addHostFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "host", probe.HostAuto, hostFlagHelp)
}

// probeOptions are the options of a Go-way experiment: a probe host
// built on first use says so on stderr while it builds.
func probeOptions(cmd *cobra.Command, timeout time.Duration, host string, force bool) probe.Options {
	stderr := cmd.ErrOrStderr()
	return probe.Options{Timeout: timeout, Host: host, Force: force, OnBuild: func(build string) {
		fmt.Fprintf(stderr, "building a probe host for %s (first use, cached after)...\n", build)
	}}
}

// checkInstead is call's and compare's answer when --host PATH is a Go
// program that does not speak the probe protocol: nothing runs, and the
// output is that of `soinspect check PATH FILE`, its exit status too,
// after a sentence that says why (in JSON, the field "not_run").
func checkInstead(cmd *cobra.Command, out outputFlags, e *probe.CheckOnlyError) error {
	o := &checkOptions{out: out, notRun: e.Error()}
	return o.run(cmd, e.Host, []string{e.Plugin}, nil)
}

// hostLabel says which host ran and where it came from: "soinspect's own
// probe (go1.26.8), cached", "probe host built for go1.27.3 with -race,
// built in 41.2s (first use)".
func hostLabel(h *probe.Host) string {
	if h == nil {
		return "-"
	}
	switch {
	case h.Kind == probe.HostKindPath:
		return h.Description
	case h.Built:
		return fmt.Sprintf("%s, built in %.1fs (first use; cached after)", h.Description, h.BuildTime.Seconds())
	}
	return h.Description + ", from the cache"
}
