package probe

import (
	"context"
	"fmt"
)

// GoRequest is a Go load: plugin.Open, plugin.Lookup of each symbol and,
// if Call is set, a call of the first symbol (a func) with Args parsed by
// its parameter types, or, for a var, a read of its value after assigning
// Set (JSON) if HasSet.
type GoRequest struct {
	Path    string   `json:"path"`
	Symbols []string `json:"symbols"`
	Call    bool     `json:"call,omitempty"`
	Args    []string `json:"args,omitempty"`
	Set     string   `json:"set,omitempty"`
	HasSet  bool     `json:"has_set,omitempty"`
	// InitTask, if set, is the symbol of the plugin's own init task, whose
	// state word the child reads after plugin.Open.
	InitTask string `json:"inittask,omitempty"`
	// Dlsym, if set, holds for each of Symbols the .dynsym name the child
	// also looks up with dlsym in the same process, after plugin.Open.
	Dlsym []string `json:"dlsym,omitempty"`
	// Maps asks the child to report its /proc/self/maps after the load
	// (and the lookups and call), in a "maps" step.
	Maps bool `json:"maps,omitempty"`
}

// GoMsg is one step of a Go load, as the child reports it.
type GoMsg struct {
	// Step is "open", "inittask", "lookup", "call" (about to call),
	// "result", "set", "value", "usage" (bad arguments), "done" or "error".
	Step string `json:"step"`
	Name string `json:"name,omitempty"`
	// Flags, Handle, RealPath and Base describe what plugin.Open did (open).
	Flags    string `json:"flags,omitempty"`
	Handle   uint64 `json:"handle,omitempty"`
	RealPath string `json:"real_path,omitempty"`
	Base     uint64 `json:"base,omitempty"`
	// Type is reflect.TypeOf(sym).String(); Kind is "func" or "var" (lookup).
	Type string `json:"type,omitempty"`
	Kind string `json:"kind,omitempty"`
	// Addr is the code pointer of a func, the variable's address for a var
	// (lookup), or the init task's address (inittask).
	Addr uint64 `json:"addr,omitempty"`
	// Dlsym is dlsym's address for the same symbol in the same process
	// (lookup, when GoRequest.Dlsym asks).
	Dlsym uint64 `json:"dlsym,omitempty"`
	// State is the init task's state word: 0 not run, 1 running, 2 done.
	State int `json:"state,omitempty"`
	// Values are a call's results or a variable's value.
	Values []GoValue `json:"values,omitempty"`
	Err    string    `json:"err,omitempty"`
	Nanos  int64     `json:"ns,omitempty"`
	// Maps is the child's /proc/self/maps (maps).
	Maps string `json:"maps,omitempty"`
}

// GoValue is one Go value, formatted.
type GoValue struct {
	Type string `json:"type"`
	// Value is the value in Go syntax for basic kinds, JSON otherwise.
	Value string `json:"value"`
	// IsError is true for a result of type error; Value is then its
	// message, or "<nil>".
	IsError bool `json:"is_error,omitempty"`
}

// GoReport is the outcome of a Go load.
type GoReport struct {
	Request GoRequest `json:"request"`
	// Host is the program the load ran in.
	Host  *Host   `json:"host"`
	Steps []GoMsg `json:"steps"`
	// Done is true when the child finished every step it was asked for.
	Done bool `json:"done"`
	// Usage is set when the arguments did not fit the function: the user's
	// mistake, found only once the child knew the type.
	Usage string `json:"usage,omitempty"`
	// Outcome is how it ended: ok, failed, crashed, timed-out, interrupted.
	Outcome Outcome `json:"outcome"`
	Exit    Exit    `json:"exit"`
	// Crash explains a child that did not finish; nil if it finished.
	Crash *Crash `json:"crash,omitempty"`
}

// Step returns the first step of the given kind and name ("" matches any).
func (r *GoReport) Step(step, name string) (GoMsg, bool) {
	return firstStep(r.Steps, step, name)
}

// OpenErr returns plugin.Open's error text, "" if it succeeded.
func (r *GoReport) OpenErr() string {
	m, _ := r.Step("open", "")
	return m.Err
}

// Go runs a Go load in a child process, a probe host chosen as
// opts.Host says (see ChooseHost); see GoRequest. onStep, if not nil, sees
// each step as the child reports it.
func Go(ctx context.Context, req GoRequest, st *Static, opts Options, onStep func(GoMsg)) (*GoReport, error) {
	if opts.host == nil {
		h, err := ChooseHost(ctx, req.Path, opts)
		if err != nil {
			return nil, err
		}
		opts.host = h
	}
	rep := &GoReport{Request: req, Host: opts.host}
	ex, err := runSteps(ctx, opts, modeGo, req, &rep.Steps, func(e string) GoMsg { return GoMsg{Step: "error", Err: e} }, onStep)
	if err != nil {
		return nil, err
	}
	rep.Exit = ex
	_, rep.Done = rep.Step("done", "")
	if m, ok := rep.Step("usage", ""); ok {
		rep.Usage = m.Err
	}
	rep.Outcome = outcomeOf(ex, rep.Done, anyFailed(rep.Steps))
	if !rep.Done {
		phase, symbol := "plugin.Open", ""
		if _, ok := rep.Step("open", ""); ok {
			phase = "plugin.Lookup"
		}
		if _, ok := rep.Step("call", ""); ok {
			phase, symbol = "call", lastCalled(rep.Steps)
		}
		var base uint64
		if m, ok := rep.Step("open", ""); ok {
			base = m.Base
		}
		c := analyze(ex, st, base, symbol, phase)
		if phase == "call" && c.Panic != "" && !ex.TimedOut && ex.Interrupted == "" {
			c.Explain = []string{fmt.Sprintf("%s panicked: %s. plugin.Lookup gives an ordinary Go value; a panic in it unwinds the caller like any other.", symbol, c.Panic)}
		}
		rep.Crash = c
	}
	return rep, nil
}
