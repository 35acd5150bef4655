package specimen

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// CPUTime returns the CPU time, user and system, that who has used so far:
// syscall.RUSAGE_SELF for this process, syscall.RUSAGE_CHILDREN for its
// children that have ended and been waited for. On a machine shared with
// other work it is steadier than wall time, which also counts the time a
// benchmark waited for a core.
func CPUTime(who int) time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU starts measuring the CPU time who uses (see CPUTime) and
// returns the function that stops and has b report it per operation, in
// unit: "cpu-ms/op" for time.Millisecond, "cpu-ns/op" for
// time.Nanosecond. Use: defer specimen.ReportCPU(b, syscall.RUSAGE_SELF,
// time.Nanosecond)(), or call it right after the benchmark's loop.
func ReportCPU(b *testing.B, who int, unit time.Duration) (stop func()) {
	start := CPUTime(who)
	return func() {
		if b.N > 0 {
			cpu := CPUTime(who) - start
			b.ReportMetric(float64(cpu)/float64(unit)/float64(b.N), "cpu-"+strings.TrimPrefix(unit.String(), "1")+"/op")
		}
	}
}
