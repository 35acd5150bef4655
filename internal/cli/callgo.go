package cli

// The Go way of call: plugin.Open, Lookup and a call through reflect, in a
// probe host (see probe.ChooseHost), and its tables.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/render"
)

// runGo loads path the Go way and calls symbol with args.
func (o *callOptions) runGo(ctx context.Context, w *render.Doc, st *probe.Static, tgt loadTarget, symbol string, args []string, opts probe.Options) error {
	opts.Emulation = tgt.Emulation
	path := tgt.Path
	req := probe.GoRequest{Path: path, Symbols: []string{symbol}, Call: true, Args: args,
		Set: o.set, HasSet: o.set != "", InitTask: st.InitTaskSymbol()}
	var onStep func(probe.GoMsg)
	if o.trace && !o.out.isJSON() {
		if tgt.Note != "" {
			w.Item("", "  ", "# "+tgt.Note)
		}
		onStep = func(m probe.GoMsg) {
			if line := traceGo(m); line != "" {
				w.Item("", "      ", line)
				w.Flush()
			}
		}
	}
	rep, err := probe.Go(ctx, req, st, opts, onStep)
	if err != nil {
		return err
	}
	if rep.Usage != "" {
		return usagef("%s", rep.Usage)
	}
	return o.finish(w, rep, rep.Outcome, goStatus(rep), func() error {
		return writeGo(w, rep, tgt)
	})
}

// writeGo draws the tables of a Go load.
func writeGo(w *render.Doc, rep *probe.GoReport, tgt loadTarget) error {
	pairs := append(fileRows(tgt, goExe(rep.Host)), [2]string{"probe host", hostLabel(rep.Host)})
	if rep.Host != nil && rep.Host.Why != "" {
		pairs = append(pairs, [2]string{"why not soinspect's own", rep.Host.Why})
	}
	if m, ok := rep.Step("open", ""); ok {
		pairs = append(pairs, [2]string{"plugin.Open", "dlopen with " + m.Flags})
		if m.Err != "" {
			pairs = append(pairs, [2]string{"error", m.Err})
		} else {
			pairs = append(pairs, [2]string{"real path", m.RealPath}, [2]string{"handle", labHex(m.Handle)},
				[2]string{"load base", labHex(m.Base)}, [2]string{"plugin.Open time", fmtNanos(m.Nanos)})
		}
	}
	if m, ok := rep.Step("inittask", ""); ok {
		pairs = append(pairs, [2]string{"Go inits", fmt.Sprintf("%s (%s state %d)", initState(m.State), shortName(m.Name), m.State)})
	}
	for _, m := range rep.Steps {
		switch m.Step {
		case "lookup":
			if m.Err != "" {
				pairs = append(pairs, [2]string{"Lookup " + m.Name, "error: " + m.Err})
			} else {
				pairs = append(pairs, [2]string{"Lookup " + m.Name, fmt.Sprintf("%s %s at %s", m.Kind, m.Type, labHex(m.Addr))})
			}
		case "set":
			pairs = append(pairs, [2]string{"set", fmt.Sprintf("*%s = %s", m.Name, m.Values[0].Value)})
		case "value":
			pairs = append(pairs, [2]string{"value", fmt.Sprintf("*%s = %s (%s)", m.Name, m.Values[0].Value, m.Values[0].Type)})
		case "result":
			if len(m.Values) == 0 {
				pairs = append(pairs, [2]string{"returned", fmt.Sprintf("(no results, %s)", fmtNanos(m.Nanos))})
			}
			for i, v := range m.Values {
				k := "result " + strconv.Itoa(i+1)
				switch {
				case v.IsError && v.Value != "<nil>":
					pairs = append(pairs, [2]string{k, "error: " + v.Value})
				default:
					pairs = append(pairs, [2]string{k, fmt.Sprintf("%s (%s)", v.Value, v.Type)})
				}
			}
		case "error":
			pairs = append(pairs, [2]string{"error", m.Err})
		}
	}
	if rep.Crash != nil {
		pairs = append(pairs, [2]string{"outcome", stopLabel(rep.Outcome, rep.Crash, rep.Exit)}, [2]string{"child", rep.Exit.String()})
	}
	if err := w.Fields("call: plugin.Open, plugin.Lookup, call through reflect", visibleValues(pairs)); err != nil {
		return err
	}
	writeTail(w, "printed by plugin.Open (the plugin's inits)", rep.Crash, rep.Exit, rep.Crash)
	return nil
}

func goStatus(rep *probe.GoReport) error {
	if rep.Outcome == probe.OutcomeInterrupted {
		return interruptedError{rep.Exit.Interrupted}
	}
	if rep.Crash != nil || !rep.Done {
		return failedError{1}
	}
	for _, m := range rep.Steps {
		if m.Err != "" {
			return failedError{1}
		}
	}
	return nil
}

func traceGo(m probe.GoMsg) string {
	switch m.Step {
	case "open":
		if m.Err != "" {
			return fmt.Sprintf("plugin.Open(%q) = error   # %s", m.Name, m.Err)
		}
		return fmt.Sprintf("plugin.Open(%q) = ok   # dlopen(%q, %s) = %#x", m.Name, m.RealPath, m.Flags, m.Handle)
	case "inittask":
		return fmt.Sprintf("  # %s: state %d (%s)", m.Name, m.State, initState(m.State))
	case "lookup":
		if m.Err != "" {
			return fmt.Sprintf("p.Lookup(%q) = error   # %s", m.Name, m.Err)
		}
		return fmt.Sprintf("p.Lookup(%q) = %s at %#x", m.Name, m.Type, m.Addr)
	case "call":
		return fmt.Sprintf("reflect call %s   # %s", m.Name, m.Type)
	case "result", "value", "set":
		vals := make([]string, len(m.Values))
		for i, v := range m.Values {
			vals[i] = v.Value
		}
		op := map[string]string{"result": "  = ", "value": "  *" + m.Name + " == ", "set": "  *" + m.Name + " = "}[m.Step]
		return op + strings.Join(vals, ", ")
	}
	return ""
}
