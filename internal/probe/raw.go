package probe

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/soinspect/soinspect/cdl"
)

// RawRequest is a raw load: dlopen through cdl, dlsym each symbol and,
// if Call is set, call each in order through cdl's trampoline.
type RawRequest struct {
	// Path is the file, absolute, as dlopen receives it.
	Path string `json:"path"`
	// Flags are the dlopen flags.
	Flags cdl.Flag `json:"flags"`
	// Symbols are the full symbol names to look up, in order.
	Symbols []string `json:"symbols"`
	// Call calls each symbol with signature Sig and arguments Args.
	Call bool     `json:"call,omitempty"`
	Sig  string   `json:"sig,omitempty"`
	Args []string `json:"args,omitempty"`
	// InitTask, if set, is the symbol of the plugin's own runtime.initTask,
	// whose state word the child reads after dlopen: did a Go init run?
	InitTask string `json:"inittask,omitempty"`
	// Maps asks the child to report its /proc/self/maps after the load
	// (and the calls), in a "maps" step.
	Maps bool `json:"maps,omitempty"`
}

// RawMsg is one step of a raw load, as the child reports it.
type RawMsg struct {
	// Step is "dlopen", "inittask", "dlsym", "call" (about to call),
	// "return", "done" or "error".
	Step string `json:"step"`
	// Name is the path (dlopen) or the symbol.
	Name string `json:"name,omitempty"`
	// Flags are dlopen's flags, as RTLD names.
	Flags string `json:"flags,omitempty"`
	// Addr is the handle (dlopen) or the symbol's address.
	Addr uint64 `json:"addr,omitempty"`
	// RealPath and Base are the object's link-map entry (dlopen).
	RealPath string `json:"real_path,omitempty"`
	Base     uint64 `json:"base,omitempty"`
	// State is the inittask state word: 0 not run, 1 running, 2 done.
	State int `json:"state,omitempty"`
	// Value is the returned value, formatted (return).
	Value string `json:"value,omitempty"`
	Err   string `json:"err,omitempty"`
	Nanos int64  `json:"ns,omitempty"`
	// Maps is the child's /proc/self/maps (maps).
	Maps string `json:"maps,omitempty"`
}

// RawReport is the outcome of a raw load.
type RawReport struct {
	Request RawRequest `json:"request"`
	// Steps are the child's messages in order: the trace.
	Steps []RawMsg `json:"steps"`
	// Done is true when the child finished every step it was asked for.
	Done bool `json:"done"`
	// Returned is true when every requested call returned.
	Returned bool `json:"returned"`
	// Outcome is how it ended: ok, failed, crashed, timed-out, interrupted.
	Outcome Outcome `json:"outcome"`
	Exit    Exit    `json:"exit"`
	// Crash explains a child that did not finish (crashed, timed out or
	// was interrupted: Outcome says which); nil if it finished.
	Crash *Crash `json:"crash,omitempty"`
}

// Step returns the first step of the given kind and name ("" matches any).
func (r *RawReport) Step(step, name string) (RawMsg, bool) {
	return firstStep(r.Steps, step, name)
}

// Raw runs a raw load in a child process. onStep, if not nil, sees each
// step as the child reports it, for a trace printed as it happens. st, if
// not nil, is the file read statically, used to name the code at a crash.
func Raw(ctx context.Context, req RawRequest, st *Static, opts Options, onStep func(RawMsg)) (*RawReport, error) {
	if req.Call {
		sig, err := cdl.ParseSignature(req.Sig)
		if err != nil {
			return nil, err
		}
		if _, err := sig.ParseArgs(req.Args); err != nil {
			return nil, err
		}
	}
	rep := &RawReport{Request: req}
	ex, err := runSteps(ctx, opts, modeRaw, req, &rep.Steps, func(e string) RawMsg { return RawMsg{Step: "error", Err: e} }, onStep)
	if err != nil {
		return nil, err
	}
	rep.Exit = ex
	_, rep.Done = rep.Step("done", "")
	if req.Call && rep.Done {
		n := 0
		for _, m := range rep.Steps {
			if m.Step == "return" {
				n++
			}
		}
		rep.Returned = n == len(req.Symbols)
	}
	failed := req.Call && !rep.Returned || anyFailed(rep.Steps)
	rep.Outcome = outcomeOf(ex, rep.Done, failed)
	if !rep.Done {
		var base uint64
		if m, ok := rep.Step("dlopen", ""); ok {
			base = m.Base
		}
		rep.Crash = analyze(ex, st, base, lastCalled(rep.Steps), rawPhase(rep))
	}
	return rep, nil
}

// rawPhase names what the child was doing when it stopped.
func rawPhase(r *RawReport) string {
	if len(r.Steps) == 0 {
		return "dlopen"
	}
	switch last := r.Steps[len(r.Steps)-1]; last.Step {
	case "call":
		return "call"
	case "dlopen", "inittask", "dlsym":
		if r.Request.Call {
			return "before the call"
		}
		return "dlsym"
	}
	return "dlopen"
}

// raw is the child side of Raw.
func (c *child) raw(req RawRequest) {
	c.phase(fdLoadOut, fdLoadErr)
	t := time.Now()
	h, err := cdl.Open(req.Path, req.Flags)
	m := RawMsg{Step: "dlopen", Name: req.Path, Flags: req.Flags.CName(), Nanos: since(t)}
	if err != nil {
		m.Err = err.Error()
		c.send(m)
		c.send(RawMsg{Step: "done"})
		return
	}
	if raw, err := h.Raw(); err == nil {
		m.Addr = uint64(raw)
	}
	if lm, err := h.LinkMap(); err == nil {
		// The link map holds the name as dlopen got it (or as its search
		// found it): resolve it as plugin.Open's realpath would.
		m.RealPath, m.Base = realPath(lm.Path), uint64(lm.Base)
	}
	c.send(m)
	if req.InitTask != "" {
		if p, err := h.Sym(req.InitTask); err == nil {
			c.send(RawMsg{Step: "inittask", Name: req.InitTask, Addr: uint64(p), State: initTaskState(p)})
		}
	}
	addrs := make([]uintptr, len(req.Symbols))
	ok := true
	for i, name := range req.Symbols {
		t := time.Now()
		p, err := h.Sym(name)
		m := RawMsg{Step: "dlsym", Name: name, Addr: uint64(p), Nanos: since(t)}
		if err != nil {
			m.Err = err.Error()
			ok = false
		}
		addrs[i] = p
		c.send(m)
	}
	if req.Call && ok {
		sig, err := cdl.ParseSignature(req.Sig)
		var args []any
		if err == nil {
			args, err = sig.ParseArgs(req.Args)
		}
		if err != nil {
			c.send(RawMsg{Step: "error", Err: err.Error()})
			c.send(RawMsg{Step: "done"})
			return
		}
		c.phase(fdCallOut, fdCallErr)
		for i, name := range req.Symbols {
			c.send(RawMsg{Step: "call", Name: name, Addr: uint64(addrs[i])})
			t := time.Now()
			v, err := cdl.Call(addrs[i], sig, args...)
			m := RawMsg{Step: "return", Name: name, Nanos: since(t)}
			if err != nil {
				m.Step, m.Err = "error", err.Error()
				c.send(m)
				break
			}
			m.Value = formatValue(v, sig)
			c.send(m)
		}
	}
	if req.Maps {
		c.send(RawMsg{Step: "maps", Maps: procMaps()})
	}
	c.send(RawMsg{Step: "done"})
}

// realPath resolves p to an absolute path without symlinks, or returns it
// as it is when that fails.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}

// formatValue formats a returned value; a char* result is shown as the
// string it points to, quoted, beside the pointer.
func formatValue(v cdl.Value, sig cdl.Signature) string {
	if v.Kind() == cdl.CString {
		if v.Pointer() == 0 {
			return "NULL"
		}
		return fmt.Sprintf("%#x %q", v.Pointer(), cdl.GoString(v.Pointer()))
	}
	return v.String()
}
