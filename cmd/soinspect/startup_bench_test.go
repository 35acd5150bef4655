package main

import (
	"os/exec"
	"syscall"
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
// A short command, `soinspect symbols -D` on the cgo program (a table of
// its few dynamic symbols), takes its turn too, and each program's minor
// page faults are reported beside its CPU time: on a VM every first touch
// of a page costs microseconds, and most of a start-up's are that.
//
//	go test -run '^$' -bench Startup ./cmd/soinspect/
func BenchmarkStartup(b *testing.B) {
	soinspect := specimen.Path(b, "soinspect")
	floor := specimen.Path(b, "depfloor")
	cgo := specimen.Path(b, "mincgo")
	progs := []struct {
		name   string
		argv   []string
		cpu    time.Duration
		faults int64
	}{
		{name: "soinspect", argv: []string{soinspect, "--help"}},
		{name: "cgo", argv: []string{cgo}},
		{name: "depfloor", argv: []string{floor}},
		{name: "symbols", argv: []string{soinspect, "symbols", "-D", cgo}},
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
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				p.faults += ru.Minflt
			}
		}
	}
	for _, p := range progs {
		b.ReportMetric(float64(p.cpu.Microseconds())/1000/float64(b.N), p.name+"-cpu-ms/op")
		b.ReportMetric(float64(p.faults)/float64(b.N), p.name+"-faults/op")
	}
	b.ReportMetric(float64(progs[0].cpu)/float64(progs[1].cpu), "soinspect/cgo")
	b.ReportMetric(float64(progs[2].cpu)/float64(progs[1].cpu), "depfloor/cgo")
	b.ReportMetric(float64(progs[3].cpu)/float64(progs[1].cpu), "symbols/cgo")
}
