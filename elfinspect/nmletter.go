package elfinspect

import (
	"debug/elf"
	"strings"
)

// sectionLetter returns the lower-case nm letter for symbols defined in s,
// following BFD: _bfd_elf_make_section_from_shdr turns the ELF section
// header into BFD section flags, and bfd_decode_symclass maps the flags
// (after the few COFF names of coff_section_type) to a letter.
func sectionLetter(s *elf.Section) byte {
	if c := coffSectionType(s.Name); c != 0 {
		return c
	}
	hasContents := s.Type != elf.SHT_NOBITS
	alloc := s.Flags&elf.SHF_ALLOC != 0
	load := alloc && hasContents
	readonly := s.Flags&elf.SHF_WRITE == 0
	code := s.Flags&elf.SHF_EXECINSTR != 0
	data := !code && load
	debugging := !alloc && isDebugSectionName(s.Name)
	switch {
	case code:
		return 't'
	case data && readonly:
		return 'r'
	case data:
		return 'd'
	case !hasContents:
		return 'b'
	case debugging:
		return 'N'
	case readonly:
		return 'n'
	}
	return '?'
}

// coffSectionType is BFD's coff_section_type: a name that starts with one
// of a few MSVC section names and then ends or goes on with '.', '$' or a
// digit.
func coffSectionType(name string) byte {
	for _, t := range [...]struct {
		prefix string
		c      byte
	}{{".drectve", 'i'}, {".edata", 'e'}, {".idata", 'i'}, {".pdata", 'p'}} {
		if rest, ok := strings.CutPrefix(name, t.prefix); ok {
			if rest == "" || strings.IndexByte(".$0123456789", rest[0]) >= 0 {
				return t.c
			}
		}
	}
	return 0
}

// isDebugSectionName reports the names BFD flags SEC_DEBUGGING when the
// section is not allocated.
func isDebugSectionName(name string) bool {
	for _, p := range [...]string{".debug", ".gnu.debuglto_.debug_", ".gnu.linkonce.wi.", ".zdebug", ".line", ".stab"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == ".gdb_index"
}

// nmLetter is bfd_decode_symclass applied to the flags elf_slurp_symbol_table
// gives an ELF symbol. secLetter is the lower-case letter of the symbol's
// section ('a' for SHN_ABS), unused for undefined and common symbols.
func nmLetter(typ SymType, bind SymBind, undef, common bool, secLetter byte) Letter {
	object := typ == TypeObject || typ == TypeCommon
	switch {
	case common:
		return 'C'
	case undef:
		if bind == BindWeak {
			if object {
				return 'v'
			}
			return 'w'
		}
		return 'U'
	case typ == TypeIFunc:
		return 'i'
	case bind == BindWeak:
		if object {
			return 'V'
		}
		return 'W'
	case bind == BindUnique:
		return 'u'
	case bind != BindLocal && bind != BindGlobal:
		return '?'
	}
	c := secLetter
	if bind == BindGlobal && c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	return Letter(c)
}
