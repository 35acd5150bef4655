package main_test

import (
	"io"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/cli"
	"github.com/soinspect/soinspect/internal/specimen"
)

// BenchmarkDisasmLibcVsObjdump times `soinspect disasm --format plain`
// over every FUNC symbol of libc (one run, every symbol an argument)
// against `objdump -d --no-show-raw-insn` on the same file, and reports
// the ratios of their CPU times (user+system; fair on a busy machine) and
// of their wall times. The goal is a ratio of at most 0.5.
//
//	go test ./cmd/soinspect -run '^$' -bench DisasmLibcVsObjdump -benchtime 5x
func BenchmarkDisasmLibcVsObjdump(b *testing.B) {
	specimen.NeedTool(b, "objdump")
	libc := specimen.SysLib(b, "libc.so.6")
	f, err := elfinspect.Open(libc)
	if err != nil {
		b.Fatal(err)
	}
	d, err := disasm.New(f)
	if err != nil {
		b.Fatal(err)
	}
	fns, err := d.Funcs()
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"disasm", "--format", "plain", libc}
	for _, fn := range fns {
		args = append(args, fn.Name)
	}
	var ours, theirs, oursWall, theirsWall time.Duration
	for b.Loop() {
		c0, w0 := specimen.CPUTime(syscall.RUSAGE_SELF), time.Now()
		if code := cli.Main(args, io.Discard, io.Discard); code != 0 {
			b.Fatalf("soinspect disasm: exit %d", code)
		}
		ours += specimen.CPUTime(syscall.RUSAGE_SELF) - c0
		oursWall += time.Since(w0)

		cmd := exec.Command("objdump", "-d", "--no-show-raw-insn", libc)
		cmd.Stdout = io.Discard
		w1 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		theirsWall += time.Since(w1)
		theirs += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(ours)/float64(theirs), "cpu-ratio")
	b.ReportMetric(float64(oursWall)/float64(theirsWall), "wall-ratio")
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "soinspect-cpu-ms/op")
	b.ReportMetric(float64(theirs.Milliseconds())/float64(b.N), "objdump-cpu-ms/op")
	b.ReportMetric(float64(len(fns)), "functions")
}
