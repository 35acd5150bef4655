package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/soinspect/soinspect/cdl"
)

// ChildMain is the child side of the raw experiment: soinspect runs it
// when re-executed as "soinspect ChildCommand raw REQUEST-JSON". It loads
// what the request says, reports each step on fd 3 and returns the exit
// status the process must exit with. It is the only code in soinspect
// that loads a file (cdl.Open); the Go way (plugin.Open) runs in a probe
// host, a program of its own (see ChooseHost), which speaks the same
// protocol. It must not be called in any other process: it replaces fds
// 1 and 2 and may never return at all.
func ChildMain(mode, reqJSON string) int {
	var fdStat syscall.Stat_t
	if syscall.Fstat(fdMsg, &fdStat) != nil || fdStat.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		// Not started by run: there is no parent to report to.
		fmt.Fprintln(os.Stderr, "soinspect: the probe child runs only under soinspect's own probe")
		return 2
	}
	c := &child{msg: os.NewFile(fdMsg, "probe-messages")}
	switch mode {
	case modeRaw:
		var req RawRequest
		if err := json.Unmarshal([]byte(reqJSON), &req); err != nil {
			return c.fail(err)
		}
		c.raw(req)
	default:
		return c.fail(fmt.Errorf("unknown probe mode %q", mode))
	}
	c.flushC()
	return 0
}

const (
	modeRaw = "raw"
	modeGo  = "go"
)

// child holds the child's message channel to the parent.
type child struct {
	msg *os.File
}

// send writes v as one line, in one write, so that a crash right after it
// loses nothing.
func (c *child) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"step": "error", "err": err.Error()})
	}
	c.msg.Write(append(b, '\n'))
}

func (c *child) fail(err error) int {
	c.send(map[string]string{"step": "error", "err": err.Error()})
	return 2
}

// phase points fds 1 and 2 at the pipes of the load or the call phase, so
// that what a constructor, an init or a call prints is told apart. C stdio
// buffers are flushed first: what C code printed belongs to the phase that
// is ending.
func (c *child) phase(out, errfd int) {
	c.flushC()
	syscall.Dup3(out, 1, 0)
	syscall.Dup3(errfd, 2, 0)
}

// flushC flushes C stdio (fflush(NULL)), found in the process's global
// scope: os.Exit leaves the process without running C's exit handlers, and
// a constructor's printf would otherwise be lost.
func (c *child) flushC() {
	main, err := cdl.Open("", cdl.Lazy)
	if err != nil {
		return
	}
	defer main.Close()
	if fflush, err := main.Sym("fflush"); err == nil && fflush != 0 {
		// fflush's C signature, int(FILE*): a constant that parses.
		if sig, err := cdl.ParseSignature("int(void*)"); err == nil {
			cdl.Call(fflush, sig, uintptr(0))
		}
	}
}

// initTaskState reads the state word of the runtime.initTask at addr:
// 0 not run, 1 running, 2 done.
func initTaskState(addr uintptr) int {
	if addr == 0 {
		return -1
	}
	return int(*(*uint32)(cdl.CPointer(addr)))
}

// procMaps returns the child's /proc/self/maps, at most 256 KiB of it: a
// message is one line, and the parent reads lines of up to 1 MiB.
func procMaps() string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 256<<10))
	return string(b)
}

// since returns the nanoseconds since t.
func since(t time.Time) int64 { return int64(time.Since(t)) }
