package probe

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Objects of another machine run under qemu-user: the child is soinspect
// built for that machine (with cgo and the cross C compiler, as the raw
// way needs), started as `qemu-aarch64 -L SYSROOT soinspect-linux-arm64
// __probe-child ...`. The parent stays native: it reads the file, keeps
// the timeout and the process group, and explains a crash from the file.
// qemu-user passes the child's extra file descriptors and signals through,
// and the addresses the child reports are the emulated process's, so the
// rest of the experiment is the same.

// An Emulation is how to run a child for another machine.
type Emulation struct {
	// Machine is the machine emulated, as people say it ("AArch64").
	Machine string `json:"machine"`
	// Command is the emulator and its arguments, before the program:
	// ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"].
	Command []string `json:"command"`
	// Exe is the soinspect built for that machine that the raw child runs.
	Exe string `json:"exe"`
	// CC is the cross C compiler a probe host for that machine is built
	// with (the Go way runs in a probe host cross-built like the object).
	CC string `json:"cc,omitempty"`
}

// String is the emulator's command line, less the program it runs.
func (e *Emulation) String() string { return strings.Join(e.Command, " ") }

// Running is the command line that starts the child program exe, less its
// arguments.
func (e *Emulation) Running(exe string) string { return e.String() + " " + exe }

// emulated describes a machine soinspect can run objects of under qemu-user.
type emulated struct {
	machine elf.Machine
	goarch  string // the GOARCH of the child
	qemu    string // the qemu-user program
	sysroot string // the cross C library's root, qemu's -L
	loader  string // the dynamic loader under sysroot
	cc      string // the cross C compiler the child is built with
	pkgs    string // the Debian packages that provide the above
}

var emulatedMachines = [...]emulated{
	{machine: elf.EM_AARCH64, goarch: "arm64", qemu: "qemu-aarch64", sysroot: "/usr/aarch64-linux-gnu", loader: "lib/ld-linux-aarch64.so.1",
		cc: "aarch64-linux-gnu-gcc", pkgs: "qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"},
}

// emulatedMachine returns how objects of m run under qemu-user; false if
// soinspect cannot emulate m.
func emulatedMachine(m elf.Machine) (emulated, bool) {
	for _, e := range emulatedMachines {
		if e.machine == m {
			return e, true
		}
	}
	return emulated{}, false
}

// EnvChildPrefix begins the environment variables that name the soinspect
// binary a child for another machine runs: SOINSPECT_CHILD_ARM64.
const EnvChildPrefix = "SOINSPECT_CHILD_"

// ChildExeName is the file name, next to the soinspect binary, of the
// soinspect built for goarch: "soinspect-linux-arm64".
func ChildExeName(goarch string) string { return "soinspect-linux-" + goarch }

// Emulate returns how to run a child for st's machine under qemu-user,
// when st is an object of another machine this soinspect knows how to
// emulate. It returns nil and "" when st is of this machine or of one it
// cannot emulate, and nil with sentences that follow LoadProblem's,
// saying what is missing and the commands that run the object, when the
// emulator, the cross C library or the child binary is missing.
func (st *Static) Emulate() (*Emulation, string) {
	if st == nil {
		return nil, ""
	}
	host, ok := hostArch(runtime.GOARCH)
	if !ok || st.Machine == host.machine {
		return nil, ""
	}
	em, ok := emulatedMachine(st.Machine)
	if a, _ := hostArch(em.goarch); !ok || st.Class != a.class {
		return nil, ""
	}
	name := MachineName(st.Machine)
	var missing []string
	qemu, err := exec.LookPath(em.qemu)
	if err != nil {
		missing = append(missing, em.qemu+" is not installed")
	}
	if _, err := os.Stat(filepath.Join(em.sysroot, em.loader)); err != nil {
		missing = append(missing, "the "+name+" C library is not in "+em.sysroot)
	}
	exe, dir, why := childExe(em.goarch)
	if why != "" {
		missing = append(missing, why)
	}
	if len(missing) == 0 {
		return &Emulation{Machine: name, Command: []string{qemu, "-L", em.sysroot}, Exe: exe, CC: em.cc}, ""
	}
	return nil, fmt.Sprintf("It can run under %s, but %s. To run it: install %s (Debian packages; .ci/install-deps installs them); "+
		"build soinspect for %s with `CC=%s GOARCH=%s CGO_ENABLED=1 go build -o %s ./cmd/soinspect` (or name another in %s%s); "+
		"and run this command again: its child then runs as `%s -L %s %s %s ...`",
		em.qemu, strings.Join(missing, ", and "), em.pkgs,
		em.goarch, em.cc, em.goarch, filepath.Join(dir, ChildExeName(em.goarch)), EnvChildPrefix, strings.ToUpper(em.goarch),
		em.qemu, em.sysroot, ChildExeName(em.goarch), ChildCommand)
}

// childExe finds the soinspect built for goarch: $SOINSPECT_CHILD_<GOARCH>,
// else soinspect-linux-<goarch> next to this soinspect. It returns the
// path, or why there is none; and the directory of this soinspect.
func childExe(goarch string) (exe, dir, why string) {
	dir = "bin"
	if self, err := os.Executable(); err == nil {
		dir = filepath.Dir(self)
	}
	env := EnvChildPrefix + strings.ToUpper(goarch)
	if p := os.Getenv(env); p != "" {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return "", dir, fmt.Sprintf("%s=%s is no file", env, p)
		}
		return p, dir, ""
	}
	p := filepath.Join(dir, ChildExeName(goarch))
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", dir, fmt.Sprintf("there is no %s next to this soinspect (in %s)", ChildExeName(goarch), dir)
	}
	return p, dir, ""
}

// childCommand returns the command that starts the child program exe with
// args: under opts.Emulation's emulator when set (exe is then a program
// for the emulated machine: its soinspect, or a probe host cross-built).
func childCommand(opts Options, exe string, args ...string) *exec.Cmd {
	if e := opts.Emulation; e != nil {
		return exec.Command(e.Command[0], append(append(append([]string{}, e.Command[1:]...), exe), args...)...)
	}
	return exec.Command(exe, args...)
}
