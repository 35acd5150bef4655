// Command probehost is the probe host of soinspect's Go way: the program
// whose process loads a plugin with plugin.Open, looks its symbols up and
// calls one, reporting each step as one line of JSON on fd 3.
//
// soinspect carries this source (package probe embeds it) and builds it on
// first use, with the toolchain and the hash-relevant build settings of
// the plugin to load (or of soinspect itself), into its cache: plugin.Open
// accepts a plugin only into a host whose shared packages were built
// exactly the same way. It uses the standard library only, and must build
// with every Go release that can build plugins: no language feature newer
// than its go.mod's go line.
//
// The protocol is internal/probe's: the parent runs
// "probehost __probe-child go REQUEST-JSON" with fd 3 a pipe for the
// messages and fds 4 to 7 the stdout and stderr of the load and call
// phases. The message types are copies of probe.GoRequest and probe.GoMsg
// (a test keeps them in step).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"plugin"
	"reflect"
	"strconv"
	"syscall"
	"time"
)

// childCommand is probe.ChildCommand.
const childCommand = "__probe-child"

// The file descriptors the parent passes.
const (
	fdMsg = 3 + iota
	fdLoadOut
	fdLoadErr
	fdCallOut
	fdCallErr
)

func main() {
	if len(os.Args) != 4 || os.Args[1] != childCommand {
		fmt.Fprintln(os.Stderr, "usage: probehost "+childCommand+" go REQUEST-JSON (run by soinspect call and compare)")
		os.Exit(2)
	}
	var st syscall.Stat_t
	if syscall.Fstat(fdMsg, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		fmt.Fprintln(os.Stderr, "probehost: runs only under soinspect's probe (no message pipe on fd 3)")
		os.Exit(2)
	}
	c := &child{msg: os.NewFile(fdMsg, "probe-messages")}
	if os.Args[2] != "go" {
		os.Exit(c.fail(fmt.Errorf("this probe host runs only the Go way, not %q", os.Args[2])))
	}
	var req goRequest
	if err := json.Unmarshal([]byte(os.Args[3]), &req); err != nil {
		os.Exit(c.fail(err))
	}
	c.goLoad(req)
	flushC()
	os.Exit(0)
}

// goRequest is probe.GoRequest.
type goRequest struct {
	Path     string   `json:"path"`
	Symbols  []string `json:"symbols"`
	Call     bool     `json:"call,omitempty"`
	Args     []string `json:"args,omitempty"`
	Set      string   `json:"set,omitempty"`
	HasSet   bool     `json:"has_set,omitempty"`
	InitTask string   `json:"inittask,omitempty"`
	Dlsym    []string `json:"dlsym,omitempty"`
	Maps     bool     `json:"maps,omitempty"`
}

// goMsg is probe.GoMsg.
type goMsg struct {
	Step     string    `json:"step"`
	Name     string    `json:"name,omitempty"`
	Flags    string    `json:"flags,omitempty"`
	Handle   uint64    `json:"handle,omitempty"`
	RealPath string    `json:"real_path,omitempty"`
	Base     uint64    `json:"base,omitempty"`
	Type     string    `json:"type,omitempty"`
	Kind     string    `json:"kind,omitempty"`
	Addr     uint64    `json:"addr,omitempty"`
	Dlsym    uint64    `json:"dlsym,omitempty"`
	State    int       `json:"state,omitempty"`
	Values   []goValue `json:"values,omitempty"`
	Err      string    `json:"err,omitempty"`
	Nanos    int64     `json:"ns,omitempty"`
	Maps     string    `json:"maps,omitempty"`
}

// goValue is probe.GoValue.
type goValue struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	IsError bool   `json:"is_error,omitempty"`
}

// goOpenFlags is the dlopen mode plugin.Open uses.
const goOpenFlags = "RTLD_NOW|RTLD_GLOBAL"

type child struct {
	msg *os.File
}

// send writes v as one line, in one write, so that a crash right after it
// loses nothing.
func (c *child) send(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"step": "error", "err": err.Error()})
	}
	c.msg.Write(append(b, '\n'))
}

func (c *child) fail(err error) int {
	c.send(map[string]string{"step": "error", "err": err.Error()})
	return 2
}

// phase points fds 1 and 2 at the pipes of the load or the call phase;
// what C code printed so far belongs to the phase that is ending.
func (c *child) phase(out, errfd int) {
	flushC()
	syscall.Dup3(out, 1, 0)
	syscall.Dup3(errfd, 2, 0)
}

func (c *child) goLoad(req goRequest) {
	c.phase(fdLoadOut, fdLoadErr)
	t := time.Now()
	p, err := plugin.Open(req.Path)
	m := goMsg{Step: "open", Name: req.Path, Flags: goOpenFlags, Nanos: since(t)}
	if err != nil {
		m.Err = err.Error()
		c.send(m)
		if req.Maps { // a plugin plugin.Open refused stays mapped
			c.send(goMsg{Step: "maps", Maps: procMaps()})
		}
		c.send(goMsg{Step: "done"})
		return
	}
	// plugin.Open dlopens the real path; ask the loader about that object.
	real := req.Path
	if abs, err := filepath.Abs(req.Path); err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			real = r
		}
	}
	h := noLoad(real)
	if h != nil {
		defer h.close()
		m.Handle = h.raw()
		m.RealPath, m.Base = h.linkMap()
	}
	c.send(m)
	if h != nil && req.InitTask != "" {
		if a := h.sym(req.InitTask); a != 0 {
			c.send(goMsg{Step: "inittask", Name: req.InitTask, Addr: a, State: int(load32(a))})
		}
	}
	syms := make([]plugin.Symbol, len(req.Symbols))
	for i, name := range req.Symbols {
		t := time.Now()
		s, err := p.Lookup(name)
		m := goMsg{Step: "lookup", Name: name, Nanos: since(t)}
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
			m.Dlsym = h.sym(req.Dlsym[i])
		}
		syms[i] = s
		c.send(m)
	}
	if req.Call && len(syms) > 0 && syms[0] != nil {
		c.goCall(req, syms[0])
	}
	if req.Maps {
		c.send(goMsg{Step: "maps", Maps: procMaps()})
	}
	c.send(goMsg{Step: "done"})
}

func (c *child) goCall(req goRequest, sym plugin.Symbol) {
	name := req.Symbols[0]
	v := reflect.ValueOf(sym)
	if v.Kind() != reflect.Func {
		// A variable: plugin.Lookup returns a pointer to it.
		if v.Kind() != reflect.Ptr || v.IsNil() {
			c.send(goMsg{Step: "error", Name: name, Err: fmt.Sprintf("%s has type %s, neither a func nor a pointer to a var", name, v.Type())})
			return
		}
		if len(req.Args) > 0 {
			c.send(goMsg{Step: "usage", Name: name, Err: fmt.Sprintf("%s is a variable (%s): it takes no arguments; use --set JSON to assign it", name, v.Type())})
			return
		}
		if req.HasSet {
			nv := reflect.New(v.Type().Elem())
			if err := json.Unmarshal([]byte(req.Set), nv.Interface()); err != nil {
				c.send(goMsg{Step: "usage", Name: name, Err: fmt.Sprintf("--set %s: not a JSON %s: %v", req.Set, v.Type().Elem(), err)})
				return
			}
			c.phase(fdCallOut, fdCallErr)
			v.Elem().Set(nv.Elem())
			c.send(goMsg{Step: "set", Name: name, Values: []goValue{formatGo(v.Elem())}})
		}
		c.send(goMsg{Step: "value", Name: name, Type: v.Type().String(), Addr: uint64(v.Pointer()), Values: []goValue{formatGo(v.Elem())}})
		return
	}
	if req.HasSet {
		c.send(goMsg{Step: "usage", Name: name, Err: fmt.Sprintf("--set assigns a variable; %s is a func (%s): give its arguments after SYMBOL", name, v.Type())})
		return
	}
	in, err := goArgs(v.Type(), req.Args)
	if err != nil {
		c.send(goMsg{Step: "usage", Name: name, Err: fmt.Sprintf("%s %s: %v", name, v.Type(), err)})
		return
	}
	c.phase(fdCallOut, fdCallErr)
	c.send(goMsg{Step: "call", Name: name, Type: v.Type().String()})
	t := time.Now()
	var out []reflect.Value
	if v.Type().IsVariadic() {
		out = v.CallSlice(in)
	} else {
		out = v.Call(in)
	}
	m := goMsg{Step: "result", Name: name, Nanos: since(t)}
	for _, r := range out {
		m.Values = append(m.Values, formatGo(r))
	}
	c.send(m)
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// formatGo formats a value: basic kinds in Go syntax, errors by message,
// anything else as JSON (or %#v when JSON cannot hold it).
func formatGo(v reflect.Value) goValue {
	gv := goValue{Type: v.Type().String()}
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

// goArgs parses command-line arguments as the parameters of the function
// type ft: integers (with base prefixes), floats, strings as they are,
// bools, and JSON for every other type. A variadic function takes any
// number of trailing arguments.
func goArgs(ft reflect.Type, args []string) ([]reflect.Value, error) {
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

// procMaps returns the process's /proc/self/maps, at most 256 KiB of it:
// a message is one line, and the parent reads lines of up to 1 MiB.
func procMaps() string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 256<<10))
	return string(b)
}

// since returns the nanoseconds since t.
func since(t time.Time) int64 { return int64(time.Since(t)) }
