package main

import (
	"os/exec"
	"testing"
	"time"

	"github.com/soinspect/soinspect/internal/specimen"
)

// BenchmarkStartup times `soinspect --help` and a minimal cgo program
// (cmd/soinspect/testdata/mincgo), each exec'd and waited for, in turns in
// the same run, and reports the CPU time of each and their ratio: the goal
// is soinspect ≤ 1.5 × the cgo program. soinspect links no package plugin (the Go way
// runs in a probe host of its own), so the loader has no ~29,000 dynamic
// symbols to relocate at its start.
//
// A third program, depfloor (cmd/soinspect/testdata/depfloor), links only
// cgo, tablewriter and cobra and does nothing: the part of soinspect's
// start-up that comes with those chosen libraries' package initialisation,
// which soinspect cannot avoid while it links them. soinspect's own share
// is its time less depfloor's.
//
//	go test -run '^$' -bench Startup ./cmd/soinspect/
func BenchmarkStartup(b *testing.B) {
	soinspect := specimen.Path(b, "soinspect")
	floor := specimen.Path(b, "depfloor")
	cgo := specimen.Path(b, "mincgo")
	progs := []struct {
		name string
		argv []string
		cpu  time.Duration
	}{
		{name: "soinspect", argv: []string{soinspect, "--help"}},
		{name: "cgo", argv: []string{cgo}},
		{name: "depfloor", argv: []string{floor}},
	}
	// The three take turns in each iteration, so that a shared machine's
	// load, which drifts over seconds, weighs on each alike and the ratios
	// hold within one run. The child's CPU time is steadier than wall time.
	for b.Loop() {
		for i := range progs {
			p := &progs[i]
			cmd := exec.Command(p.argv[0], p.argv[1:]...)
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			p.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
	}
	for _, p := range progs {
		b.ReportMetric(float64(p.cpu.Microseconds())/1000/float64(b.N), p.name+"-cpu-ms/op")
	}
	b.ReportMetric(float64(progs[0].cpu)/float64(progs[1].cpu), "soinspect/cgo")
	b.ReportMetric(float64(progs[2].cpu)/float64(progs[1].cpu), "depfloor/cgo")
}
