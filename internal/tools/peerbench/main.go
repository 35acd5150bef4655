// Command peerbench times soinspect against its peers (nm, ldd) on the
// same inputs, in one run, alternating the commands so that both see the
// same machine state, and prints the ratio of medians and each side's peak
// RSS. It is what `make bench` runs after the Go benchmarks; it asserts
// nothing, it measures.
//
// Usage:
//
//	peerbench -soinspect bin/soinspect [-n 11] [-sweep-n 3] [-libdir DIR] [-plugin big.so] [LIB...]
//
// With no LIB it picks the largest libLLVM-*.so.1 in the system library
// directory. The loader's cases are `deps --bindings` against `ldd -r`:
// on each LIB, and over every shared object of -libdir (one soinspect
// command for them all against one ldd -r per file, -sweep-n times).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

type bcase struct {
	name    string
	goal    float64 // the ratio to reach; 0 means none
	rssGoal int64   // the peak RSS not to exceed, in MiB; 0 means none
	ours    []string
	peer    []string
	input   string
	anyExit bool // a nonzero exit status is an answer, not a failure
	runs    int  // runs of each command; 0 means -n
}

type sample struct {
	wall time.Duration
	cpu  time.Duration // user + system
	rss  int64         // KiB
}

func main() {
	so := flag.String("soinspect", "bin/soinspect", "the soinspect binary")
	n := flag.Int("n", 11, "runs of each command")
	plug := flag.String("plugin", "", "a large Go plugin for the static listing case")
	sweepN := flag.Int("sweep-n", 3, "runs of each command over the whole library directory")
	libdir := flag.String("libdir", "/usr/lib/x86_64-linux-gnu", "the system library directory of the deps sweep (\"\" for none)")
	flag.Parse()

	libs := flag.Args()
	if len(libs) == 0 {
		if l := largestLLVM(); l != "" {
			libs = []string{l}
		}
	}
	var cases []bcase
	for _, lib := range libs {
		b := filepath.Base(lib)
		cases = append(cases,
			bcase{"dynamic listing " + b, 0.8, 32,
				[]string{*so, "symbols", "-D", "--defined-only", "--demangle=none", "--sort=name", "--format=plain", lib},
				[]string{"nm", "-D", "--defined-only", lib}, lib, false, 0},
			bcase{"demangled listing " + b, 1.3, 32,
				[]string{*so, "symbols", "-D", "--all", "--format=plain", lib},
				[]string{"nm", "-DC", lib}, lib, false, 0},
			bcase{"deps --bindings " + b, 0.5, 64,
				[]string{*so, "deps", "--bindings", lib},
				[]string{"ldd", "-r", lib}, lib, true, 0},
		)
	}
	if libs := sharedObjects(*libdir); len(libs) > 0 {
		cases = append(cases, bcase{fmt.Sprintf("deps --bindings of %d libraries", len(libs)), 0.2, 64,
			append([]string{*so, "deps", "--bindings"}, libs...),
			append([]string{"sh", "-c", `for f; do ldd -r "$f"; done`, "sh"}, libs...), *libdir, true, *sweepN})
	}
	if *plug != "" {
		b := filepath.Base(*plug)
		cases = append(cases, bcase{"static listing " + b, 1.0, 0,
			[]string{*so, "symbols", "--static", "--all", "--demangle=none", "--format=plain", *plug},
			[]string{"nm", *plug}, *plug, false, 0})
	}
	if len(cases) == 0 {
		fmt.Fprintln(os.Stderr, "peerbench: nothing to measure (no libLLVM found and no -plugin)")
		os.Exit(0)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\tsoinspect\tpeer\tratio\tgoal\tCPU ratio\tsoinspect RSS\tpeer RSS\t\n")
	for _, c := range cases {
		var ours, peer []sample
		runs := *n
		if c.runs > 0 {
			runs = c.runs
		}
		for i := 0; i < runs; i++ {
			s, err := run(c.ours, c.anyExit)
			if err != nil {
				fmt.Fprintf(os.Stderr, "peerbench: %s: %v\n", c.name, err)
				os.Exit(1)
			}
			ours = append(ours, s)
			p, err := run(c.peer, c.anyExit)
			if err != nil {
				fmt.Fprintf(os.Stderr, "peerbench: %s: %v\n", c.name, err)
				os.Exit(1)
			}
			peer = append(peer, p)
		}
		mo, mp := median(ours), median(peer)
		ratio := float64(mo.wall) / float64(mp.wall)
		verdict := "ok"
		if c.goal > 0 && ratio > c.goal {
			verdict = "MISSED"
		}
		cpuRatio := float64(medianCPU(ours)) / float64(medianCPU(peer))
		rss := fmt.Sprintf("%d MiB", maxRSS(ours)/1024)
		if c.rssGoal > 0 {
			v := "ok"
			if maxRSS(ours)/1024 > c.rssGoal {
				v = "MISSED"
			}
			rss += fmt.Sprintf(" (≤ %d %s)", c.rssGoal, v)
		}
		fmt.Fprintf(tw, "%s\t%v\t%v\t%.2f×\t≤ %.1f× %s\t%.2f×\t%s\t%d MiB\t\n", c.name,
			mo.wall.Round(100*time.Microsecond), mp.wall.Round(100*time.Microsecond), ratio,
			c.goal, verdict, cpuRatio, rss, maxRSS(peer)/1024)
	}
	tw.Flush()
	fmt.Printf("(median wall time of %d alternating runs each (%d over the library directory), output to /dev/null;\n the ratio is of wall times, the CPU ratio of user+system time, RSS the peak of any run; %s)\n", *n, *sweepN, time.Now().Format(time.DateOnly))
}

func run(argv []string, anyExit bool) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	if devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		defer devnull.Close()
		cmd.Stdout = devnull // a real fd: no pipe copying in our process
		if anyExit {
			cmd.Stderr = devnull // the loaders' complaints about files that are no objects
		}
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !anyExit || !errors.As(err, &ee) {
			return sample{}, fmt.Errorf("%v: %w", argv[:min(len(argv), 4)], err)
		}
	}
	s := sample{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = ru.Maxrss
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s, nil
}

func median(s []sample) sample {
	c := slices.Clone(s)
	slices.SortFunc(c, func(a, b sample) int { return int(a.wall - b.wall) })
	return c[len(c)/2]
}

func medianCPU(s []sample) time.Duration {
	c := make([]time.Duration, len(s))
	for i, x := range s {
		c[i] = x.cpu
	}
	slices.Sort(c)
	return c[len(c)/2]
}

func maxRSS(s []sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.rss)
	}
	return m
}

// sharedObjects lists the regular files of dir whose names hold ".so":
// every shared object ldd can be asked about, ELF or not.
func sharedObjects(dir string) []string {
	if dir == "" {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.Contains(e.Name(), ".so") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

func largestLLVM() string {
	matches, _ := filepath.Glob("/usr/lib/*/libLLVM-*.so.1")
	var best string
	var size int64
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Size() > size {
			best, size = m, st.Size()
		}
	}
	return best
}
