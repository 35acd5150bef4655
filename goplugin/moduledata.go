package goplugin

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
)

// A Go module's moduledata (runtime/symtab.go) is the root of everything
// plugin.Open learns: the plugin table, the pluginpath, the package hashes
// and the init tasks. Its layout changes between Go releases, so each
// supported release describes it in its own file, moduledata_go1_NN.go,
// which registers a moduledataLayout in init. Adding a release means adding
// a file.

// mdFieldKind is the Go type of a moduledata field, as far as its size goes.
type mdFieldKind int

const (
	mdWord   mdFieldKind = iota // a pointer or uintptr
	mdSlice                     // a slice header: 3 words
	mdString                    // a string header: 2 words
	mdUint8                     // a uint8 or bool
)

// mdField is one field of moduledata, in declaration order.
type mdField struct {
	name string
	kind mdFieldKind
}

// moduledataLayout describes runtime.moduledata and the records it points
// at for one Go release.
type moduledataLayout struct {
	release string    // "go1.26"
	fields  []mdField // the fields up to (at least) the last one read

	// mapTypeWords is the size of abi.MapType beyond abi.Type, in words:
	// where a named map type's UncommonType starts.
	mapTypeWords int
}

// mdHeadFields are the fields from pcHeader to gcbss: the pclntab, the
// section bounds and the GC bitmaps, laid out alike by every release
// goplugin knows. A release's file starts its fields with them.
func mdHeadFields() []mdField {
	return []mdField{
		{"pcHeader", mdWord},
		{"funcnametab", mdSlice},
		{"cutab", mdSlice},
		{"filetab", mdSlice},
		{"pctab", mdSlice},
		{"pclntable", mdSlice},
		{"ftab", mdSlice},
		{"findfunctab", mdWord},
		{"minpc", mdWord}, {"maxpc", mdWord},
		{"text", mdWord}, {"etext", mdWord},
		{"noptrdata", mdWord}, {"enoptrdata", mdWord},
		{"data", mdWord}, {"edata", mdWord},
		{"bss", mdWord}, {"ebss", mdWord},
		{"noptrbss", mdWord}, {"enoptrbss", mdWord},
		{"covctrs", mdWord}, {"ecovctrs", mdWord},
		{"end", mdWord}, {"gcdata", mdWord}, {"gcbss", mdWord},
	}
}

// mdPluginFields are the fields from ptab to hasmain: the plugin table,
// the pluginpath, the package hashes and the init tasks, laid out alike by
// every release goplugin knows. A release's file ends its fields with them.
func mdPluginFields() []mdField {
	return []mdField{
		{"ptab", mdSlice},
		{"pluginpath", mdString},
		{"pkghashes", mdSlice},
		{"inittasks", mdSlice},
		{"modulename", mdString},
		{"modulehashes", mdSlice},
		{"hasmain", mdUint8},
	}
}

// mdFields joins a release's fields from the shared head, its own middle
// and the shared plugin fields.
func mdFields(middle []mdField) []mdField {
	fs := append(mdHeadFields(), middle...)
	return append(fs, mdPluginFields()...)
}

// moduledataReleases make the layouts of the releases goplugin knows, each
// in its release's file.
var moduledataReleases = [...]func() *moduledataLayout{moduledataGo126, moduledataGo127}

// layouts maps a release ("go1.26") to its layout. It is made at its first
// use, not at every start of a program that links goplugin.
var layouts struct {
	once   sync.Once
	layout map[string]*moduledataLayout
}

// moduledataLayouts returns the map of the known releases' layouts.
func moduledataLayouts() map[string]*moduledataLayout {
	layouts.once.Do(func() {
		layouts.layout = make(map[string]*moduledataLayout, len(moduledataReleases))
		for _, layoutOf := range moduledataReleases {
			l := layoutOf()
			layouts.layout[l.release] = l
		}
	})
	return layouts.layout
}

// SupportedGoReleases lists the Go releases ("go1.26", ...) whose moduledata
// layout goplugin knows, and so whose plugin tables it can read.
func SupportedGoReleases() []string {
	var rs []string
	for r := range moduledataLayouts() {
		rs = append(rs, r)
	}
	sortReleases(rs)
	return rs
}

func sortReleases(rs []string) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && releaseMinor(rs[j]) < releaseMinor(rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

func releaseMinor(r string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(r, "go1."))
	return n
}

// GoRelease reduces a Go version from build info ("go1.26.8",
// "go1.27rc1", "go1.26.8 X:nocoverageredesign", "devel go1.27-abcdef") to
// its release ("go1.26"); "" if it cannot.
func GoRelease(v string) string {
	v = strings.TrimPrefix(v, "devel ")
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	if !strings.HasPrefix(v, "go1.") {
		return ""
	}
	rest := v[len("go1."):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 {
		return ""
	}
	return "go1." + rest[:n]
}

// offsets returns the byte offset of every field for the given pointer size.
func (l *moduledataLayout) offsets(ptr int) map[string]uint64 {
	offs := make(map[string]uint64, len(l.fields))
	var off uint64
	for _, f := range l.fields {
		switch f.kind {
		case mdWord:
			off = alignUp(off, uint64(ptr))
			offs[f.name] = off
			off += uint64(ptr)
		case mdSlice:
			off = alignUp(off, uint64(ptr))
			offs[f.name] = off
			off += 3 * uint64(ptr)
		case mdString:
			off = alignUp(off, uint64(ptr))
			offs[f.name] = off
			off += 2 * uint64(ptr)
		case mdUint8:
			offs[f.name] = off
			off++
		}
	}
	return offs
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// moduledata is the part of a module's moduledata the plugin reader uses,
// with addresses relative to a load base of zero.
type moduledata struct {
	addr          uint64
	types, etypes uint64
	text, etext   uint64
	ptab          uint64 // address of []ptabEntry data
	nptab         uint64
	pluginpath    string
	pkghashes     uint64
	npkghashes    uint64
	inittasks     uint64
	ninittasks    uint64
	modulename    string
}

// Limits on counts read from a moduledata: far above anything the Go
// linker writes, low enough that a corrupted count cannot exhaust memory.
const (
	maxPtab      = 1 << 20
	maxPkgHashes = 1 << 18
	maxInitTasks = 1 << 18
	maxInitFuncs = 1 << 16
	// maxInitFuncsTotal bounds the functions of all init tasks together.
	maxInitFuncsTotal = 1 << 20
	maxGoString       = 1 << 20
)

func (l *moduledataLayout) read(im *elfread.Image, addr uint64) (*moduledata, error) {
	offs := l.offsets(im.Ptr)
	md := &moduledata{addr: addr}
	word := func(name string) (uint64, error) { return im.Pointer(addr + offs[name]) }
	var err error
	if md.types, err = word("types"); err != nil {
		return nil, fmt.Errorf("moduledata.types: %w", err)
	}
	if md.etypes, err = word("etypes"); err != nil {
		return nil, fmt.Errorf("moduledata.etypes: %w", err)
	}
	if md.types > md.etypes {
		return nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("moduledata types range %#x-%#x is reversed", md.types, md.etypes)}
	}
	md.text, _ = word("text")
	md.etext, _ = word("etext")
	if md.ptab, md.nptab, err = im.Slice(addr + offs["ptab"]); err != nil {
		return nil, fmt.Errorf("moduledata.ptab: %w", err)
	}
	if md.pluginpath, err = im.Str(addr+offs["pluginpath"], maxGoString); err != nil {
		return nil, fmt.Errorf("moduledata.pluginpath: %w", err)
	}
	if md.pkghashes, md.npkghashes, err = im.Slice(addr + offs["pkghashes"]); err != nil {
		return nil, fmt.Errorf("moduledata.pkghashes: %w", err)
	}
	if md.inittasks, md.ninittasks, err = im.Slice(addr + offs["inittasks"]); err != nil {
		return nil, fmt.Errorf("moduledata.inittasks: %w", err)
	}
	if md.modulename, err = im.Str(addr+offs["modulename"], maxGoString); err != nil {
		return nil, fmt.Errorf("moduledata.modulename: %w", err)
	}
	switch {
	case md.nptab > maxPtab:
		return nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("moduledata has %d plugin exports", md.nptab)}
	case md.npkghashes > maxPkgHashes:
		return nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("moduledata has %d package hashes", md.npkghashes)}
	case md.ninittasks > maxInitTasks:
		return nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("moduledata has %d init tasks", md.ninittasks)}
	}
	return md, nil
}
