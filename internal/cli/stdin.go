package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/elfinspect"
)

// stdinName is how a file read from standard input ("-") is named in
// output and messages.
const stdinName = "(stdin)"

// stdinLimit bounds what is read from standard input: 4 GiB, more than
// the largest shared object in common use (libLLVM is a few hundred MiB),
// so a stream without end (cat /dev/zero |) fails instead of filling the
// disk.
var stdinLimit int64 = 4 << 30

// displayPath is the name a FILE argument is shown under.
func displayPath(path string) string {
	if path == "-" {
		return stdinName
	}
	return path
}

// openELF opens the FILE argument path as elfinspect.Open does, and "-"
// as the ELF file on standard input: copied (at most stdinLimit bytes) to
// a temporary file, which is removed as soon as it is open — or failed —
// since ELF must be read at random offsets, which a pipe cannot do.
func openELF(cmd *cobra.Command, path string) (*elfinspect.File, error) {
	return openELFWith(cmd, path, elfinspect.Open)
}

// openELFWith is openELF with open in place of elfinspect.Open.
func openELFWith(cmd *cobra.Command, path string, open func(string) (*elfinspect.File, error)) (*elfinspect.File, error) {
	if path != "-" {
		return open(path)
	}
	f, err := openStdin(cmd, open)
	if err != nil {
		// Named once, as elfinspect.Open names a file.
		return nil, &elfinspect.Error{Op: "open", Path: stdinName, Err: err}
	}
	f.Path = stdinName
	return f, nil
}

func openStdin(cmd *cobra.Command, open func(string) (*elfinspect.File, error)) (*elfinspect.File, error) {
	tmp, err := os.CreateTemp("", "soinspect-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("a temporary file for standard input: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(cmd.InOrStdin(), stdinLimit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading: %w", err)
	case n > stdinLimit:
		return nil, fmt.Errorf("more than %d MiB, the most soinspect reads from standard input: name the file instead", stdinLimit>>20)
	case n == 0:
		return nil, errors.New("empty")
	}
	f, err := open(tmp.Name())
	if pe := (*elfinspect.Error)(nil); errors.As(err, &pe) {
		return nil, pe.Err // without the temporary file's name
	}
	return f, err
}

// checkStdinOnce refuses "-" given more than once: standard input can be
// read only once.
func checkStdinOnce(files []string) error {
	seen := false
	for _, f := range files {
		if f == "-" {
			if seen {
				return usagef("- (standard input) is given more than once; it can be read only once")
			}
			seen = true
		}
	}
	return nil
}
