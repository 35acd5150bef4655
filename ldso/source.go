package ldso

import (
	"io"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// source is the bytes of one object file. The file is mapped read-only
// when the system allows it, so that its tables (megabytes on a large
// library) are read in place instead of being copied into the heap;
// otherwise it is read with pread.
//
// A mapped file that shrinks while it is mapped makes a read past its
// new end fault (SIGBUS). Every public entry point of the package that
// reads through a source turns such a fault into a panic on that
// goroutine (debug.SetPanicOnFault) and the panic into an error naming
// the file (guard.go).
type source struct {
	f    *os.File // nil when mapped: the mapping outlives the descriptor
	data []byte   // the mapped file; nil when read with pread

	cleanup   runtime.Cleanup
	closeOnce sync.Once
}

// maxMapped bounds the size of a file that is mapped; a larger one is
// read with pread (its tables are still bounded by the reader's limits).
const maxMapped = 1 << 40

// newSource takes f, of the given size: mapped if it can be, else kept
// open to be read with pread.
func newSource(f *os.File, size int64) *source {
	s := &source{f: f}
	if size <= 0 || size > maxMapped {
		return s
	}
	sc, err := f.SyscallConn()
	if err != nil {
		return s
	}
	var data []byte
	var merr error
	if err := sc.Control(func(fd uintptr) {
		data, merr = unix.Mmap(int(fd), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	}); err != nil || merr != nil {
		return s
	}
	f.Close()
	s.f, s.data = nil, data
	// A Result dropped without Close still gives its mappings back when
	// it is collected, as an *os.File closes its descriptor. Every table
	// that points into the mapping hangs off an Object that points at
	// its source, and the entry points keep the Result alive while they
	// read.
	s.cleanup = runtime.AddCleanup(s, func(b []byte) { unix.Munmap(b) }, data)
	return s
}

// ReadAt copies from the mapping or reads with pread.
func (s *source) ReadAt(b []byte, off int64) (int, error) {
	if s.data == nil {
		return s.f.ReadAt(b, off)
	}
	if off < 0 || off >= int64(len(s.data)) {
		return 0, io.EOF
	}
	n := copy(b, s.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// slice returns n bytes at offset off, which the caller has checked lie
// within the file: the mapping itself when mapped (read-only: never to
// be written), else a copy read with pread.
func (s *source) slice(off, n uint64) ([]byte, error) {
	if s.data != nil {
		return s.data[off : off+n : off+n], nil
	}
	b := make([]byte, n)
	if _, err := s.f.ReadAt(b, int64(off)); err != nil && err != io.EOF {
		return nil, err
	}
	return b, nil
}

// contains reports whether addr lies in the mapping.
func (s *source) contains(addr uintptr) bool {
	if len(s.data) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s.data)))
	return addr >= start && addr-start < uintptr(len(s.data))
}

// Close unmaps the file or closes it. Nothing read from it in place may
// be used afterwards.
func (s *source) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if s.data != nil {
			s.cleanup.Stop()
			err = unix.Munmap(s.data)
			s.data = nil
			return
		}
		err = s.f.Close()
	})
	return err
}
