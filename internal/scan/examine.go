package scan

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/plugincheck"

	"github.com/soinspect/soinspect/internal/guard"
)

// namedShared reports whether a file name suggests a shared object:
// NAME.so, or NAME.so.VERSION with a version of digits and dots
// (libc.so.6, libstdc++.so.6.0.30), as the loader's names go. ld.so.conf,
// libc.so.6-gdb.py and ld.so.8.gz are not.
func namedShared(name string) bool {
	if strings.HasSuffix(name, ".so") {
		return true
	}
	i := strings.LastIndex(name, ".so.")
	if i < 0 {
		return false
	}
	v := name[i+len(".so."):]
	return v != "" && strings.Trim(v, "0123456789.") == "" && v[0] != '.'
}

// isLdScript recognises a GNU ld script by its start: a comment or a
// GROUP/INPUT command.
func isLdScript(b []byte) bool {
	t := bytes.TrimSpace(b)
	if !bytes.HasPrefix(t, []byte("/*")) && !bytes.HasPrefix(t, []byte("GROUP")) && !bytes.HasPrefix(t, []byte("INPUT")) {
		return false
	}
	return bytes.Contains(t, []byte("GROUP")) || bytes.Contains(t, []byte("INPUT")) || bytes.Contains(t, []byte("ld script")) || bytes.Contains(t, []byte("linker script"))
}

// examine reads one file; it returns nil, nil for a file that is neither
// an ELF shared object nor named like one. A file the user named (named)
// is always reported: an ELF file of any type is classified, and anything
// else is an error. Only a regular file is read: the file is opened without
// blocking (it may have become a FIFO since the walk saw it) and checked
// again once open.
func examine(path string, host *plugincheck.Checker, named bool) (*Entry, error) {
	name := filepath.Base(path)
	fh, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var hdr [512]byte
	n, err := fh.ReadAt(hdr[:], 0)
	if err != nil && err != io.EOF {
		return nil, errors.New(errText(err))
	}
	isELF := n >= 18 && string(hdr[:4]) == elf.ELFMAG
	if !isELF {
		if !namedShared(name) {
			if named {
				return nil, errors.New(notELF(hdr[:n]))
			}
			return nil, nil
		}
		e := &Entry{Path: path, Name: name, Class: ClassNotELF}
		if isLdScript(hdr[:n]) {
			// What the linker reads for -lc; dlopen never sees it.
			e.Class = ClassLdScript
			e.Notes = append(e.Notes, "a GNU ld script, for the link-time linker: normal for lib*.so")
			return e, nil
		}
		e.Flags = append(e.Flags, FindingMisnamed)
		e.Notes = append(e.Notes, "named like a shared object but "+notELF(hdr[:n]))
		return e, nil
	}
	// e_type is at offset 16 in both classes, in the file's byte order.
	typ := elf.Type(hdr[16]) | elf.Type(hdr[17])<<8
	if hdr[elf.EI_DATA] == byte(elf.ELFDATA2MSB) {
		typ = elf.Type(hdr[17]) | elf.Type(hdr[16])<<8
	}
	if typ != elf.ET_DYN && !namedShared(name) && !named {
		return nil, nil
	}
	f, err := elfinspect.NewFile(fh, size) // its errors do not name the file
	if err != nil {
		return nil, err
	}
	f.Path = path
	return classify(f, path, name, host), nil
}

// notELF says what a file that is not ELF is, from its first bytes.
func notELF(hdr []byte) string {
	switch {
	case len(hdr) == 0:
		return "not an ELF file (empty)"
	case string(hdr[:min(len(hdr), 8)]) == "!<arch>\n":
		return "an ar archive, not an ELF file"
	}
	return "not an ELF file"
}

// openRegular opens path for reading if it is a regular file, without
// ever blocking: O_NONBLOCK covers a FIFO put in its place since it was
// seen, and the open file is checked again.
func openRegular(path string) (*os.File, int64, error) {
	fh, err := openNonblocking(path)
	if err != nil {
		return nil, 0, errors.New(errText(err))
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, errors.New(errText(err))
	}
	if !st.Mode().IsRegular() {
		fh.Close()
		return nil, 0, errors.New(notRegular(st.Mode()))
	}
	return fh, st.Size(), nil
}

// notRegular says what a file that is neither a directory nor a regular
// file is.
func notRegular(m fs.FileMode) string {
	what := "a special file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a FIFO"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeCharDevice != 0:
		what = "a character device"
	case m&fs.ModeDevice != 0:
		what = "a block device"
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	}
	return "not a directory or regular file (" + what + ")"
}

func classify(f *elfinspect.File, path, name string, host *plugincheck.Checker) (e *Entry) {
	e = &Entry{Path: path, Name: name, Arch: f.Machine()}
	defer guard.Recover(func(p any) {
		e.Class, e.Kind = ClassOther, elfinspect.KindOther
		e.Notes = append(e.Notes, fmt.Sprint("unreadable: ", p))
	})
	e.Kind = f.Kind()
	if f.IsGo() {
		// f.Kind already follows the build info's -buildmode.
		if b, err := f.BuildInfo(); err == nil {
			e.GoVersion = b.GoVersion
		}
	}
	switch e.Kind {
	case elfinspect.KindGoPlugin:
		e.Class = ClassGoPlugin
		if pi, err := goplugin.Read(f); err == nil {
			e.PluginPath = pi.PluginPath
		} else {
			e.Notes = append(e.Notes, "plugin anatomy unreadable: "+err.Error())
		}
		if host != nil {
			v := host.Check(f, nil)
			e.Check = &v
		}
	case elfinspect.KindGoCShared:
		e.Class = ClassGoCShared
	case elfinspect.KindGoShared:
		e.Class = ClassGoShared
	case elfinspect.KindSharedLib:
		e.Class = ClassCLibrary
	case elfinspect.KindPIE:
		if f.DlopenProblem() == "" {
			// Runnable, but not flagged DF_1_PIE: dlopen loads it.
			e.Class = ClassCLibrary
			e.Notes = append(e.Notes, "a library with an interpreter: it can also run as a program")
		} else {
			e.Class = ClassExecutable
		}
	case elfinspect.KindGoExecutable, elfinspect.KindExecutable:
		e.Class = ClassExecutable
	default:
		e.Class = ClassOther
	}
	if m := misnamed(e); m != "" {
		e.Flags = append(e.Flags, FindingMisnamed)
		e.Notes = append(e.Notes, m)
	}
	return e
}

// misnamed says how a file is not what its name suggests, or "".
func misnamed(e *Entry) string {
	lower := strings.ToLower(e.Name)
	switch {
	case namedShared(e.Name) && e.Class == ClassExecutable:
		return "named like a shared object but is an executable (" + string(e.Kind) + "): dlopen refuses it"
	case namedShared(e.Name) && e.Class == ClassOther:
		return "named like a shared object but is " + string(e.Kind)
	case strings.Contains(lower, "plugin") && e.Class == ClassGoCShared:
		return "named like a plugin but is a Go c-shared library: plugin.Open cannot load it"
	case e.Class == ClassGoPlugin && !namedShared(e.Name):
		return "a Go plugin not named *.so: a loader looking for *.so misses it"
	}
	return ""
}
