package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/soinspect/soinspect/internal/probe"
)

// loadTarget is FILE as call and compare hand it to the loader.
type loadTarget struct {
	// Given is FILE as typed.
	Given string
	// Path is what dlopen and plugin.Open receive: an absolute path for a
	// path, "./NAME" for a bare name that is a file here, or the bare
	// name itself for dlopen's library search.
	Path string
	// Search is true for a bare name that is no file here: dlopen searches
	// its library path for it (and plugin.Open, which takes paths, fails).
	Search bool
	// Note says how FILE was taken, when that is not plain: for --trace
	// and the report.
	Note string
	// Emulation is how the children run FILE when it is an object of
	// another machine that runs under qemu-user (see probe.Emulate); nil
	// when they run natively.
	Emulation *probe.Emulation
	// cannotEmulate is, for an object of another machine that could run
	// under qemu-user but cannot here, what is missing and how to run it
	// (see probe.Emulate).
	cannotEmulate string
}

// resolveTarget decides how FILE is loaded and reads it statically with
// the same pre-checks as symbols (it exists, it is a regular file, it is
// ELF). A bare name is a file when one of that name is in the current
// directory: dlopen would otherwise search its library path for it
// instead. A bare name that is no file here is left to that search, and
// read statically by no one (st is nil).
func resolveTarget(file string) (loadTarget, *probe.Static, error) {
	if file == "-" {
		return loadTarget{}, nil, usagef("FILE - (standard input) cannot be loaded: dlopen and plugin.Open take a file; give its path (symbols and plugin read an ELF file from standard input)")
	}
	t := loadTarget{Given: file, Path: file}
	bare := !strings.Contains(file, "/")
	if _, err := os.Lstat(file); bare && errors.Is(err, fs.ErrNotExist) {
		t.Search = true
		t.Note = fmt.Sprintf("%q is not a file in the current directory: dlopen searches its library path for it (LD_LIBRARY_PATH, /etc/ld.so.cache, the default directories)", file)
		return t, nil, nil
	}
	st, err := probe.ReadStatic(file)
	if err != nil {
		return t, nil, err // it names the file
	}
	if bare {
		t.Path = "./" + file
		t.Note = fmt.Sprintf("%q is a file in the current directory: loaded as %q, since dlopen would search its library path for a bare name", file, t.Path)
	} else if abs, err := filepath.Abs(file); err == nil {
		t.Path = abs
	}
	t.Emulation, t.cannotEmulate = st.Emulate()
	return t, st, nil
}

// interruptedError ends a command whose child was interrupted: soinspect
// got SIGINT, SIGTERM or SIGHUP and killed the child's process group. It exits
// with 128 + the signal's number, as a shell reports a process the signal
// killed (130 for SIGINT).
type interruptedError struct {
	signal string
}

func (e interruptedError) Error() string {
	return "interrupted by " + e.signal + ": the child's process group was killed"
}

// code is the exit status.
func (e interruptedError) code() int {
	switch e.signal {
	case "SIGHUP":
		return 128 + int(syscall.SIGHUP)
	case "SIGTERM":
		return 128 + int(syscall.SIGTERM)
	}
	return 128 + int(syscall.SIGINT)
}

// stopLabel is the outcome row of a child that did not finish.
func stopLabel(o probe.Outcome, c *probe.Crash, ex probe.Exit) string {
	switch o {
	case probe.OutcomeTimedOut:
		return fmt.Sprintf("TIMED OUT after %v: soinspect killed the child's process group", ex.Timeout)
	case probe.OutcomeInterrupted:
		return "INTERRUPTED by " + ex.Interrupted + ": soinspect killed the child's process group"
	}
	if c == nil {
		return string(o)
	}
	return crashLabel(c, ex)
}

// crashLabel is how a child that died before finishing is reported: a
// crash, unless it only exited (the loaded code called exit), which is not
// one.
func crashLabel(c *probe.Crash, ex probe.Exit) string {
	if ex.Signal == "" && c.Signal == "" && !c.HasFault && c.Fatal == "" && c.Panic == "" && len(c.Report) == 0 {
		return fmt.Sprintf("EXITED with status %d before finishing: the loaded code ended the process", ex.Code)
	}
	return "CRASHED: " + c.How
}
