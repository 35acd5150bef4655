package cli

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/soinspect/soinspect/internal/scan"
)

// TestProgressOnlyOnTerminal: scan's progress line is drawn on a terminal
// (a pseudo-terminal here) and never on a pipe.
func TestProgressOnlyOnTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if newProgress(w).tty {
		t.Error("a pipe taken for a terminal")
	}

	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip(err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skip(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skip(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer slave.Close()
	p := newProgress(slave)
	if !p.tty {
		t.Fatal("a pseudo-terminal not taken for a terminal")
	}
	p.start = time.Now().Add(-time.Second) // the scan has lasted a moment
	p.report(scan.Progress{FilesSeen: 1, Found: 1, Path: "/x/lib\x1b[2Jy.so"})
	p.done()
	buf := make([]byte, 4096)
	master.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, _ := master.Read(buf)
	got := string(buf[:m])
	if !strings.Contains(got, "scanning: 1 file, 1 shared object") || strings.Contains(got, "\x1b[2J") {
		t.Errorf("progress line %q", got)
	}
}
