package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/render"
)

type pluginOptions struct {
	hashes, deps bool
	out          outputFlags
	initCode     map[uint64]string // the decoded code of .init_array entries, by address
}

// pluginShort is the line for plugin in the root's help and in completion.
const pluginShort = "Show a Go plugin's anatomy — pluginpath, exports and their Go types, inits, hashes — without loading it"

func newPluginCmd() *cobra.Command {
	o := &pluginOptions{}
	cmd := &cobra.Command{
		Use:   "plugin [--format F | --json] [--hashes] [--deps] FILE...",
		Short: pluginShort,
		Long: `Read everything plugin.Open would learn from a Go plugin, from the file alone:
its pluginpath, the exports plugin.Lookup finds with their Go types, the init
tasks plugin.Open runs, the packages it links with their link hashes, its
build info and the dynamic-linking facts. Nothing is loaded or run.

A file that is not a Go plugin gets an honest description instead: the
//export'ed C functions of a Go c-shared library, the build info of a Go
executable, the soname and needed libraries of a C or C++ library.

FILE - reads the file from standard input (up to 4 GiB).`,
		Example: `  soinspect plugin bin/plugins/plugin1.so
  soinspect plugin --hashes bin/plugins/*.so
  soinspect plugin --json bin/plugins/plugin1.so | jq -r .plugin.pluginpath`,
		Args: minArgs(1, "at least one FILE is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			first := true
			return eachFile(cmd, args, func(w io.Writer, path string) error {
				d, code, err := describe(cmd, path)
				if err != nil {
					return err
				}
				if o.out.isJSON() {
					return render.JSON(w, d)
				}
				o.initCode = code
				doc := o.out.doc(w)
				if !first {
					doc.Blank()
				}
				first = false
				if err := o.write(doc, d); err != nil {
					return err
				}
				return doc.Flush()
			})
		},
	}
	o.out.add(cmd)
	cmd.Flags().BoolVar(&o.hashes, "hashes", false, "list every package with its link hash (default: a count)")
	cmd.Flags().BoolVar(&o.deps, "deps", false, "list every build setting and module dependency (default: the main ones)")
	return cmd
}

// describe reads the anatomy of the file, and decodes the .init_array
// entry that registers a Go module (its lea of the moduledata).
func describe(cmd *cobra.Command, path string) (*goplugin.Description, map[uint64]string, error) {
	f, err := openELF(cmd, path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	d, err := goplugin.Describe(f)
	if err != nil {
		return nil, nil, err
	}
	return d, initArrayCode(f, d.ABI.InitArray), nil
}

// keySetting reports whether a build setting is shown without --deps: one
// that decides whether plugin.Open accepts a plugin.
func keySetting(key string) bool {
	switch key {
	case "-buildmode", "-compiler", "-trimpath", "-race", "-tags",
		"-gcflags", "-ldflags", "-asmflags", "CGO_ENABLED",
		"GOARCH", "GOOS", "GOAMD64", "GOARM64", "GOEXPERIMENT":
		return true
	}
	return false
}

func (o *pluginOptions) write(w *render.Doc, d *goplugin.Description) error {
	// Names from the file or the command line go into prose cells, where a
	// newline would start a line: render.Visible shows it as ^J.
	id := [][2]string{{"file", render.Visible(d.File)}, {"kind", describeKind(d.Kind)}, {"arch", d.Arch}}
	if d.GoVersion != "" {
		id = append(id, [2]string{"go version", d.GoVersion})
	}
	pi := d.Plugin
	if pi != nil {
		id = append(id, [2]string{"pluginpath", render.Visible(pi.PluginPath)})
		if pi.ImportPath != "" && pi.ImportPath != pi.PluginPath {
			id = append(id, [2]string{"import path", render.Visible(pi.ImportPath)})
		}
		id = append(id, [2]string{"exports", strconv.Itoa(len(pi.Exports))})
	}
	if err := w.Fields("Identity", id); err != nil {
		return err
	}

	if pi != nil {
		if err := o.writeExports(w, pi); err != nil {
			return err
		}
		if err := o.writeInits(w, pi); err != nil {
			return err
		}
	}
	if len(d.CExports) > 0 {
		t := &render.Table{Title: "\nC functions exported with //export (callable from C after dlopen)",
			Header: []string{"NAME", "ADDRESS", "CGO WRAPPER"}, Kinds: []render.Kind{render.Name, render.Fixed, render.Name}}
		for _, e := range d.CExports {
			t.Rows = append(t.Rows, []string{e.Name, hex(e.Addr), e.Wrapper})
		}
		if err := w.Table(t); err != nil {
			return err
		}
	}
	if d.Build != nil {
		if err := o.writeBuild(w, d.Build); err != nil {
			return err
		}
	}
	if pi != nil {
		if err := o.writeHashes(w, pi); err != nil {
			return err
		}
	}
	if err := o.writeABI(w, d); err != nil {
		return err
	}
	notes := d.Notes
	if pi != nil {
		notes = append(append([]string{}, pi.Notes...), notes...)
	}
	w.List("\nNotes", notes)
	return nil
}

func describeKind(k elfinspect.Kind) string {
	switch k {
	case elfinspect.KindGoPlugin:
		return "Go plugin (-buildmode=plugin)"
	case elfinspect.KindGoCShared:
		return "Go c-shared library (-buildmode=c-shared): not a plugin; C hosts call its //export functions"
	case elfinspect.KindGoShared:
		return "Go shared library (-buildmode=shared): not a plugin"
	case elfinspect.KindGoExecutable:
		return "Go executable: not a plugin"
	case elfinspect.KindSharedLib:
		return "shared library (not built by Go): not a plugin"
	}
	return string(k) + ": not a plugin"
}

func (o *pluginOptions) writeExports(w *render.Doc, pi *goplugin.Plugin) error {
	t := &render.Table{
		Title:  "\nExports (what plugin.Lookup finds; the type is reflect.TypeOf of its result)",
		Header: []string{"NAME", "KIND", "GO TYPE", "ADDRESS"},
		Kinds:  []render.Kind{render.Name, render.Fixed, render.Name, render.Fixed},
	}
	var methods []string
	for _, e := range pi.Exports {
		typ := e.Type
		if typ == "" {
			typ = "(unknown)"
		}
		addr := hex(e.Addr)
		if e.Addr == 0 {
			addr = "(no .dynsym symbol)"
		}
		t.Rows = append(t.Rows, []string{e.Name, e.Kind, typ, addr})
		if len(e.Methods) > 0 {
			names := make([]string, len(e.Methods))
			for i, m := range e.Methods {
				names[i] = m.Name
				if m.Type != "" {
					names[i] += strings.TrimPrefix(m.Type, "func")
				}
			}
			methods = append(methods, fmt.Sprintf("%s (%s): %s", e.Name, typ, strings.Join(names, "; ")))
		}
	}
	if len(t.Rows) == 0 {
		t.Rows = append(t.Rows, []string{"(none)", "", "", ""})
	}
	if err := w.Table(t); err != nil {
		return err
	}
	if len(methods) > 0 {
		w.List("Method sets", methods)
	}
	return nil
}

func (o *pluginOptions) writeInits(w *render.Doc, pi *goplugin.Plugin) error {
	if len(pi.InitTasks) == 0 {
		return nil
	}
	t := &render.Table{
		Title:  "\nInit tasks (plugin.Open runs them in this order; a task the host already ran is skipped)",
		Header: []string{"PACKAGE", "FUNCS", "FUNCTIONS"},
		Kinds:  []render.Kind{render.Path, render.Fixed, render.Prose},
		Right:  []int{1},
	}
	for _, it := range pi.InitTasks {
		names := make([]string, len(it.Funcs))
		for i, fn := range it.Funcs {
			names[i] = fn.Name
			if names[i] == "" {
				names[i] = hex(fn.Addr)
			}
			names[i] = shortFunc(names[i], it.Package)
		}
		t.Rows = append(t.Rows, []string{it.Package, strconv.Itoa(len(it.Funcs)), strings.Join(names, ", ")})
	}
	return w.Table(t)
}

// shortFunc drops the package path from a function name: the PACKAGE
// column already says it.
func shortFunc(name, pkg string) string {
	if rest, ok := strings.CutPrefix(name, pkg+"."); ok {
		return rest
	}
	return name
}

func (o *pluginOptions) writeBuild(w *render.Doc, bi *elfinspect.BuildInfo) error {
	rows := [][2]string{{"go", bi.GoVersion}, {"path", bi.Path}}
	if bi.Main.Path != "" {
		rows = append(rows, [2]string{"main module", modString(bi.Main)})
	}
	for _, s := range bi.Settings {
		if o.deps || keySetting(s.Key) {
			rows = append(rows, [2]string{s.Key, s.Value})
		}
	}
	if err := w.Fields("\nBuild", rows); err != nil {
		return err
	}
	if len(bi.Deps) == 0 {
		return nil
	}
	if !o.deps {
		w.Text(fmt.Sprintf("%s (--deps lists them with every build setting)", count(len(bi.Deps), "module dependency", "module dependencies")))
		return nil
	}
	t := &render.Table{Title: "\nModule dependencies", Header: []string{"MODULE", "VERSION", "SUM"},
		Kinds: []render.Kind{render.Path, render.Prose, render.Fixed}}
	for _, m := range bi.Deps {
		t.Rows = append(t.Rows, []string{m.Path, modVersion(m), m.Sum})
	}
	return w.Table(t)
}

func modString(m elfinspect.Module) string {
	return strings.TrimSpace(m.Path + " " + modVersion(m))
}

func modVersion(m elfinspect.Module) string {
	v := m.Version
	if m.Replace != nil {
		v += " => " + modString(*m.Replace)
	}
	return v
}

func (o *pluginOptions) writeHashes(w *render.Doc, pi *goplugin.Plugin) error {
	if !o.hashes {
		w.Blank()
		w.Text(fmt.Sprintf("Package hashes: %s a link hash plugin.Open compares with the host's (--hashes lists them)", count(len(pi.PackageHashes), "package carries", "packages carry")))
		return nil
	}
	t := &render.Table{
		Title:  "\nPackage hashes (plugin.Open fails unless each equals the host's for the same package)",
		Header: []string{"PACKAGE", "LINK HASH"}, Kinds: []render.Kind{render.Path, render.Fixed},
	}
	for _, h := range pi.PackageHashes {
		t.Rows = append(t.Rows, []string{h.Package, h.Hash})
	}
	return w.Table(t)
}

func (o *pluginOptions) writeABI(w *render.Doc, d *goplugin.Description) error {
	a := d.ABI
	var rows [][2]string
	if a.Soname != "" {
		rows = append(rows, [2]string{"soname", a.Soname})
	}
	if len(a.Needed) > 0 {
		rows = append(rows, [2]string{"needed", strings.Join(a.Needed, ", ")})
	}
	rows = append(rows, [2]string{"dynamic symbols", fmt.Sprintf("%d defined, %d undefined", d.DynSyms.Defined, d.DynSyms.Undefined)})
	if a.ABI0Wrappers > 0 {
		ex := ""
		if len(a.ABI0Examples) > 0 {
			ex = " (e.g. " + strings.Join(a.ABI0Examples, ", ") + ")"
		}
		rows = append(rows, [2]string{".abi0 wrappers", strconv.Itoa(a.ABI0Wrappers) + ex})
	}
	for i, e := range a.InitArray {
		v := hex(e.Addr)
		if e.Symbol != "" {
			v += " " + e.Symbol
		}
		if e.RegistersModule {
			v += " (registers the module with the Go runtime)" + o.initCode[e.Addr]
		}
		rows = append(rows, [2]string{fmt.Sprintf(".init_array[%d]", i), v})
	}
	return w.Fields("\nDynamic linking", rows)
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }
