// Package elfinspect reads ELF files statically: what kind of file it is,
// its symbols with their versions, nm letters and demangled names, and the
// Go build information. It never loads or runs the file it reads, and it is
// meant to be safe on any input: malformed or hostile files give an error,
// never a panic, a hang or unbounded memory.
//
// It is built on debug/elf and follows its shape: Open, NewFile, Close.
// The anatomy of Go plugins is package goplugin; what plugin.Open would
// make of them is package plugincheck.
package elfinspect

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// File is an open ELF file.
type File struct {
	// Path is the name the file was opened with ("" for NewFile).
	Path string
	// Size is the size of the underlying file in bytes.
	Size int64
	// Damage, when not empty, says why the section headers could not be
	// used; only OpenUsingDynamic and NewFileUsingDynamic return such a
	// File. It knows the ELF header and, through the dynamic segment, the
	// dynamic symbols and their versions, as readelf --use-dynamic does;
	// it has no sections, and no .symtab. Tools should show Damage as a
	// warning.
	Damage string

	elf    *elf.File
	closer io.Closer
	rd     *elfread.File // the low-level reader and its caches
	dyn    *dynImage     // the dynamic segment, for a damaged file
}

func init() { elfread.Of = func(f any) *elfread.File { return f.(*File).rd } }

// Open opens the named file and parses its ELF header and section table.
// The file is closed again if parsing fails. Anything but a regular file (a
// directory, a FIFO, a device such as /dev/zero) is refused before it is
// read, so Open never blocks and never reads without end.
//
// Every error of Open, and of the methods of the File it returns, is an
// *Error that names the file once.
func Open(path string) (*File, error) { return openNamed(path, false) }

// OpenUsingDynamic is Open for a file whose section headers may be
// unusable, for tools that can do with the dynamic symbols: where Open
// would fail on the section headers, it falls back to the program headers
// and the dynamic segment, as readelf --use-dynamic does, and the File's
// Damage says so.
func OpenUsingDynamic(path string) (*File, error) { return openNamed(path, true) }

func openNamed(path string, useDynamic bool) (*File, error) {
	f, err := open(path, useDynamic)
	if err != nil {
		return nil, &Error{Op: "open", Path: path, Err: err}
	}
	return f, nil
}

func open(path string, useDynamic bool) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, bare(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", describeMode(st.Mode()))
	}
	// O_NONBLOCK: the path may have become a FIFO since the Stat.
	fh, err := openNonblocking(path)
	if err != nil {
		return nil, bare(err)
	}
	st, err = fh.Stat()
	if err != nil {
		fh.Close()
		return nil, bare(err)
	}
	if !st.Mode().IsRegular() {
		fh.Close()
		return nil, fmt.Errorf("not a regular file (%s)", describeMode(st.Mode()))
	}
	f, err := newFile(fh, st.Size(), useDynamic)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.Path = path
	f.closer = fh
	return f, nil
}

// bare returns the error inside an *fs.PathError of the os package, whose
// path Open puts on its own error.
func bare(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// NewFile parses the ELF file read from r, whose total size is size bytes.
// Having no name for the file, its errors do not name it; a caller that
// sets Path afterwards gets errors naming Path from the File's methods.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	return newFile(r, size, false)
}

// NewFileUsingDynamic is NewFile with the fallback of OpenUsingDynamic.
func NewFileUsingDynamic(r io.ReaderAt, size int64) (*File, error) {
	return newFile(r, size, true)
}

// Error is an error about a named file: the one place the name appears
// in the errors of this package and of goplugin. Open, and the methods of
// a File it opened, return it, built once at the public entry point.
type Error struct {
	// Op is what was being done: "open", "read symbols", "read Go build
	// info", "read plugin", "describe", ...
	Op string
	// Path is the file's name as it was given (File.Path).
	Path string
	// Err is what is wrong: a *FormatError for a malformed file, an error
	// wrapping a sentinel such as ErrNoSymbols for a file that lacks what
	// was asked, an error of the os package (syscall.ENOENT, ...).
	Err error
}

// Error returns "path: what is wrong", the form in which soinspect prints it.
func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns e.Err, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// wrap names the file in an error of a method of f, once, unless f has no
// name.
func (f *File) wrap(op string, err error) error {
	if err == nil || f.Path == "" {
		return err
	}
	return &Error{Op: op, Path: f.Path, Err: err}
}

func newFile(r io.ReaderAt, size int64, useDynamic bool) (f *File, err error) {
	// debug/elf is not hardened against hostile input; no panic may escape.
	defer guard.Recover(func(p any) { f, err = nil, elfread.PanicError("ELF file", p) })
	guard.Point("elfinspect.NewFile")
	if size < 0 {
		return nil, &FormatError{Off: -1, Msg: "negative size"}
	}
	var ident [elf.EI_NIDENT]byte
	n, _ := r.ReadAt(ident[:], 0)
	switch {
	case n == 0:
		return nil, &FormatError{Off: -1, Msg: "not an ELF file (empty)"}
	case n < 4 || string(ident[:4]) != elf.ELFMAG:
		return nil, &FormatError{Off: -1, Msg: "not an ELF file (bad magic number)"}
	case n < len(ident):
		return nil, &FormatError{Off: -1, Msg: "truncated ELF file: the header is incomplete"}
	}
	ef, err := elf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		var fe *elf.FormatError
		switch {
		case errors.As(err, &fe):
			err = &FormatError{Off: -1, Msg: "malformed ELF file: " + fe.Error()}
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			err = &FormatError{Off: -1, Msg: "truncated ELF file: " + err.Error()}
		default:
			return nil, err
		}
		// The section headers are what debug/elf needs most and the
		// loader never reads: the dynamic segment may still be whole.
		if useDynamic {
			if df := openDamaged(r, size, err); df != nil {
				return df, nil
			}
		}
		return nil, err
	}
	if useDynamic && len(ef.Sections) == 0 && ef.Type != elf.ET_REL {
		// No section headers at all (sstrip leaves none): the dynamic
		// segment is where the symbols are found.
		if df := openDamaged(r, size, errNoSectionHeaders); df != nil {
			return df, nil
		}
	}
	return &File{Size: size, elf: ef, rd: elfread.NewFile(ef, r, size)}, nil
}

// Close closes the file if it was opened with Open.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// ELF returns the underlying debug/elf file. Callers must not modify it.
func (f *File) ELF() *elf.File { return f.elf }

// FormatError reports a malformed or unsupported ELF file: Off is the
// offset of the problem in the file, or -1 if none applies, and Msg says
// what is wrong. The readers of every package of soinspect report with it.
type FormatError = elfread.FormatError

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	}
	return m.String()
}
