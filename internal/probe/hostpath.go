package probe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/soinspect/soinspect/elfinspect"
)

// CheckOnlyError is ChooseHost's answer for --host PATH when PATH is a Go
// program that does not speak the probe protocol: nothing can run in it,
// so nothing ran, and what can be said of the plugin against that host is
// the analysis of `soinspect check PATH PLUGIN`, from the files alone.
type CheckOnlyError struct {
	// Host is the program as the user named it, Plugin the file to load.
	Host, Plugin string
	// Reason says why nothing ran, in one sentence.
	Reason string
}

func (e *CheckOnlyError) Error() string {
	return fmt.Sprintf("nothing was run: %s; what follows is `soinspect check %s %s`, from the files alone", e.Reason, e.Host, e.Plugin)
}

// userHost is --host PATH for the file plugin: a program of the user's
// that speaks the probe protocol, or, for a Go program that does not, a
// CheckOnlyError.
//
// A program speaks the protocol only if it holds the word ChildCommand,
// which the parent passes as its first argument and which a host must
// compare its argument with: a program without it cannot answer, and
// running it would run the user's program for nothing. The test reads the
// file and runs nothing.
func userHost(p, plugin string) (*Host, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("--host %s: %w", p, err)
	}
	if !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("--host %s: not an executable file", p)
	}
	speaks, err := holds(abs, []byte(ChildCommand))
	if err != nil {
		return nil, fmt.Errorf("--host %s: %w", p, err)
	}
	if speaks {
		return &Host{Kind: HostKindPath, Path: abs, Description: "the host program " + abs}, nil
	}
	why := fmt.Sprintf("%s does not speak soinspect's probe protocol (it has no %q in it, the word its child is run with)", p, ChildCommand)
	if f, err := elfinspect.Open(abs); err == nil {
		_, biErr := f.BuildInfo()
		f.Close()
		if biErr == nil {
			return nil, &CheckOnlyError{Host: p, Plugin: plugin, Reason: why}
		}
	}
	return nil, fmt.Errorf("--host %s: %s, and it is no Go program, against which `soinspect check` could judge %s", p, why, plugin)
}

// holds reports whether the file at path contains word, reading it once
// in blocks.
func holds(path string, word []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	keep := 0 // bytes carried over from the previous block, len(word)-1 at most
	for {
		n, err := f.Read(buf[keep:])
		if bytes.Contains(buf[:keep+n], word) {
			return true, nil
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		end := keep + n
		keep = min(len(word)-1, end)
		copy(buf, buf[end-keep:end])
	}
}
