package ldso

import (
	"os"
	"strings"
	"sync"
)

// The x86-64 micro-architecture levels, as glibc's
// sysdeps/x86/get-isa-level.h derives them from CPUID (and the kernel
// reports the same features in /proc/cpuinfo).
var isaLevelFlags = [...][]string{
	2: {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"},
	3: {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "osxsave"},
	4: {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
}

var (
	hostLevelOnce sync.Once
	hostLevel     int
)

// HostISALevel returns the x86-64 ISA level (1 to 4) of this machine's
// CPU, which picks the glibc-hwcaps subdirectories ld.so searches; 1 when
// it cannot be told.
func HostISALevel() int {
	hostLevelOnce.Do(func() {
		hostLevel = 1
		b, err := os.ReadFile("/proc/cpuinfo")
		if err != nil {
			return
		}
		var flags map[string]bool
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && strings.TrimSpace(k) == "flags" {
				flags = map[string]bool{}
				for _, f := range strings.Fields(v) {
					flags[f] = true
				}
				break
			}
		}
		for l := 2; l <= 4; l++ {
			for _, f := range isaLevelFlags[l] {
				if !flags[f] {
					return
				}
			}
			hostLevel = l
		}
	})
	return hostLevel
}

// capSubdirs returns the subdirectories ld.so 2.36 tries in each search
// directory, in order: the glibc-hwcaps ones the CPU supports, then the
// legacy platform and hwcap ones (the platform and the one hwcap name of
// x86-64, each with and without tls/), then the directory itself.
func capSubdirs(level int, platform string) []string {
	var out []string
	for _, s := range HwcapsSubdirs(level) {
		out = append(out, "glibc-hwcaps/"+s+"/")
	}
	p := platform + "/"
	for _, pre := range []string{"tls/", ""} {
		out = append(out, pre+p+"x86_64/", pre+p, pre+"x86_64/")
		if pre != "" {
			out = append(out, pre)
		}
	}
	return append(out, "")
}
