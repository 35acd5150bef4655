package elfinspect

import (
	"debug/elf"
	"encoding/binary"
)

// symVersions maps the indexes of .gnu.version to version names.
type symVersions struct {
	def  []symVerName // from .gnu.version_d, by index
	need []symVerName // from .gnu.version_r, by index
}

type symVerName struct {
	ok   bool
	base bool // VER_FLG_BASE: the file's own name, not a version
	name string
	file string // the library, for .gnu.version_r
}

// set records v at index idx (at most 0x7fff) of the table t.
func setVersion(t *[]symVerName, idx uint16, v symVerName) {
	if int(idx) >= len(*t) {
		*t = append(*t, make([]symVerName, int(idx)+1-len(*t))...)
	}
	v.ok = true
	(*t)[idx] = v
}

func lookupVersion(t []symVerName, idx uint16) (symVerName, bool) {
	if int(idx) < len(t) && t[idx].ok {
		return t[idx], true
	}
	return symVerName{}, false
}

const (
	symVerFlgBase   = 0x1
	symVersymHidden = 0x8000
	symVersymIndex  = 0x7fff
)

// apply sets the version fields of s from its .gnu.version entry, the way
// readelf's get_symbol_version_string picks them: a defined symbol looks in
// .gnu.version_d first, then anything looks in .gnu.version_r.
func (v *symVersions) apply(s *Symbol, vs uint16) {
	if vs == 0 {
		return
	}
	idx := vs & symVersymIndex
	if s.Defined && vs != 0x8001 {
		if d, ok := lookupVersion(v.def, idx); ok {
			if idx == 1 && d.base {
				return
			}
			s.Version, s.Hidden, s.vidx = d.name, vs&symVersymHidden != 0, idx
			return
		}
	}
	if n, ok := lookupVersion(v.need, idx); ok {
		s.Version, s.Library, s.vneed, s.vidx = n.name, n.file, true, idx
		s.Hidden = vs&symVersymHidden != 0
	}
}

// readVersions parses .gnu.version_d and .gnu.version_r. Malformed entries
// end the walk of their section; what was read before stays.
func (f *File) readVersions(strcache map[uint32]string) symVersions {
	var v symVersions
	bo := f.elf.ByteOrder
	for _, sec := range f.elf.Sections {
		// The first section of each type counts; one that cannot be read
		// (or whose string table cannot) is skipped.
		var dst *[]symVerName
		parse := parseVerdef
		switch {
		case sec.Type == elf.SHT_GNU_VERDEF && v.def == nil:
			dst = &v.def
		case sec.Type == elf.SHT_GNU_VERNEED && v.need == nil:
			dst, parse = &v.need, parseVerneed
		default:
			continue
		}
		d, err := f.readSection(sec)
		if err != nil {
			continue
		}
		strs, err := f.readStrtab(sec.Link, strcache)
		if err != nil {
			continue
		}
		*dst = parse(d, strs, bo)
	}
	return v
}

// parseVerdef reads the version definitions in d (.gnu.version_d, or what
// DT_VERDEF points to), their names in strs, by version index. A malformed
// entry ends the walk; what was read before stays.
func parseVerdef(d []byte, strs string, bo binary.ByteOrder) []symVerName {
	def := []symVerName{}
	// Elf_Verdef: vd_version(2) vd_flags(2) vd_ndx(2) vd_cnt(2)
	// vd_hash(4) vd_aux(4) vd_next(4); Elf_Verdaux: vda_name(4) vda_next(4).
	// Each entry takes 20 bytes: more steps than that mean a loop.
	off, steps := uint64(0), len(d)/20+1
	for n := 0; n < steps && off+20 <= uint64(len(d)); n++ {
		e := d[off:]
		flags, ndx := bo.Uint16(e[2:]), bo.Uint16(e[4:])
		aux, next := uint64(bo.Uint32(e[12:])), uint64(bo.Uint32(e[16:]))
		if a := off + aux; aux != 0 && a+8 <= uint64(len(d)) {
			setVersion(&def, ndx&symVersymIndex, symVerName{name: strtabAt(strs, bo.Uint32(d[a:])), base: flags&symVerFlgBase != 0})
		}
		if next == 0 {
			break
		}
		off += next
	}
	return def
}

// parseVerneed reads the versions required from other libraries in d
// (.gnu.version_r, or what DT_VERNEED points to), their names in strs, by
// version index. A malformed entry ends the walk; what was read before stays.
func parseVerneed(d []byte, strs string, bo binary.ByteOrder) []symVerName {
	need := []symVerName{}
	// Elf_Verneed: vn_version(2) vn_cnt(2) vn_file(4) vn_aux(4) vn_next(4);
	// Elf_Vernaux: vna_hash(4) vna_flags(2) vna_other(2) vna_name(4) vna_next(4).
	// Each entry takes at least 16 bytes: more steps than that (counting
	// the inner entries too) mean a loop.
	off, steps := uint64(0), len(d)/16+1
	for steps > 0 && off+16 <= uint64(len(d)) {
		steps--
		e := d[off:]
		cnt := int(bo.Uint16(e[2:]))
		file := strtabAt(strs, bo.Uint32(e[4:]))
		aux, next := uint64(bo.Uint32(e[8:])), uint64(bo.Uint32(e[12:]))
		a := off + aux
		for j := 0; j < cnt && steps > 0 && aux != 0 && a+16 <= uint64(len(d)); j++ {
			steps--
			x := d[a:]
			other := bo.Uint16(x[6:])
			setVersion(&need, other&symVersymIndex, symVerName{name: strtabAt(strs, bo.Uint32(x[8:])), file: file})
			an := uint64(bo.Uint32(x[12:]))
			if an == 0 {
				break
			}
			a += an
		}
		if next == 0 {
			break
		}
		off += next
	}
	return need
}

// strtabAt returns the NUL-terminated string at off in strs, sharing its memory.
func strtabAt(strs string, off uint32) string {
	if int64(off) >= int64(len(strs)) {
		return "<corrupt>"
	}
	s := strs[off:]
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i]
		}
	}
	return s
}
