package plugincheck

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/ldso"
)

// The reasons the dynamic loader gives before any Go code runs.
const (
	ReasonMissingLibrary  ReasonCode = "missing-library"  // a DT_NEEDED library is not found
	ReasonMissingVersion  ReasonCode = "missing-version"  // a library lacks a symbol version the plugin needs
	ReasonUndefinedSymbol ReasonCode = "undefined-symbol" // a reference binds nowhere under RTLD_NOW
)

// WithLoader returns a Checker whose dlopen is modelled in the given
// loader environment: another root file system (--root), LD_LIBRARY_PATH,
// an ISA level. The zero Config is this machine.
func (c *Checker) WithLoader(cfg ldso.Config) *Checker {
	return &Checker{host: c.host, loader: &cfg, load: &hostLoad{}}
}

// hostLoad is the host's load set as ld.so makes it at start-up: what is
// already in the process when plugin.Open calls dlopen. It is made once,
// on the first plugin that needs it, and every plugin's dlopen starts from
// a fork of it, so that checking many plugins reads the host's libraries
// once. Its files stay mapped for the life of the Checker (a cleanup
// releases the mappings when the load set is collected).
type hostLoad struct {
	once  sync.Once
	res   *ldso.Result // nil when the host cannot be loaded
	loads int          // the times the host was loaded: 1 after first use
}

// fork returns a Result of its own to dlopen into, or nil.
func (h *hostLoad) fork(path string, cfg ldso.Config) *ldso.Result {
	h.once.Do(func() {
		h.loads++
		if res, err := ldso.Load(path, cfg); err == nil {
			h.res = res
		}
	})
	if h.res == nil {
		return nil
	}
	return h.res.Fork()
}

// loaderProblem emulates the dlopen(real, RTLD_NOW|RTLD_GLOBAL) that
// plugin.Open makes inside the host's process (the host's own load set
// already mapped): the plugin's libraries, the versions it needs and,
// under RTLD_NOW, every symbol it references. It returns the first
// failure with dlerror's text, or nil. A host the loader model cannot
// read gives nil: the other checks speak for it.
func (c *checker) loaderProblem(p *elfinspect.File, real string) (*Reason, string) {
	if c.host.f == nil || c.host.f.Path == "" {
		return nil, ""
	}
	var cfg ldso.Config
	if c.loader != nil {
		cfg = *c.loader
	}
	// A set's plugins are opened in one process: each dlopen starts from
	// what the earlier ones mapped (a plugin plugin.Open rejects after
	// dlopen succeeded stays mapped, its libraries in the global scope);
	// a failed dlopen leaves nothing.
	res := c.proc
	if res == nil {
		if res = c.load.fork(c.host.f.Path, cfg); res == nil {
			return nil, ""
		}
		if c.together {
			c.proc = res
		} else {
			defer res.Close()
		}
	}
	if real == "" {
		real = p.Path
	}
	op, err := res.Dlopen(real, ldso.Now|ldso.Global)
	if err != nil || op.Err == nil {
		return nil, ""
	}
	msg := op.Err.Error()
	r := &Reason{Fatal: true}
	switch {
	case len(op.MissingVersions) > 0:
		mv := op.MissingVersions[0]
		r.Code = ReasonMissingVersion
		r.Message = fmt.Sprintf("%s needs version %s of %s, which that file lacks: dlopen fails before any Go code runs (was the plugin built against a newer library than the host's system has?)", p.Path, mv.Version, mv.File)
	case strings.Contains(op.Err.Msg, "undefined symbol: "):
		r.Code = ReasonUndefinedSymbol
		r.Message = fmt.Sprintf("%s: no object in the host's process or the plugin's dependencies defines it, and plugin.Open dlopens with RTLD_NOW", msg)
	default:
		r.Code = ReasonMissingLibrary
		r.Message = fmt.Sprintf("%s: the loader searched the plugin's RPATH/RUNPATH, LD_LIBRARY_PATH, ld.so.cache and the default directories", msg)
		var le *ldso.LoadError
		if errors.As(op.Err, &le) && !strings.Contains(le.Msg, "cannot open shared object file") {
			r.Message = msg
		}
	}
	return r, msg
}
