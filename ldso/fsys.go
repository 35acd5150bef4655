package ldso

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// maxSymlinks is the number of symbolic links one path may traverse, as
// the kernel's ELOOP limit (40).
const maxSymlinks = 40

// errLoop is the ELOOP of a path with too many symbolic links.
var errLoop = syscall.ELOOP

// fsys reads files as the loader would see them: on the host, or inside a
// root directory as if chrooted there. Inside a root, every symbolic link
// is resolved by fsys itself, an absolute target starting again at the
// root and ".." stopping at it, so that nothing outside the root is read.
type fsys struct {
	root string // "" for the host; otherwise a cleaned absolute directory
}

// hostPath returns the host path of p, a path inside the root, with every
// symbolic link resolved inside the root. On the host it is p itself: the
// kernel resolves links when the file is opened.
func (f fsys) hostPath(p string) (string, error) {
	if f.root == "" {
		return p, nil
	}
	if !strings.HasPrefix(p, "/") {
		// Relative names are relative to the working directory, which
		// for an emulated chroot is its root.
		p = "/" + p
	}
	links := 0
	var done string // resolved prefix, inside the root, "" meaning "/"
	rest := p
	for rest != "" {
		var comp string
		comp, rest, _ = strings.Cut(strings.TrimLeft(rest, "/"), "/")
		switch comp {
		case "", ".":
			continue
		case "..":
			done = path.Dir("/" + done)
			if done == "/" {
				done = ""
			} else {
				done = strings.TrimPrefix(done, "/")
			}
			continue
		}
		next := strings.TrimPrefix(done+"/"+comp, "/")
		host := filepath.Join(f.root, next)
		fi, err := os.Lstat(host)
		if err != nil {
			if rest == "" {
				return host, nil // the last component may not exist; Open says so
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		links++
		if links > maxSymlinks {
			return "", &fs.PathError{Op: "open", Path: p, Err: errLoop}
		}
		target, err := os.Readlink(host)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = ""
		}
		rest = target + "/" + rest
	}
	return filepath.Join(f.root, done), nil
}

// open opens p for reading, refusing anything but a regular file without
// blocking (a FIFO planted in a search directory must not hang the search).
func (f fsys) open(p string) (*os.File, os.FileInfo, error) {
	hp, err := f.hostPath(p)
	if err != nil {
		return nil, nil, err
	}
	fh, err := os.OpenFile(hp, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	if fi.IsDir() {
		fh.Close()
		return nil, nil, &fs.PathError{Op: "read", Path: p, Err: syscall.EISDIR}
	}
	if !fi.Mode().IsRegular() {
		fh.Close()
		return nil, nil, &fs.PathError{Op: "read", Path: p, Err: errors.New("not a regular file")}
	}
	return fh, fi, nil
}

// isDir reports whether p is a directory (following links).
func (f fsys) isDir(p string) bool {
	hp, err := f.hostPath(p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(hp)
	return err == nil && fi.IsDir()
}

// readFile reads a small file (a configuration or the cache), at most
// limit bytes.
func (f fsys) readFile(p string, limit int64) ([]byte, error) {
	fh, fi, err := f.open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if fi.Size() > limit {
		return nil, &fs.PathError{Op: "read", Path: p, Err: errors.New("file too large")}
	}
	b := make([]byte, fi.Size())
	n, err := fh.ReadAt(b, 0)
	if n < len(b) {
		return nil, err
	}
	return b, nil
}

func statID(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}

// HostPath returns where the file at p, a path inside the root directory
// root, lies on this machine, every symbolic link resolved inside root
// (an absolute target starts again at root; ".." stops at it).
func HostPath(root, p string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	return fsys{root: abs}.hostPath(p)
}
