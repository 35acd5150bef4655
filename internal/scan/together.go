package scan

import (
	"slices"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/plugincheck"
)

// seqEntry is a Go plugin found, with its place in the walk.
type seqEntry struct {
	seq  int
	path string
}

// checkTogether gives each Go plugin among entries (sorted by path) the
// verdict of one host process opening every plugin of found, in the order
// of the walk (Options.Together). A plugin that can no longer be opened
// (it changed since the walk) is left out of the process, as dlopen would
// leave it, and keeps no verdict.
func checkTogether(c *plugincheck.Checker, entries []Entry, found []seqEntry) {
	slices.SortFunc(found, func(a, b seqEntry) int { return a.seq - b.seq })
	var files []*elfinspect.File
	for _, fe := range found {
		f, err := elfinspect.Open(fe.path)
		if err != nil {
			continue
		}
		defer f.Close()
		files = append(files, f)
	}
	set := c.CheckTogether(files, nil)
	at := make(map[string]int, len(entries)) // path -> index in entries
	for i := range entries {
		at[entries[i].Path] = i
	}
	for n, v := range set.Verdicts {
		i, ok := at[files[n].Path]
		if !ok {
			continue
		}
		entries[i].Check, entries[i].Opened = &v, n+1
	}
}
