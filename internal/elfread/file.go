// Package elfread is the low-level reading layer the static packages of
// soinspect share: one way to read a section, one symbol decoder, one set of
// size limits, the file's memory image with its dynamic relocations applied,
// read once per file and cached. It is hardened against hostile input:
// sizes read from the file never drive an allocation unchecked.
//
// elfinspect.File owns a File; goplugin and plugincheck reach it through Of.
package elfread

import (
	"debug/elf"
	"fmt"
	"io"
	"sync"
)

// File is an ELF file's bytes and headers, with what has been read of it.
type File struct {
	// ELF is the parsed header and section table.
	ELF *elf.File
	// R reads the file; Size is its size in bytes.
	R    io.ReaderAt
	Size int64

	mu       sync.Mutex
	im       *Image
	imErr    error
	imLoaded bool
}

// NewFile returns a File for ef, read through r.
func NewFile(ef *elf.File, r io.ReaderAt, size int64) *File {
	return &File{ELF: ef, R: r, Size: size}
}

// Of returns the File behind an *elfinspect.File; elfinspect sets it. It
// keeps the low-level layer out of elfinspect's public API while the
// module's other packages share its caches.
var Of func(f any) *File

// Lock serialises the users of the File's caches: the image reads lazily
// and caches what it reads. Each public entry point of a package that uses
// the image holds the lock for its duration.
func (f *File) Lock() { f.mu.Lock() }

// Unlock releases the lock taken by Lock.
func (f *File) Unlock() { f.mu.Unlock() }

// Image returns the file's memory image, built on first use; the caller
// holds the lock.
func (f *File) Image() (*Image, error) {
	if !f.imLoaded {
		f.im, f.imErr = newImage(f)
		f.imLoaded = true
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

// Section returns the contents of s, refusing sizes the file cannot hold so
// that a hostile header never drives a large allocation. SHT_NOBITS
// sections have no contents in the file: nil.
func (f *File) Section(s *elf.Section) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Offset > uint64(f.Size) || s.Size > uint64(f.Size)-s.Offset || s.Size > maxSectionRead {
		return nil, &FormatError{Off: int64(s.Offset), Msg: fmt.Sprintf("section %s extends past the end of the file", s.Name)}
	}
	buf := make([]byte, s.Size)
	if _, err := f.R.ReadAt(buf, int64(s.Offset)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.Name, err)
	}
	return buf, nil
}
