package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"plugin"
	"reflect"
	"strconv"
	"time"

	"github.com/soinspect/soinspect/cdl"
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
	Steps   []GoMsg   `json:"steps"`
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
	for _, m := range r.Steps {
		if m.Step == step && (name == "" || m.Name == name) {
			return m, true
		}
	}
	return GoMsg{}, false
}

// OpenErr returns plugin.Open's error text, "" if it succeeded.
func (r *GoReport) OpenErr() string {
	m, _ := r.Step("open", "")
	return m.Err
}

// Go runs a Go load in a child process; see GoRequest. onStep, if not nil,
// sees each step as the child reports it.
func Go(ctx context.Context, req GoRequest, st *Static, opts Options, onStep func(GoMsg)) (*GoReport, error) {
	rep := &GoReport{Request: req}
	ex, err := runSteps(ctx, opts, modeGo, req, &rep.Steps, func(e string) GoMsg { return GoMsg{Step: "error", Err: e} }, onStep)
	if err != nil {
		return nil, err
	}
	rep.Exit = ex
	_, rep.Done = rep.Step("done", "")
	if m, ok := rep.Step("usage", ""); ok {
		rep.Usage = m.Err
	}
	failed := false
	for _, m := range rep.Steps {
		failed = failed || m.Err != ""
	}
	rep.Outcome = outcomeOf(ex, rep.Done, failed)
	if !rep.Done {
		phase, symbol := "plugin.Open", ""
		if _, ok := rep.Step("open", ""); ok {
			phase = "plugin.Lookup"
		}
		for _, m := range rep.Steps {
			if m.Step == "call" {
				phase, symbol = "call", m.Name
			}
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

// goOpenFlags is the dlopen mode plugin.Open uses, as the trace shows it.
var goOpenFlags = (cdl.Now | cdl.Global).CName()

// goLoad is the child side of Go.
func (c *child) goLoad(req GoRequest) {
	c.phase(fdLoadOut, fdLoadErr)
	t := time.Now()
	p, err := plugin.Open(req.Path)
	m := GoMsg{Step: "open", Name: req.Path, Flags: goOpenFlags, Nanos: since(t)}
	if err != nil {
		m.Err = err.Error()
		c.send(m)
		if req.Maps { // a plugin plugin.Open refused stays mapped
			c.send(GoMsg{Step: "maps", Maps: procMaps()})
		}
		c.send(GoMsg{Step: "done"})
		return
	}
	// plugin.Open dlopens the real path; ask the loader about that object.
	real := req.Path
	if abs, err := filepath.Abs(req.Path); err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			real = r
		}
	}
	m.Handle = rawHandle(real)
	m.RealPath, m.Base = linkMap(real)
	c.send(m)
	// A second reference to the same object, to dlsym in this process.
	h, err := cdl.Open(real, cdl.Lazy|cdl.NoLoad)
	if err == nil {
		defer h.Close()
		if req.InitTask != "" {
			if a, err := h.Sym(req.InitTask); err == nil {
				c.send(GoMsg{Step: "inittask", Name: req.InitTask, Addr: uint64(a), State: initTaskState(a)})
			}
		}
	}
	syms := make([]plugin.Symbol, len(req.Symbols))
	for i, name := range req.Symbols {
		t := time.Now()
		s, err := p.Lookup(name)
		m := GoMsg{Step: "lookup", Name: name, Nanos: since(t)}
		if err != nil {
			m.Err = err.Error()
		} else {
			v := reflect.ValueOf(s)
			m.Type = v.Type().String()
			m.Kind = "var"
			if v.Kind() == reflect.Func {
				m.Kind = "func"
			}
			m.Addr = uint64(v.Pointer())
		}
		if h != nil && i < len(req.Dlsym) {
			if a, err := h.Sym(req.Dlsym[i]); err == nil {
				m.Dlsym = uint64(a)
			}
		}
		syms[i] = s
		c.send(m)
	}
	if req.Call && len(syms) > 0 && syms[0] != nil {
		c.goCall(req, syms[0])
	}
	if req.Maps {
		c.send(GoMsg{Step: "maps", Maps: procMaps()})
	}
	c.send(GoMsg{Step: "done"})
}

func (c *child) goCall(req GoRequest, sym plugin.Symbol) {
	name := req.Symbols[0]
	v := reflect.ValueOf(sym)
	if v.Kind() != reflect.Func {
		// A variable: plugin.Lookup returns a pointer to it.
		if v.Kind() != reflect.Pointer || v.IsNil() {
			c.send(GoMsg{Step: "error", Name: name, Err: fmt.Sprintf("%s has type %s, neither a func nor a pointer to a var", name, v.Type())})
			return
		}
		if len(req.Args) > 0 {
			c.send(GoMsg{Step: "usage", Name: name, Err: fmt.Sprintf("%s is a variable (%s): it takes no arguments; use --set JSON to assign it", name, v.Type())})
			return
		}
		if req.HasSet {
			nv := reflect.New(v.Type().Elem())
			if err := json.Unmarshal([]byte(req.Set), nv.Interface()); err != nil {
				c.send(GoMsg{Step: "usage", Name: name, Err: fmt.Sprintf("--set %s: not a JSON %s: %v", req.Set, v.Type().Elem(), err)})
				return
			}
			c.phase(fdCallOut, fdCallErr)
			v.Elem().Set(nv.Elem())
			c.send(GoMsg{Step: "set", Name: name, Values: []GoValue{formatGo(v.Elem())}})
		}
		c.send(GoMsg{Step: "value", Name: name, Type: v.Type().String(), Addr: uint64(v.Pointer()), Values: []GoValue{formatGo(v.Elem())}})
		return
	}
	if req.HasSet {
		c.send(GoMsg{Step: "usage", Name: name, Err: fmt.Sprintf("--set assigns a variable; %s is a func (%s): give its arguments after SYMBOL", name, v.Type())})
		return
	}
	in, err := GoArgs(v.Type(), req.Args)
	if err != nil {
		c.send(GoMsg{Step: "usage", Name: name, Err: fmt.Sprintf("%s %s: %v", name, v.Type(), err)})
		return
	}
	c.phase(fdCallOut, fdCallErr)
	c.send(GoMsg{Step: "call", Name: name, Type: v.Type().String()})
	t := time.Now()
	var out []reflect.Value
	if v.Type().IsVariadic() {
		out = v.CallSlice(in)
	} else {
		out = v.Call(in)
	}
	m := GoMsg{Step: "result", Name: name, Nanos: since(t)}
	for _, r := range out {
		m.Values = append(m.Values, formatGo(r))
	}
	c.send(m)
}

var errorType = reflect.TypeFor[error]()

// formatGo formats a value: basic kinds in Go syntax, errors by message,
// anything else as JSON (or %#v when JSON cannot hold it).
func formatGo(v reflect.Value) GoValue {
	gv := GoValue{Type: v.Type().String()}
	if v.Type() == errorType || v.Kind() == reflect.Interface && v.Type().Implements(errorType) {
		gv.IsError = true
		if v.IsNil() {
			gv.Value = "<nil>"
		} else {
			gv.Value = v.Interface().(error).Error()
		}
		return gv
	}
	switch v.Kind() {
	case reflect.String:
		gv.Value = strconv.Quote(v.String())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		gv.Value = fmt.Sprint(v.Interface())
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		gv.Value = fmt.Sprintf("%#v", v.Interface())
	default:
		if b, err := json.Marshal(v.Interface()); err == nil {
			gv.Value = string(b)
		} else {
			gv.Value = fmt.Sprintf("%#v", v.Interface())
		}
	}
	return gv
}

// arguments is "1 argument", "2 arguments", "0 arguments".
func arguments(n int) string {
	if n == 1 {
		return "1 argument"
	}
	return fmt.Sprintf("%d arguments", n)
}

// GoArgs parses command-line arguments as the parameters of the function
// type ft: integers (with base prefixes), floats, strings as they are,
// bools, and JSON for every other type. A variadic function takes any
// number of trailing arguments.
func GoArgs(ft reflect.Type, args []string) ([]reflect.Value, error) {
	n := ft.NumIn()
	if ft.IsVariadic() {
		if len(args) < n-1 {
			return nil, fmt.Errorf("want at least %s, got %d", arguments(n-1), len(args))
		}
	} else if len(args) != n {
		return nil, fmt.Errorf("want %s, got %d", arguments(n), len(args))
	}
	in := make([]reflect.Value, 0, n)
	for i := 0; i < n; i++ {
		t := ft.In(i)
		if ft.IsVariadic() && i == n-1 {
			rest := reflect.MakeSlice(t, 0, len(args)-i)
			for j := i; j < len(args); j++ {
				v, err := parseGo(t.Elem(), args[j])
				if err != nil {
					return nil, fmt.Errorf("argument %d (%s): %v", j+1, t.Elem(), err)
				}
				rest = reflect.Append(rest, v)
			}
			in = append(in, rest)
			break
		}
		v, err := parseGo(t, args[i])
		if err != nil {
			return nil, fmt.Errorf("argument %d (%s): %v", i+1, t, err)
		}
		in = append(in, v)
	}
	return in, nil
}

func parseGo(t reflect.Type, s string) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	var err error
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		var b bool
		b, err = strconv.ParseBool(s)
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		i, err = strconv.ParseInt(s, 0, t.Bits())
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var u uint64
		u, err = strconv.ParseUint(s, 0, t.Bits())
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		f, err = strconv.ParseFloat(s, t.Bits())
		v.SetFloat(f)
	default:
		p := reflect.New(t)
		err = json.Unmarshal([]byte(s), p.Interface())
		v = p.Elem()
	}
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			err = ne.Err
		}
		return reflect.Value{}, fmt.Errorf("bad value %q: %v", s, err)
	}
	return v, nil
}
