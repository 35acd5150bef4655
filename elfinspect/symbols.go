package elfinspect

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrNoSymbols is returned by the symbol listings when the file has no
// symbol table of the kind asked for.
var ErrNoSymbols = errors.New("no symbol table")

// Symbol is one entry of .dynsym or .symtab. It is also the JSON schema of
// `soinspect symbols --json`: the field names and encodings are stable.
//
// Name, Version and Library share the memory of the file's string table, so a
// listing costs one allocation per symbol at most (a Go symbol's parsed name).
type Symbol struct {
	// Name is the raw name from the string table, without any version; a
	// SECTION symbol without one is named after its section, as nm and
	// readelf -s name it.
	Name string `json:"name"`
	// Demangled is the demangled C++ or Rust name; empty until Demangle fills
	// it, and for names that are not mangled.
	Demangled string `json:"demangled,omitempty"`
	// Lang is the language the name belongs to, judged from the name and
	// from whether the file was built by Go.
	Lang Lang `json:"lang"`
	// Table is the symbol table the entry comes from.
	Table Table `json:"table"`
	// Value is st_value: an address in executables and shared libraries, a
	// section offset in relocatable objects.
	Value uint64 `json:"value"`
	// Size is st_size.
	Size uint64 `json:"size"`
	// Type is ELF_ST_TYPE(st_info).
	Type SymType `json:"type"`
	// Bind is ELF_ST_BIND(st_info).
	Bind SymBind `json:"bind"`
	// Visibility is ELF_ST_VISIBILITY(st_other).
	Visibility SymVisibility `json:"visibility"`
	// Section is the name of the section the symbol is defined in, or "UND",
	// "ABS" or "COM" for the special section indexes (other reserved indexes
	// print as readelf does, e.g. "LOPROC+0x2").
	Section string `json:"section"`
	// Defined is false for undefined (UND) symbols.
	Defined bool `json:"defined"`
	// Letter is the symbol class letter GNU nm prints for the symbol.
	Letter Letter `json:"letter"`
	// Version is the symbol version from .gnu.version, if any.
	Version string `json:"version,omitempty"`
	// Hidden reports a hidden (non-default) version: readelf prints
	// name@VER for it and name@@VER for the default version.
	Hidden bool `json:"hidden,omitempty"`
	// Library is, for an undefined versioned symbol, the library that must
	// provide the version (from .gnu.version_r).
	Library string `json:"library,omitempty"`
	// Go holds the parts of a Go symbol name; nil for other languages.
	Go *GoName `json:"go,omitempty"`

	// vneed records that the version came from .gnu.version_r, as readelf
	// prints it ("name@VER (N)"), and vidx is the version index.
	vneed bool
	vidx  uint16
}

// VersionIndex returns the index of the symbol's version in .gnu.version,
// without the hidden bit, or 0 if the symbol has none.
func (s *Symbol) VersionIndex() int { return int(s.vidx) }

// ReadelfName returns the name as `readelf -W --dyn-syms` prints it:
// name@@VER for a default version, name@VER for a hidden one, and
// name@VER (N) for a version required from another library.
func (s *Symbol) ReadelfName() string {
	switch {
	case s.Version == "" || s.Version == s.Name && !s.vneed:
		return s.Name
	case s.vneed:
		return s.Name + "@" + s.Version + " (" + strconv.Itoa(int(s.vidx)) + ")"
	case s.Hidden:
		return s.Name + "@" + s.Version
	}
	return s.Name + "@@" + s.Version
}

// NMName returns the name as `nm -D` prints it: name@VER or name@@VER.
func (s *Symbol) NMName() string {
	switch {
	case s.Version == "" || s.Version == s.Name && !s.vneed:
		return s.Name
	case s.vneed || s.Hidden:
		return s.Name + "@" + s.Version
	}
	return s.Name + "@@" + s.Version
}

// DisplayName returns the demangled name if there is one, else the raw name.
func (s *Symbol) DisplayName() string {
	if s.Demangled != "" {
		return s.Demangled
	}
	return s.Name
}

// Table names a symbol table.
type Table uint8

// The symbol tables of an ELF file.
const (
	TableDynsym Table = iota + 1 // .dynsym, what the dynamic loader sees
	TableSymtab                  // .symtab, the full static table
)

// String returns "dynsym" or "symtab".
func (t Table) String() string {
	switch t {
	case TableDynsym:
		return "dynsym"
	case TableSymtab:
		return "symtab"
	}
	return "table(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText encodes the table as its String.
func (t Table) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Lang is the source language a symbol name belongs to.
type Lang uint8

// The languages elfinspect recognises in symbol names.
const (
	LangC    Lang = iota // anything not recognised as another language
	LangCXX              // Itanium-mangled C++ (_Z...)
	LangRust             // Rust, legacy (_ZN...17h<hash>E) or v0 (_R...)
	LangGo               // a Go symbol in a file built by Go
)

var langNames = [...]string{LangC: "c", LangCXX: "c++", LangRust: "rust", LangGo: "go"}

// String returns "c", "c++", "rust" or "go".
func (l Lang) String() string {
	if int(l) < len(langNames) {
		return langNames[l]
	}
	return "lang(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText encodes the language as its String.
func (l Lang) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// ParseLang returns the Lang whose String is s.
func ParseLang(s string) (Lang, error) {
	if l, ok := parseEnum[Lang](langNames[:], s); ok {
		return l, nil
	}
	return 0, fmt.Errorf("unknown language %q (want c, c++, rust or go)", s)
}

// SymType is the ELF symbol type, ELF_ST_TYPE(st_info).
type SymType uint8

// The symbol types, with their ELF values.
const (
	TypeNoType  SymType = 0
	TypeObject  SymType = 1
	TypeFunc    SymType = 2
	TypeSection SymType = 3
	TypeFile    SymType = 4
	TypeCommon  SymType = 5
	TypeTLS     SymType = 6
	TypeIFunc   SymType = 10 // STT_GNU_IFUNC
)

var typeNames = [...]string{
	TypeNoType: "NOTYPE", TypeObject: "OBJECT", TypeFunc: "FUNC", TypeSection: "SECTION",
	TypeFile: "FILE", TypeCommon: "COMMON", TypeTLS: "TLS", TypeIFunc: "IFUNC",
}

// String returns the name readelf prints for the type ("FUNC", "IFUNC",
// ...), or the number for a value with no name.
func (t SymType) String() string {
	if n := enumName(typeNames[:], t); n != "" {
		return n
	}
	return strconv.Itoa(int(t))
}

// MarshalText encodes the type as its String.
func (t SymType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ParseSymType returns the SymType whose String is s (case-sensitive).
func ParseSymType(s string) (SymType, error) {
	if t, ok := parseEnum[SymType](typeNames[:], s); ok {
		return t, nil
	}
	return 0, fmt.Errorf("unknown symbol type %q", s)
}

// SymBind is the ELF symbol binding, ELF_ST_BIND(st_info).
type SymBind uint8

// The symbol bindings, with their ELF values.
const (
	BindLocal  SymBind = 0
	BindGlobal SymBind = 1
	BindWeak   SymBind = 2
	BindUnique SymBind = 10 // STB_GNU_UNIQUE
)

var bindNames = [...]string{BindLocal: "LOCAL", BindGlobal: "GLOBAL", BindWeak: "WEAK", BindUnique: "UNIQUE"}

// String returns the name readelf prints for the binding ("GLOBAL",
// "UNIQUE", ...), or the number for a value with no name.
func (b SymBind) String() string {
	if n := enumName(bindNames[:], b); n != "" {
		return n
	}
	return strconv.Itoa(int(b))
}

// MarshalText encodes the binding as its String.
func (b SymBind) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// SymVisibility is the ELF symbol visibility, ELF_ST_VISIBILITY(st_other).
type SymVisibility uint8

// The symbol visibilities, with their ELF values.
const (
	VisDefault   SymVisibility = 0
	VisInternal  SymVisibility = 1
	VisHidden    SymVisibility = 2
	VisProtected SymVisibility = 3
)

var visNames = [...]string{"DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED"}

// String returns "DEFAULT", "INTERNAL", "HIDDEN" or "PROTECTED".
func (v SymVisibility) String() string { return visNames[v&3] }

// MarshalText encodes the visibility as its String.
func (v SymVisibility) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Letter is the one-character symbol class GNU nm prints ('T', 'U', ...).
type Letter byte

// String returns the letter as a one-character string.
func (l Letter) String() string { return string(rune(l)) }

// MarshalText encodes the letter as a one-character string.
func (l Letter) MarshalText() ([]byte, error) { return []byte{byte(l)}, nil }

// enumName returns the name of v in names, "" when it has none.
func enumName[T ~uint8](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return ""
}

// parseEnum returns the value whose name in names is s; "" names nothing.
func parseEnum[T ~uint8](names []string, s string) (T, bool) {
	for i, n := range names {
		if n != "" && n == s {
			return T(i), true
		}
	}
	return 0, false
}
