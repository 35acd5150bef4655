// Package elfread is the low-level reading layer the static packages of
// soinspect share: one section reader with one set of size limits and one
// rule for sections without contents, one symbol table decoder, and the
// file's memory image with its dynamic relocations applied, each read once
// per file and cached. It is hardened against hostile input: sizes read
// from the file never drive an allocation unchecked (see limits.go).
//
// elfinspect.File owns a File; goplugin and plugincheck reach it through
// Of.
package elfread

import (
	"debug/elf"
	"fmt"
	"io"
	"sync"

	"github.com/soinspect/soinspect/internal/guard"
)

// File is an ELF file's bytes and headers, with what has been read of it.
type File struct {
	// ELF is the parsed header and section table.
	ELF *elf.File
	// R reads the file; Size is its size in bytes.
	R    io.ReaderAt
	Size int64

	mu     sync.Mutex // held by the users of the image
	im     *Image
	imErr  error
	imDone bool

	symMu sync.Mutex // guards syms
	syms  map[*elf.Section]symtabResult
}

type symtabResult struct {
	st  *Symtab
	err error
}

// NewFile returns a File for ef, read through r, whose size is size bytes.
func NewFile(ef *elf.File, r io.ReaderAt, size int64) *File {
	return &File{ELF: ef, R: r, Size: size}
}

// Of returns the File behind an *elfinspect.File; elfinspect sets it. It
// keeps the low-level layer out of elfinspect's public API while the
// module's other packages share its caches.
var Of func(f any) *File

// Lock serialises the users of the file's image, which reads lazily and
// caches what it reads. Each public entry point that uses the image holds
// the lock for its duration. Section and Symtab need no lock.
func (f *File) Lock() { f.mu.Lock() }

// Unlock releases the lock taken by Lock.
func (f *File) Unlock() { f.mu.Unlock() }

// Image returns the file's memory image, built on first use; the caller
// holds the lock. Each call starts a fresh budget of string bytes, so that
// the budget bounds one reading of the file, not the file's lifetime.
func (f *File) Image() (*Image, error) {
	if !f.imDone {
		f.im, f.imErr = newImage(f)
		f.imDone = true
	}
	if f.im != nil {
		f.im.budget = stringBudget
	}
	return f.im, f.imErr
}

// FormatError reports a malformed or unsupported ELF file.
type FormatError struct {
	Off int64  // offset of the problem in the file, or -1 if none applies
	Msg string // what is wrong
}

// Error returns the message, with the offset when one applies.
func (e *FormatError) Error() string {
	if e.Off > 0 {
		return fmt.Sprintf("%s (at offset %#x)", e.Msg, e.Off)
	}
	return e.Msg
}

// PanicError is the FormatError a reader returns when the guard (package
// guard) stops a panic p while it reads what: the file is malformed in a
// way the reader did not foresee.
func PanicError(what string, p any) *FormatError {
	return &FormatError{Off: -1, Msg: fmt.Sprintf("malformed %s: %v", what, p)}
}

// Section returns the contents of s. It is the one way soinspect reads a
// section from the file, with one rule for each kind of trouble: a
// section without contents in the file (SHT_NOBITS) or compressed
// (SHF_COMPRESSED), one that extends past the end of the file or beyond
// MaxSection, is a FormatError; nothing is allocated before the size is
// known to be sound.
func (f *File) Section(s *elf.Section) (b []byte, err error) {
	defer guard.Recover(func(p any) { b, err = nil, PanicError("section "+s.Name, p) })
	guard.Point("elfread.Section")
	if err := f.checkSection(s); err != nil {
		return nil, err
	}
	if s.Type == elf.SHT_NOBITS {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("section %s has no contents (SHT_NOBITS)", s.Name)}
	}
	if s.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("section %s is compressed", s.Name)}
	}
	b = make([]byte, s.Size)
	if _, err := f.R.ReadAt(b, int64(s.Offset)); err != nil {
		return nil, fmt.Errorf("reading section %s: %w", s.Name, err)
	}
	return b, nil
}

// checkSection checks that the file holds the contents of s and that
// they are not too large to read.
func (f *File) checkSection(s *elf.Section) error {
	if s.Type == elf.SHT_NOBITS {
		return nil
	}
	off, size := s.Offset, s.Size
	if off > uint64(f.Size) || size > uint64(f.Size)-off {
		return &FormatError{Off: -1, Msg: fmt.Sprintf("section %s (%d bytes at offset %#x) extends past the end of the file (%d bytes)", s.Name, size, off, f.Size)}
	}
	if size > MaxSection {
		return &FormatError{Off: -1, Msg: fmt.Sprintf("section %s is %d bytes long (limit %d)", s.Name, size, MaxSection)}
	}
	return nil
}

// SectionAt returns the section with index i, or nil.
func (f *File) SectionAt(i uint32) *elf.Section {
	if int64(i) >= int64(len(f.ELF.Sections)) {
		return nil
	}
	return f.ELF.Sections[i]
}

// Strtab returns the contents of the string table with section index i,
// which must be a SHT_STRTAB section.
func (f *File) Strtab(i uint32) ([]byte, error) {
	sec := f.SectionAt(i)
	if sec == nil || i == 0 {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("string table section index %d out of range", i)}
	}
	if sec.Type != elf.SHT_STRTAB {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("section %s linked as a string table is %s", sec.Name, sec.Type)}
	}
	return f.Section(sec)
}
