package goplugin

import (
	"iter"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
)

// image returns the memory image of f, read once per file and shared by
// every reader of this package and by plugincheck, and locks it until done
// is called: the image caches what it reads.
func image(f *elfinspect.File) (im *elfread.Image, done func(), err error) {
	rd := elfread.Of(f)
	rd.Lock()
	im, err = rd.Image()
	if err != nil {
		rd.Unlock()
		return nil, nil, err
	}
	return im, rd.Unlock, nil
}

// pathError names f's file in err once, as elfinspect does, with op saying
// what was being done; an elfinspect error naming the file already gives
// up its own name and operation first. A File without a name (NewFile)
// leaves err as it is.
func pathError(f *elfinspect.File, op string, err error) error {
	if err == nil || f.Path == "" {
		return err
	}
	return &elfinspect.Error{Op: op, Path: f.Path, Err: bare(f, err)}
}

// bare is err without the *elfinspect.Error an elfinspect method puts around
// it to name f's file.
func bare(f *elfinspect.File, err error) error {
	if pe, ok := err.(*elfinspect.Error); ok && pe.Path == f.Path {
		return pe.Err
	}
	return err
}

// prefixed yields the defined symbols of st whose names start with prefix
// and go on after it, with their names as NameBytes gives them (not
// copied): the go:link.pkghash. symbols, a plugin's exports.
func prefixed(st *elfread.Symtab, prefix string) iter.Seq2[elfread.Sym, []byte] {
	return func(yield func(elfread.Sym, []byte) bool) {
		for i := 1; i < st.N; i++ {
			s, _ := st.Sym(i)
			n := st.NameBytes(s)
			if s.Defined() && len(n) > len(prefix) && string(n[:len(prefix)]) == prefix && !yield(s, n) {
				return
			}
		}
	}
}
