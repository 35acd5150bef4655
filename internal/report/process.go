package report

import (
	"bufio"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is where the object landed in the processes that loaded it:
// one Side per loading child, side by side.
type Process struct {
	Sides []Side `json:"sides"`
}

// Side is one child's address space, read from its /proc/self/maps after
// the load.
type Side struct {
	// Label says how the object was loaded: "raw: dlopen(RTLD_LAZY)".
	Label string `json:"label"`
	// Outcome is the child's outcome ("ok", "failed", "crashed", ...);
	// Error is the load's error, if any.
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
	// Base is the load base of the object in this child (0 if unknown).
	Base    uint64   `json:"base,omitempty"`
	Regions []Region `json:"regions"`
}

// Region is a run of adjacent mappings of one thing: the object, the host
// binary, a library, the heap, a stack, Go's arenas...
type Region struct {
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
	// Kind is "object", "host", "libc", "ld.so", "lib", "heap", "stack",
	// "go-arena", "anon", "vdso" or "other".
	Kind  string `json:"kind"`
	Label string `json:"label"`
	// Perms are the permissions of the mappings in address order,
	// "r--p r-xp r--p rw-p".
	Perms string `json:"perms"`
	Path  string `json:"path,omitempty"`
	// Mappings counts the /proc/self/maps lines merged into the region.
	Mappings int `json:"mappings"`
}

// Size is End-Start.
func (r Region) Size() uint64 { return r.End - r.Start }

// mapLine is one line of /proc/PID/maps.
type mapLine struct {
	start, end uint64
	perms      string
	path       string
}

// maxMapLines bounds what is read of a maps text.
const maxMapLines = 1 << 16

func parseMaps(text string) []mapLine {
	var out []mapLine
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	for sc.Scan() && len(out) < maxMapLines {
		// start-end perms offset dev inode [path]
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		a, b, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(a, 16, 64)
		end, err2 := strconv.ParseUint(b, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		ml := mapLine{start: start, end: end, perms: f[1]}
		if len(f) >= 6 {
			// The path is the rest of the line after the inode, spaces kept.
			line := sc.Text()
			if i := strings.Index(line, f[5]); i >= 0 {
				ml.path = strings.TrimSpace(line[i:])
			}
		}
		out = append(out, ml)
	}
	return out
}

// NewSide reads a maps text into a Side: objectPath is the loaded object's
// real path, hostPath the loading program's. Adjacent mappings of one file
// merge into one region, and so do adjacent anonymous mappings.
func NewSide(label, outcome, errText string, base uint64, maps, objectPath, hostPath string) Side {
	s := Side{Label: label, Outcome: outcome, Error: errText, Base: base}
	var prev *Region
	for _, m := range parseMaps(maps) {
		kind, name := classifyMapping(m, objectPath, hostPath)
		// A file's .bss continues in an anonymous mapping right after it.
		if prev != nil && prev.End == m.start && (prev.Path == m.path && m.path != "" ||
			m.path == "" && prev.Path == "" && !isFileKind(prev.Kind) && prev.Kind != "heap" && prev.Kind != "stack" && prev.Kind != "vdso" ||
			m.path == "" && prev.Path != "" && isFileKind(prev.Kind) && strings.HasPrefix(m.perms, "rw") && prev.Mappings < 8 && strings.Contains(prev.Perms, "rw")) {
			prev.End = m.end
			prev.Perms += " " + m.perms
			prev.Mappings++
			continue
		}
		s.Regions = append(s.Regions, Region{Start: m.start, End: m.end, Kind: kind, Label: name, Perms: m.perms, Path: m.path, Mappings: 1})
		prev = &s.Regions[len(s.Regions)-1]
	}
	return s
}

func isFileKind(k string) bool {
	switch k {
	case "object", "host", "libc", "ld.so", "lib":
		return true
	}
	return false
}

func classifyMapping(m mapLine, objectPath, hostPath string) (kind, label string) {
	p := m.path
	base := filepath.Base(p)
	switch {
	case p == "":
		// Go reserved its heap arenas from 0xc000000000 on 64-bit Linux
		// before go1.26, which places them at a random address; either way
		// an arena is 64 MiB and aligned to 64 MiB.
		if m.start >= 0xc000000000 && m.start < 0xc100000000 {
			return "go-arena", "Go heap arena"
		}
		if m.start%(64<<20) == 0 && m.start != 0 {
			return "go-arena", "Go heap arena? (64 MiB-aligned)"
		}
		return "anon", "anonymous"
	case p == "[heap]":
		return "heap", "[heap] (C malloc)"
	case strings.HasPrefix(p, "[stack"):
		return "stack", p + " (main thread)"
	case p == "[vdso]" || p == "[vvar]" || p == "[vsyscall]" || p == "[vvar_vclock]":
		return "vdso", p
	case objectPath != "" && p == objectPath:
		return "object", base + " (the object)"
	case hostPath != "" && p == hostPath:
		return "host", base + " (the loading program)"
	case strings.HasPrefix(base, "ld-linux") || strings.HasPrefix(base, "ld64.so") || strings.HasPrefix(base, "ld.so"):
		return "ld.so", base + " (ld.so)"
	case strings.HasPrefix(base, "libc.so") || strings.HasPrefix(base, "libc-"):
		return "libc", base + " (libc)"
	case strings.HasPrefix(p, "/"):
		return "lib", base
	}
	return "other", p
}
