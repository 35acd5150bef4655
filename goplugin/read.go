package goplugin

import (
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

// catchPanics turns a panic while reading a file into a FormatError, so that
// none escapes the package. The fuzz tests turn it off to see the panics.
var catchPanics = true
