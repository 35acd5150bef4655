package ldso

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/soinspect/soinspect/internal/guard"
)

// maxVersionEntries bounds the walk of a version table: vn_next and
// vd_next chains of a hostile file end here.
const maxVersionEntries = 1 << 16

// verNeed is one Elf64_Verneed with its Vernaux entries.
type verNeed struct {
	file string
	aux  []verAux
}

type verAux struct {
	hash  uint32
	flags uint16
	other uint16 // the version index (bit 15: hidden)
	name  string
}

// verDef is one Elf64_Verdef, named by its first Verdaux.
type verDef struct {
	flags uint16
	ndx   uint16
	hash  uint32
	name  string
}

const verFlgWeak = 0x2

// readChain reads the vn_next/vd_next chain of records (record names
// their type: "Verneed", "Verdef") that the dynamic entry tag points at,
// calling fn with each record's bytes (at least 16, of version 1) and
// returning when its next offset is 0. An object without the entry has
// no chain to read.
func (o *Object) readChain(tag elf.DynTag, what, record string, fn func(rec []byte, recAddr uint64) (next uint32, err error)) error {
	addr, ok := o.dyn[tag]
	if !ok {
		return nil
	}
	for i := 0; i < maxVersionEntries; i++ {
		rec, err := o.readAddr(addr, 16, what)
		if err != nil {
			return err
		}
		if v := binary.LittleEndian.Uint16(rec); v != 1 {
			return fmt.Errorf("unsupported version %d of %s record", v, record)
		}
		next, err := fn(rec, addr)
		if err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		addr += uint64(next)
	}
	return fmt.Errorf("%s: more than %d entries", what, maxVersionEntries)
}

// VersionNeeds returns DT_VERNEED: the versions the object requires,
// per file.
func (o *Object) verNeeds() ([]verNeed, error) {
	o.vnOnce.Do(o.readVerNeeds)
	return o.vn, o.vnErr
}

func (o *Object) readVerNeeds() {
	le := binary.LittleEndian
	auxes := 0              // Vernaux entries read, over all Verneed entries
	o.vnErr = errUnreadable // kept if the read panics
	o.vnErr = o.readChain(elf.DT_VERNEED, "version needs (DT_VERNEED)", "Verneed", func(rec []byte, at uint64) (uint32, error) {
		cnt := le.Uint16(rec[2:])
		file, _ := o.dynString(uint64(le.Uint32(rec[4:])))
		vn := verNeed{file: file}
		a := at + uint64(le.Uint32(rec[8:]))
		for {
			if auxes++; auxes > maxVersionEntries {
				return 0, fmt.Errorf("version needs (DT_VERNEED): more than %d entries", maxVersionEntries)
			}
			ab, err := o.readAddr(a, 16, "version needs (DT_VERNEED)")
			if err != nil {
				return 0, err
			}
			name, _ := o.dynString(uint64(le.Uint32(ab[8:])))
			vn.aux = append(vn.aux, verAux{hash: le.Uint32(ab), flags: le.Uint16(ab[4:]), other: le.Uint16(ab[6:]), name: name})
			next := le.Uint32(ab[12:])
			if next == 0 {
				break
			}
			a += uint64(next)
		}
		_ = cnt
		o.vn = append(o.vn, vn)
		return le.Uint32(rec[12:]), nil
	})
}

// verDefs returns DT_VERDEF: the versions the object defines.
func (o *Object) verDefs() ([]verDef, error) {
	o.vdOnce.Do(o.readVerDefs)
	return o.vd, o.vdErr
}

func (o *Object) readVerDefs() {
	le := binary.LittleEndian
	o.vdErr = errUnreadable // kept if the read panics
	o.vdErr = o.readChain(elf.DT_VERDEF, "version definitions (DT_VERDEF)", "Verdef", func(rec []byte, at uint64) (uint32, error) {
		d := verDef{flags: le.Uint16(rec[2:]), ndx: le.Uint16(rec[4:]), hash: le.Uint32(rec[8:])}
		if aux := le.Uint32(rec[12:]); aux != 0 {
			if ab, err := o.readAddr(at+uint64(aux), 8, "version definitions (DT_VERDEF)"); err == nil {
				d.name, _ = o.dynString(uint64(le.Uint32(ab)))
			}
		}
		o.vd = append(o.vd, d)
		next, err := o.readAddr(at+16, 4, "version definitions (DT_VERDEF)")
		if err != nil {
			return 0, err
		}
		return le.Uint32(next), nil
	})
}

// MissingVersion is a version an object requires that the object
// providing it lacks: ld.so's "version `X' not found (required by Y)".
type MissingVersion struct {
	Version    string // the version name
	File       string // the object that should define it (its l_name)
	RequiredBy string // the object that requires it
	Weak       bool   // a weak version reference (a warning only)
	NoVersions bool   // File has no version definitions at all (a warning)
}

// Error returns ld.so's message, "FILE: version `V' not found (required by R)".
func (m MissingVersion) Error() string {
	switch {
	case m.NoVersions:
		return fmt.Sprintf("%s: no version information available (required by %s)", m.File, m.RequiredBy)
	case m.Weak:
		return fmt.Sprintf("%s: weak version `%s' not found (required by %s)", m.File, m.Version, m.RequiredBy)
	}
	return fmt.Sprintf("%s: version `%s' not found (required by %s)", m.File, m.Version, m.RequiredBy)
}

// Fatal reports whether the loader refuses to go on: a missing version
// that is neither weak nor a file without versions.
func (m MissingVersion) Fatal() bool { return !m.Weak && !m.NoVersions }

// CheckVersions is _dl_check_all_versions in verbose trace mode: every
// object of the load set in list order, each version it needs from each
// of its dependencies. It returns every problem, warnings included, in
// the order ld.so prints them. A version table that cannot be read
// (malformed, or its file changed while it was read) counts as absent.
func CheckVersions(res *Result) (out []MissingVersion) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard.Recover(func(any) {})
	for _, l := range res.Objects {
		if !l.Found() || l.Object.dyn == nil {
			continue
		}
		out = append(out, checkMapVersions(res, l)...)
	}
	return out
}

func checkMapVersions(res *Result, l *Loaded) []MissingVersion {
	vns, _ := l.Object.verNeeds()
	var out []MissingVersion
	for _, vn := range vns {
		needed := findNeeded(res, vn.file)
		if needed == nil || !needed.Found() {
			continue
		}
		defs, _ := needed.Object.verDefs()
		for _, a := range vn.aux {
			if needed.Object.dyn == nil || !needed.Object.has(elf.DT_VERDEF) {
				out = append(out, MissingVersion{Version: a.name, File: needed.Path, RequiredBy: l.Path, NoVersions: true})
				continue
			}
			ok := false
			for _, d := range defs {
				if d.hash == a.hash && d.name == a.name {
					ok = true
					break
				}
			}
			if !ok {
				out = append(out, MissingVersion{Version: a.name, File: needed.Path, RequiredBy: l.Path, Weak: a.flags&verFlgWeak != 0})
			}
		}
	}
	return out
}

// findNeeded is dl-version.c's find_needed: the object of the list
// answering to name (by its path or a name it was loaded by).
func findNeeded(res *Result, name string) *Loaded {
	for _, l := range res.Objects {
		if l.matchesName(name) || !l.Found() && l.Name == name {
			return l
		}
	}
	if res.interp != nil && res.interp.matchesName(name) {
		return res.interp
	}
	return nil
}

// matchesName is _dl_name_match_p: name is the object's path or a name it
// was loaded by.
func (l *Loaded) matchesName(name string) bool {
	return l.Path == name || slices.Contains(l.names, name)
}
