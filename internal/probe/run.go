package probe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultTimeout is how long a child may run when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// maxCapture bounds each captured stream; what is beyond is counted, not kept.
const maxCapture = 1 << 20

// Options control how an experiment's child process runs.
type Options struct {
	// Emulation, if set, runs the child under an emulator: for an object
	// of another machine (see Static.Emulate). Exe is then unused.
	Emulation *Emulation
	// Timeout kills the child (its whole process group) after this long;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// Exe is the soinspect binary the raw child runs, and the build
	// soinspect's own probe is made like; "" means os.Executable().
	// Tests set it to a soinspect built with the same flags as the plugins.
	Exe string
	// Env is the child's environment; nil means the parent's.
	Env []string

	// Host chooses the program the Go way runs in (see ChooseHost):
	// HostAuto (or ""), HostSelf, or the path of a program that speaks
	// the probe protocol (a Go program that does not gives a
	// CheckOnlyError: nothing runs).
	Host string
	// Force runs the Go way in the closest probe host even where the
	// analysis says none here can load the file.
	Force bool
	// OnBuild, if not nil, is called before a probe host is built, with
	// the build it is for ("go1.27.3 with -race"): a first use takes
	// seconds, later ones come from the cache.
	OnBuild func(build string)
	// CacheDir is the probe host cache; "" means DefaultCacheDir().
	CacheDir string
	// GoCmd is the go command that builds probe hosts; "" means "go".
	GoCmd string

	// host is the host chosen already (Compare chooses before its raw
	// child runs).
	host *Host
}

// Output is what a child wrote to one stream during one phase.
type Output struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	// Dropped counts the bytes beyond the capture limit that were discarded.
	Dropped int64 `json:"dropped,omitempty"`
}

// Empty reports whether nothing was written.
func (o Output) Empty() bool { return o.Stdout == "" && o.Stderr == "" && o.Dropped == 0 }

// Exit describes how a child process ended and what it wrote.
//
// The child runs in phases, and each phase has its own stdout and stderr:
// Load is what loading printed (C constructors, Go inits), Call what the
// call printed, including the Go runtime's crash report; Other is anything
// written outside both.
type Exit struct {
	// PID is the child's process id, also its process group id.
	PID int `json:"pid"`
	// Code is the exit status, or -1 when a signal killed the child.
	Code int `json:"code"`
	// Signal names the signal that killed the child ("SIGSEGV"), if any.
	Signal string `json:"signal,omitempty"`
	// TimedOut is true when the parent killed the child at the timeout.
	TimedOut bool `json:"timed_out,omitempty"`
	// Interrupted names the signal ("SIGINT", "SIGTERM", "SIGHUP") that made the
	// parent kill the child's process group before it finished.
	Interrupted string `json:"interrupted,omitempty"`
	// Timeout is the limit the child ran under.
	Timeout time.Duration `json:"timeout_ns"`
	// Duration is the child's wall time, from start to exit.
	Duration time.Duration `json:"duration_ns"`
	// Emulation is the emulator the child ran under (an object of another
	// machine); nil when it ran natively.
	Emulation *Emulation `json:"emulation,omitempty"`
	Load      Output     `json:"load"`
	Call      Output     `json:"call"`
	Other     Output     `json:"other"`
}

// String describes how the child ended: "exit status 0", "killed by
// SIGSEGV", "timed out after 10s".
func (e Exit) String() string {
	switch {
	case e.TimedOut:
		return fmt.Sprintf("timed out after %v (process group killed)", e.Timeout)
	case e.Interrupted != "":
		return "interrupted by " + e.Interrupted + " (process group killed)"
	case e.Signal != "":
		return "killed by " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// The child's file descriptors: fd 3 carries JSON messages, one a line;
// fds 4 to 7 are the stdout and stderr of the load and call phases, which
// the child puts in place of fds 1 and 2 with dup3 as each phase starts.
const (
	fdMsg = 3 + iota
	fdLoadOut
	fdLoadErr
	fdCallOut
	fdCallErr
	nExtra = iota
)

// ChildCommand is the hidden subcommand the soinspect binary runs as the
// child: soinspect ChildCommand MODE REQUEST-JSON.
const ChildCommand = "__probe-child"

// run starts the child for mode with the JSON of req, calls onMsg with each
// line the child writes on its message fd (in order, from one goroutine),
// and returns when the child has exited and every pipe is drained.
//
// The child has a process group of its own, so that a timeout kills
// whatever the loaded code started too; the terminal's Ctrl-C therefore
// does not reach it. While it runs, SIGINT, SIGTERM and SIGHUP (the
// terminal closed) are caught: they kill the child's whole group and the
// Exit says Interrupted. The caller
// decides what to do then (the CLI exits 128+signal).
func run(ctx context.Context, opts Options, mode string, req any, onMsg func([]byte)) (Exit, error) {
	exe := opts.Exe
	if opts.Emulation != nil {
		exe = opts.Emulation.Exe
	}
	if mode == modeGo && opts.host != nil {
		exe = opts.host.Path
	}
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return Exit{}, fmt.Errorf("probe: finding the soinspect binary: %w", err)
		}
	}
	reqJSON, err := json.Marshal(req)
	if err != nil {
		return Exit{}, fmt.Errorf("probe: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// Every pipe: the parent keeps the read ends, the child gets the write ends.
	var readers [nExtra]*os.File
	var writers [nExtra]*os.File
	closeAll := func(fs []*os.File) {
		for _, f := range fs {
			if f != nil {
				f.Close()
			}
		}
	}
	for i := range readers {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(readers[:])
			closeAll(writers[:])
			return Exit{}, fmt.Errorf("probe: pipe: %w", err)
		}
		readers[i], writers[i] = r, w
	}
	defer closeAll(readers[:])

	cmd := childCommand(opts, exe, ChildCommand, mode, string(reqJSON))
	cmd.Env = opts.Env
	var other [2]capture
	cmd.Stdout, cmd.Stderr = &other[0], &other[1]
	cmd.ExtraFiles = writers[:]
	// Its own process group, so that a timeout kills whatever it started too;
	// and killed with us if soinspect itself dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second

	// Caught before the child exists, so that no signal falls between.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	start := time.Now()
	err = cmd.Start()
	closeAll(writers[:]) // the child has its copies; EOF comes when it exits
	if err != nil {
		return Exit{}, fmt.Errorf("probe: starting %s: %w", exe, err)
	}
	pid := cmd.Process.Pid

	var wg sync.WaitGroup
	var caps [nExtra]capture
	for i := 1; i < nExtra; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(&caps[i], readers[i])
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(readers[0])
		sc.Buffer(make([]byte, 64<<10), maxCapture)
		for sc.Scan() {
			onMsg(bytes.Clone(sc.Bytes()))
		}
		io.Copy(io.Discard, readers[0])
	}()

	done := make(chan struct{})
	var timedOut atomic.Bool
	var interrupted atomic.Value // string
	go func() {
		select {
		case <-ctx.Done():
			timedOut.Store(errors.Is(ctx.Err(), context.DeadlineExceeded))
			syscall.Kill(-pid, syscall.SIGKILL)
		case sig := <-sigs:
			interrupted.Store(osSignalName(sig))
			syscall.Kill(-pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	waitErr := cmd.Wait() // reaps the child: no zombie
	dur := time.Since(start)
	close(done)
	// A signal that came as the child ended was caught, not acted on: it
	// still means the user wants to stop.
	signal.Stop(sigs)
	select {
	case sig := <-sigs:
		if interrupted.Load() == nil {
			interrupted.Store(osSignalName(sig))
		}
	default:
	}
	// Whatever the child started dies with its group; then the pipes drain.
	// The group's other members are not ours to reap: wait (briefly) until
	// their reaper has, so that nothing of the experiment outlives run.
	syscall.Kill(-pid, syscall.SIGKILL)
	for i := 0; i < 200 && syscall.Kill(-pid, 0) == nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	deadline := time.Now().Add(time.Second)
	for _, r := range readers {
		r.SetReadDeadline(deadline)
	}
	wg.Wait()
	cancel()

	ex := Exit{PID: pid, Code: -1, Timeout: timeout, Duration: dur, TimedOut: timedOut.Load()}
	ex.Emulation = opts.Emulation
	if s, ok := interrupted.Load().(string); ok {
		ex.Interrupted = s
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			ex.Signal = SignalName(ws.Signal())
		case ws.Exited():
			ex.Code = ws.ExitStatus()
		}
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !errors.Is(waitErr, exec.ErrWaitDelay) {
		return ex, fmt.Errorf("probe: waiting for the child: %w", waitErr)
	}
	ex.Load = Output{Stdout: caps[fdLoadOut-3].String(), Stderr: caps[fdLoadErr-3].String(),
		Dropped: caps[fdLoadOut-3].dropped + caps[fdLoadErr-3].dropped}
	ex.Call = Output{Stdout: caps[fdCallOut-3].String(), Stderr: caps[fdCallErr-3].String(),
		Dropped: caps[fdCallOut-3].dropped + caps[fdCallErr-3].dropped}
	ex.Other = Output{Stdout: other[0].String(), Stderr: other[1].String(),
		Dropped: other[0].dropped + other[1].dropped}
	return ex, nil
}

// capture is a bounded buffer, safe for one writer and a later reader.
type capture struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	dropped int64
}

// Write keeps what fits under maxCapture and counts the rest.
func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := maxCapture - c.buf.Len()
	if room < len(p) {
		c.dropped += int64(len(p) - max(room, 0))
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

// String returns what was kept.
func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// SignalName returns the conventional name of sig, such as "SIGSEGV".
func SignalName(sig syscall.Signal) string {
	for _, n := range signalNames {
		if n.sig == sig {
			return n.name
		}
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// osSignalName names a signal signal.Notify delivered.
func osSignalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		return SignalName(s)
	}
	return sig.String()
}

var signalNames = [...]struct {
	sig  syscall.Signal
	name string
}{
	{syscall.SIGABRT, "SIGABRT"}, {syscall.SIGALRM, "SIGALRM"}, {syscall.SIGBUS, "SIGBUS"},
	{syscall.SIGFPE, "SIGFPE"}, {syscall.SIGHUP, "SIGHUP"}, {syscall.SIGILL, "SIGILL"},
	{syscall.SIGINT, "SIGINT"}, {syscall.SIGKILL, "SIGKILL"}, {syscall.SIGPIPE, "SIGPIPE"},
	{syscall.SIGQUIT, "SIGQUIT"}, {syscall.SIGSEGV, "SIGSEGV"}, {syscall.SIGSYS, "SIGSYS"},
	{syscall.SIGTERM, "SIGTERM"}, {syscall.SIGTRAP, "SIGTRAP"},
}

// runSteps runs the child as run does and decodes each line it reports
// into a message of type M, appended to steps and shown to onStep (if not
// nil); a line that does not decode becomes the message bad makes of the
// error.
func runSteps[M any](ctx context.Context, opts Options, mode string, req any, steps *[]M, bad func(err string) M, onStep func(M)) (Exit, error) {
	return run(ctx, opts, mode, req, func(line []byte) {
		var m M
		if json.Unmarshal(line, &m) != nil {
			m = bad("unreadable message from the child: " + string(line))
		}
		*steps = append(*steps, m)
		if onStep != nil {
			onStep(m)
		}
	})
}
