package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/ldso"
)

// depsReport is what `soinspect deps` says of one file; every format is
// rendered from it.
type depsReport struct {
	File            string            `json:"file"`
	Interpreter     string            `json:"interpreter"`
	Static          bool              `json:"statically_linked,omitempty"`
	Secure          bool              `json:"secure,omitempty"`
	Objects         []depsObject      `json:"objects"`
	Bindings        []depsBinding     `json:"bindings"`
	Unresolved      []depsUnresolved  `json:"unresolved"`
	MissingVersions []depsMissingVers `json:"missing_versions"`
	Unused          []string          `json:"unused_direct_dependencies,omitempty"`
	Error           string            `json:"error,omitempty"`
	Warnings        []string          `json:"warnings,omitempty"`

	res   *ldso.Result
	bs    []ldso.Binding // one per referencing symbol and definition, in Bind's order
	bound bool           // bindings were computed
}

// depsObject is one object of the load set (or one library not found).
type depsObject struct {
	Name     string   `json:"name"`
	Path     *string  `json:"path"`
	Via      string   `json:"via"`
	Dir      string   `json:"dir,omitempty"`
	Origin   bool     `json:"origin,omitempty"`
	Hwcaps   string   `json:"hwcaps,omitempty"`
	NeededBy []string `json:"needed_by"`
	Tried    []string `json:"tried,omitempty"`
}

// depsBinding is where one undefined symbol reference binds; To is nil
// (JSON null) for a reference nothing defines.
type depsBinding struct {
	From     string   `json:"from"`
	Symbol   string   `json:"symbol"`
	Version  string   `json:"version,omitempty"`
	To       *string  `json:"to"`
	Kind     string   `json:"kind,omitempty"`
	Shadowed []string `json:"shadowed,omitempty"`
}

// depsUnresolved is a symbol no object defines.
type depsUnresolved struct {
	From    string `json:"from"`
	Symbol  string `json:"symbol"`
	Version string `json:"version,omitempty"`
	Weak    bool   `json:"weak,omitempty"`
}

// depsMissingVers is a version an object needs that its provider lacks.
type depsMissingVers struct {
	Version    string `json:"version"`
	File       string `json:"file"`
	RequiredBy string `json:"required_by"`
	Message    string `json:"message"`
}

// newDepsReport reports on res; bindings adds where every symbol binds.
func newDepsReport(res *ldso.Result, bindings bool) (*depsReport, error) {
	r := &depsReport{
		File: res.File, Interpreter: res.Interpreter, Static: res.Static, Secure: res.Secure,
		Objects: []depsObject{}, Bindings: []depsBinding{}, Unresolved: []depsUnresolved{},
		MissingVersions: []depsMissingVers{}, Warnings: res.Warnings, res: res,
	}
	if res.Fatal != nil {
		r.Error = res.Fatal.Error()
	}
	for _, l := range res.Objects[1:] {
		o := depsObject{Name: l.Name, Via: string(l.Via), Dir: l.Dir, Origin: l.Origin, Hwcaps: l.Hwcaps, NeededBy: []string{}}
		if l.Found() {
			p := l.Path
			o.Path = &p
		} else {
			o.Tried = l.Tried
		}
		for _, i := range l.NeededBy {
			o.NeededBy = append(o.NeededBy, objectName(res.Objects[i]))
		}
		r.Objects = append(r.Objects, o)
	}
	for _, mv := range ldso.CheckVersions(res) {
		r.MissingVersions = append(r.MissingVersions, depsMissingVers{
			Version: mv.Version, File: mv.File, RequiredBy: mv.RequiredBy, Message: mv.Error(),
		})
	}
	var unused []*ldso.Loaded
	if bindings {
		// The main object's bindings say which direct dependencies are
		// used: no second relocation of it.
		bs, err := r.bind(res)
		if err != nil {
			return nil, err
		}
		unused = ldso.UnusedIn(res, bs)
	} else if u, err := ldso.Unused(res); err == nil {
		unused = u
	}
	for _, l := range unused {
		r.Unused = append(r.Unused, objectName(l))
	}
	return r, nil
}

func objectName(l *ldso.Loaded) string {
	if l.Path != "" {
		return l.Path
	}
	return l.Name
}

// complete reports whether everything resolved.
func (r *depsReport) complete() bool {
	if r.Error != "" || len(r.MissingVersions) > 0 {
		return false
	}
	for _, o := range r.Objects {
		if o.Path == nil {
			return false
		}
	}
	for _, u := range r.Unresolved {
		if !u.Weak {
			return false
		}
	}
	return true
}

// viaLabel is the "[via]" of the tree: how the object was found.
func viaLabel(o depsObject) string {
	s := o.Via
	if o.Origin {
		s += " $ORIGIN"
	}
	if o.Hwcaps != "" {
		s += " glibc-hwcaps/" + o.Hwcaps
	}
	return "[" + s + "]"
}

// esc makes a string read from a file safe for a terminal.
func esc(s string) string { return render.Visible(s) }

func (r *depsReport) write(w io.Writer, format string, several bool) error {
	switch format {
	case "json":
		r.bindingsForJSON()
		return render.JSON(w, r)
	case "ldd":
		if several {
			depsFileHeader(w, esc(r.File))
		}
		return r.writeLdd(w)
	case "dot":
		return r.writeDot(w)
	case "markdown":
		return r.writeMarkdown(w)
	}
	return r.writeTree(w)
}

// writeLdd prints what ldd prints, without the load addresses and the
// vdso: one line per object in the loader's list order.
func (r *depsReport) writeLdd(w io.Writer) error {
	// The version check runs, and prints on stderr, before the list.
	for _, mv := range r.MissingVersions {
		fmt.Fprintf(w, "%s: %s\n", esc(r.File), esc(mv.Message))
	}
	if r.Static {
		_, err := fmt.Fprintln(w, "\tstatically linked")
		return err
	}
	for _, o := range r.Objects {
		switch {
		case o.Path == nil:
			fmt.Fprintf(w, "\t%s => not found\n", esc(o.Name))
		case *o.Path == o.Name:
			fmt.Fprintf(w, "\t%s\n", esc(o.Name))
		default:
			fmt.Fprintf(w, "\t%s => %s\n", esc(o.Name), esc(*o.Path))
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "%s: error while loading shared libraries: %s\n", esc(r.File), esc(r.Error))
	}
	r.writeLddUnresolved(w)
	return nil
}

// writeTree prints the dependency tree: each library under the object
// that first needed it, with how it was found; later references folded.
func (r *depsReport) writeTree(w io.Writer) error {
	res := r.res
	fmt.Fprintf(w, "%s [interpreter %s]\n", esc(r.File), esc(r.Interpreter))
	if r.Static {
		fmt.Fprintln(w, "    statically linked (no DT_NEEDED)")
	}
	expanded := make([]bool, len(res.Objects))
	expanded[0] = true
	// An object is expanded under the first object that needed it.
	first := make([]int, len(res.Objects))
	for i, l := range res.Objects {
		first[i] = -1
		if len(l.NeededBy) > 0 {
			first[i] = l.NeededBy[0]
		}
	}
	var walk func(i int, prefix string)
	walk = func(i int, prefix string) {
		l := res.Objects[i]
		for k, d := range l.Needs {
			last := k == len(l.Needs)-1
			branch, next := "├── ", "│   "
			if last {
				branch, next = "└── ", "    "
			}
			name := l.Object.Needed[k]
			if d < 0 {
				fmt.Fprintf(w, "%s%s%s (not reached: the load stopped)\n", prefix, branch, esc(name))
				continue
			}
			dep := res.Objects[d]
			o := r.Objects[d-1]
			switch {
			case !dep.Found():
				fmt.Fprintf(w, "%s%s%s => not found\n", prefix, branch, esc(name))
				for _, t := range dep.Tried {
					fmt.Fprintf(w, "%s%s    tried %s\n", prefix, next, esc(t))
				}
			case first[d] == i && !expanded[d]:
				expanded[d] = true
				fmt.Fprintf(w, "%s%s%s => %s %s\n", prefix, branch, esc(name), esc(dep.Path), viaLabel(o))
				if !dep.IsInterpreter() {
					walk(d, prefix+next)
				}
			default:
				fmt.Fprintf(w, "%s%s%s => %s [already loaded]\n", prefix, branch, esc(name), esc(dep.Path))
			}
		}
	}
	if !r.Static {
		walk(0, "")
	}
	if len(r.Unused) > 0 {
		fmt.Fprintln(w, "unused direct dependencies (nothing of the file binds to them, as ldd -u):")
		for _, u := range r.Unused {
			fmt.Fprintf(w, "    %s\n", esc(u))
		}
	}
	for _, p := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", esc(p))
	}
	for _, mv := range r.MissingVersions {
		fmt.Fprintf(w, "error: %s\n", esc(mv.Message))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", esc(r.Error))
	}
	return r.writeBindingsText(w)
}

// writeMarkdown prints the load set as a Markdown table.
func (r *depsReport) writeMarkdown(w io.Writer) error {
	md := render.Markdown
	fmt.Fprintf(w, "### %s\n\n", md(r.File))
	fmt.Fprintln(w, "| # | Library | Path | Found via | Needed by |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i, o := range r.Objects {
		p := "**not found**"
		if o.Path != nil {
			p = md(*o.Path)
		}
		nb := make([]string, len(o.NeededBy))
		for k, n := range o.NeededBy {
			nb[k] = md(n)
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s |\n", i+1, md(o.Name), p, md(viaLabel(o)), strings.Join(nb, ", "))
	}
	for _, mv := range r.MissingVersions {
		fmt.Fprintf(w, "\n**error:** %s\n", md(mv.Message))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\n**error:** %s\n", md(r.Error))
	}
	fmt.Fprintln(w)
	return nil
}

// writeDot prints the dependency graph in Graphviz's language.
func (r *depsReport) writeDot(w io.Writer) error {
	q := func(s string) string { return strconv.Quote(s) }
	fmt.Fprintf(w, "digraph %s {\n\trankdir=LR;\n\tnode [shape=box, fontname=\"monospace\"];\n", q(r.File))
	res := r.res
	id := func(i int) string { return fmt.Sprintf("n%d", i) }
	fmt.Fprintf(w, "\t%s [label=%s, style=bold];\n", id(0), q(r.File))
	for i, o := range r.Objects {
		label := o.Name + "\n" + viaLabel(o)
		attr := ""
		if o.Path == nil {
			label = o.Name + "\nnot found"
			attr = ", color=red, fontcolor=red"
		} else if *o.Path != o.Name {
			label = o.Name + "\n" + *o.Path + "\n" + viaLabel(o)
		}
		fmt.Fprintf(w, "\t%s [label=%s%s];\n", id(i+1), q(label), attr)
	}
	for i, l := range res.Objects {
		for _, d := range l.Needs {
			if d >= 0 {
				fmt.Fprintf(w, "\t%s -> %s;\n", id(i), id(d))
			}
		}
	}
	fmt.Fprintln(w, "}")
	return nil
}
