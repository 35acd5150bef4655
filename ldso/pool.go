package ldso

import (
	"os"
	"sync"
)

// Pool shares what is read of objects between loads: a run over many files
// (deps of a whole directory) reads libc, the loader and the other common
// libraries once instead of once per file. Objects are keyed by file
// identity, size and modification time. A Pool keeps at most its size of
// objects and their files open until Close; it is safe for concurrent use,
// and so are the objects it shares (each Result is not).
type Pool struct {
	mu    sync.Mutex
	max   int
	objs  map[poolKey]*Object
	files []*source
}

type poolKey struct {
	id    fileID
	size  int64
	mtime int64
}

// NewPool returns a Pool of at most n objects.
func NewPool(n int) *Pool { return &Pool{max: n, objs: map[poolKey]*Object{}} }

// Close closes the pooled objects' files; the Results that used the Pool
// can no longer read them.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.files {
		f.Close()
	}
	p.files, p.objs = nil, map[poolKey]*Object{}
	return nil
}

func keyOf(fi os.FileInfo) (poolKey, bool) {
	id, ok := statID(fi)
	return poolKey{id: id, size: fi.Size(), mtime: fi.ModTime().UnixNano()}, ok
}

func (p *Pool) get(k poolKey) *Object {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.objs[k]
}

// add takes o and its file if there is room; it reports whether it did.
func (p *Pool) add(k poolKey, o *Object, f *source) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.objs) >= p.max {
		return false
	}
	p.objs[k] = o
	p.files = append(p.files, f)
	return true
}
