// Command peerbench times soinspect against its peers (nm, readelf) on the
// same inputs, in one run, alternating the commands so that both see the
// same machine state, and prints the ratio of medians and each side's peak
// RSS. It is what `make bench` runs after the Go benchmarks; it asserts
// nothing, it measures.
//
// Usage:
//
//	peerbench -soinspect bin/soinspect [-n 11] [-plugin big.so] [LIB...]
//
// With no LIB it picks the largest libLLVM-*.so.1 in the system library
// directory.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
				[]string{"nm", "-D", "--defined-only", lib}, lib},
			bcase{"demangled listing " + b, 1.3, 32,
				[]string{*so, "symbols", "-D", "--all", "--format=plain", lib},
				[]string{"nm", "-DC", lib}, lib},
		)
	}
	if *plug != "" {
		b := filepath.Base(*plug)
		cases = append(cases, bcase{"static listing " + b, 1.0, 0,
			[]string{*so, "symbols", "--static", "--all", "--demangle=none", "--format=plain", *plug},
			[]string{"nm", *plug}, *plug})
	}
	if len(cases) == 0 {
		fmt.Fprintln(os.Stderr, "peerbench: nothing to measure (no libLLVM found and no -plugin)")
		os.Exit(0)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\tsoinspect\tpeer\tratio\tgoal\tCPU ratio\tsoinspect RSS\tpeer RSS\t\n")
	for _, c := range cases {
		var ours, peer []sample
		for i := 0; i < *n; i++ {
			s, err := run(c.ours)
			if err != nil {
				fmt.Fprintf(os.Stderr, "peerbench: %s: %v\n", c.name, err)
				os.Exit(1)
			}
			ours = append(ours, s)
			p, err := run(c.peer)
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
	fmt.Printf("(median wall time of %d alternating runs each, output to /dev/null; the ratio is of wall times,\n the CPU ratio of user+system time; %s)\n", *n, time.Now().Format(time.DateOnly))
}

func run(argv []string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	if devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		defer devnull.Close()
		cmd.Stdout = devnull // a real fd: no pipe copying in our process
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%v: %w", argv, err)
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
