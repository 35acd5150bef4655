package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/soinspect/soinspect/internal/render"
)

// eachFile runs fn on every file, writing through one buffered writer. A
// failing file is reported on stderr and the others go on, as cmd/nm does;
// if any failed, the command exits 1 at the end.
func eachFile(cmd *cobra.Command, files []string, fn func(w io.Writer, path string) error) error {
	if err := checkStdinOnce(files); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	failed := 0
	for _, path := range files {
		if err := fn(bw, path); err != nil {
			bw.Flush()
			warn(cmd, "%v", err) // the libraries' errors name the file, once
			failed++
		}
	}
	return flushFailed(bw, failed)
}

// flushFailed flushes the command's output and returns its error: a
// failedError when failed files were reported on stderr, nil otherwise.
func flushFailed(bw *bufio.Writer, failed int) error {
	if err := bw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return failedError{failed}
	}
	return nil
}

// warn reports one problem on stderr in soinspect's one error format,
// "soinspect CMD: ...", on one line.
func warn(cmd *cobra.Command, format string, args ...any) {
	msg := render.Visible(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " "))
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", cmd.CommandPath(), msg)
}

// terminalWidth is the width tables are fitted to: $COLUMNS, else the
// width of the terminal out writes to, else 100 columns (a projector's
// comfortable width, and the width golden files are made at).
func terminalWidth(out io.Writer) int {
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 20 {
		return c
	}
	if f, ok := out.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 20 {
			return int(ws.Col)
		}
	}
	return 100
}
