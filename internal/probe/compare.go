package probe

import (
	"context"

	"github.com/soinspect/soinspect/cdl"
)

// Comparison puts the raw load and the Go load of one file side by side.
// Each ran in its own child process.
type Comparison struct {
	Path string `json:"path"`
	// PluginPath is the Go plugin's pluginpath, "" if it is not one.
	PluginPath string           `json:"pluginpath,omitempty"`
	Raw        *RawReport       `json:"raw"`
	Go         *GoReport        `json:"go"`
	Symbols    []SymbolCompared `json:"symbols"`
	// Compared counts the symbols found both ways, whose addresses were
	// compared; Mismatches those of them at different addresses;
	// NotCompared the symbols missing on either side (a failed lookup, a
	// load that failed or a child that died first).
	Compared    int `json:"compared"`
	Mismatches  int `json:"mismatches"`
	NotCompared int `json:"not_compared"`
	// Interrupted names the signal (SIGINT, SIGTERM) that stopped the
	// comparison; Go is nil when it came before the Go child ran.
	Interrupted string `json:"interrupted,omitempty"`
}

// OK reports whether everything asked for was measured and agreed: both
// children finished without an error, and every symbol was found both
// ways at the same place.
func (c *Comparison) OK() bool {
	return c.Interrupted == "" && c.Raw != nil && c.Raw.Outcome == OutcomeOK && c.Go != nil && c.Go.Outcome == OutcomeOK &&
		c.Mismatches == 0 && c.NotCompared == 0
}

// SymbolCompared is one symbol looked up both ways.
type SymbolCompared struct {
	// Name is what plugin.Lookup takes; Symbol what dlsym takes.
	Name   string `json:"name"`
	Symbol string `json:"symbol"`
	// RawAddr is dlsym's result; GoAddr the code pointer (func) or variable
	// address (var) inside the value plugin.Lookup returned. Each is an
	// absolute address in its own child, and the object loads at a
	// different base in each, so they are compared less each child's base.
	RawAddr uint64 `json:"raw_addr,omitempty"`
	GoAddr  uint64 `json:"go_addr,omitempty"`
	// RawOff and GoOff are the addresses less the load base: file addresses.
	RawOff uint64 `json:"raw_off,omitempty"`
	GoOff  uint64 `json:"go_off,omitempty"`
	// GoDlsym is dlsym's result in the Go child itself, after plugin.Open:
	// it must equal GoAddr exactly.
	GoDlsym uint64 `json:"go_dlsym,omitempty"`
	// Match is true when GoAddr equals GoDlsym and RawOff equals GoOff.
	Match bool `json:"match"`
	// Where is the section and offset of the symbol: ".text+0x1c4220".
	Where string `json:"where,omitempty"`
	// Kind and Type are the Go kind ("func", "var") and the reflect type
	// from plugin.Lookup; StaticType is the type the file's anatomy gives,
	// read without loading (there even when plugin.Open fails).
	Kind       string `json:"kind,omitempty"`
	Type       string `json:"type,omitempty"`
	StaticType string `json:"static_type,omitempty"`
	RawErr     string `json:"raw_err,omitempty"`
	GoErr      string `json:"go_err,omitempty"`
	RawNanos   int64  `json:"raw_ns,omitempty"`
	GoNanos    int64  `json:"go_ns,omitempty"`
}

// Compare loads path both ways, each in its own child: raw (dlopen with
// RTLD_LAZY, dlsym of each symbol) and Go (plugin.Open, plugin.Lookup).
// names are Lookup names; none means every export the static anatomy lists.
func Compare(ctx context.Context, path string, st *Static, names []string, opts Options) (*Comparison, error) {
	cmp := &Comparison{Path: path, PluginPath: st.PluginPath()}
	if len(names) == 0 && st != nil && st.Plugin != nil {
		for _, e := range st.Plugin.Exports {
			names = append(names, e.Name)
		}
	}
	syms := make([]string, len(names))
	for i, n := range names {
		syms[i] = n
		if pp := st.PluginPath(); pp != "" {
			syms[i] = pp + "." + n
		}
	}
	initTask := st.InitTaskSymbol()
	// The probe host first: when none can be had, nothing runs.
	h, err := ChooseHost(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	opts.host = h
	raw, err := Raw(ctx, RawRequest{Path: path, Flags: cdl.Lazy, Symbols: syms, InitTask: initTask}, st, opts, nil)
	if err != nil {
		return nil, err
	}
	cmp.Raw = raw
	if raw.Outcome == OutcomeInterrupted {
		cmp.Interrupted = raw.Exit.Interrupted
		return cmp, nil
	}
	gor, err := Go(ctx, GoRequest{Path: path, Symbols: names, InitTask: initTask, Dlsym: syms}, st, opts, nil)
	if err != nil {
		return nil, err
	}
	cmp.Go = gor
	if gor.Outcome == OutcomeInterrupted {
		cmp.Interrupted = gor.Exit.Interrupted
	}
	var rawBase, goBase uint64
	if m, ok := raw.Step("dlopen", ""); ok {
		rawBase = m.Base
	}
	if m, ok := gor.Step("open", ""); ok {
		goBase = m.Base
	}
	for i, n := range names {
		sc := SymbolCompared{Name: n, Symbol: syms[i]}
		if st != nil && st.Plugin != nil {
			for _, e := range st.Plugin.Exports {
				if e.Name == n {
					sc.StaticType = e.Type
					if sc.Kind == "" {
						sc.Kind = e.Kind
					}
				}
			}
		}
		if m, ok := raw.Step("dlsym", syms[i]); ok {
			sc.RawAddr, sc.RawErr, sc.RawNanos = m.Addr, m.Err, m.Nanos
			if m.Err == "" && rawBase != 0 {
				sc.RawOff = m.Addr - rawBase
				sc.Where = st.Where(sc.RawOff)
			}
		}
		if m, ok := gor.Step("lookup", n); ok {
			sc.GoAddr, sc.GoErr, sc.GoNanos = m.Addr, m.Err, m.Nanos
			sc.Type, sc.GoDlsym = m.Type, m.Dlsym
			if m.Kind != "" {
				sc.Kind = m.Kind
			}
			if m.Err == "" && goBase != 0 {
				sc.GoOff = m.Addr - goBase
			}
		}
		if sc.RawErr == "" && sc.GoErr == "" && sc.RawAddr != 0 && sc.GoAddr != 0 {
			cmp.Compared++
			sc.Match = sc.RawOff == sc.GoOff && sc.GoAddr == sc.GoDlsym
			if !sc.Match {
				cmp.Mismatches++
			}
		} else {
			cmp.NotCompared++
		}
		cmp.Symbols = append(cmp.Symbols, sc)
	}
	return cmp, nil
}
