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

func init() { subcommands = append(subcommands, newPluginCmd) }

type pluginOptions struct {
	json, hashes, deps bool
	path               string // the file being written, for the decoded .init_array code
}

func newPluginCmd() *cobra.Command {
	o := &pluginOptions{}
	cmd := &cobra.Command{
		Use:   "plugin [--json] [--hashes] [--deps] FILE...",
		Short: "Show a Go plugin's anatomy — pluginpath, exports and their Go types, inits, hashes — without loading it",
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
			first := true
			return eachFile(cmd, args, func(w io.Writer, path string) error {
				d, err := describe(cmd, path)
				if err != nil {
					return err
				}
				if o.json {
					return render.JSON(w, d)
				}
				if !first {
					fmt.Fprintln(w)
				}
				first = false
				o.path = path
				return o.write(w, d)
			})
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the anatomy as JSON, one object a file")
	cmd.Flags().BoolVar(&o.hashes, "hashes", false, "list every package with its link hash (default: a count)")
	cmd.Flags().BoolVar(&o.deps, "deps", false, "list every build setting and module dependency (default: the main ones)")
	return cmd
}

func describe(cmd *cobra.Command, path string) (*goplugin.Description, error) {
	f, err := openELF(cmd, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return goplugin.Describe(f)
}

// keySettings are the build settings shown without --deps: the ones that
// decide whether plugin.Open accepts a plugin.
var keySettings = map[string]bool{
	"-buildmode": true, "-compiler": true, "-trimpath": true, "-race": true, "-tags": true,
	"-gcflags": true, "-ldflags": true, "-asmflags": true, "CGO_ENABLED": true,
	"GOARCH": true, "GOOS": true, "GOAMD64": true, "GOARM64": true, "GOEXPERIMENT": true,
}

func (o *pluginOptions) write(w io.Writer, d *goplugin.Description) error {
	f := render.FormatTable
	id := [][2]string{{"file", d.File}, {"kind", describeKind(d.Kind)}, {"arch", d.Arch}}
	if d.GoVersion != "" {
		id = append(id, [2]string{"go version", d.GoVersion})
	}
	pi := d.Plugin
	if pi != nil {
		id = append(id, [2]string{"pluginpath", pi.PluginPath})
		if pi.ImportPath != "" && pi.ImportPath != pi.PluginPath {
			id = append(id, [2]string{"import path", pi.ImportPath})
		}
		id = append(id, [2]string{"exports", strconv.Itoa(len(pi.Exports))})
	}
	if err := render.Fields(w, f, "Identity", id); err != nil {
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
			Header: []string{"NAME", "ADDRESS", "CGO WRAPPER"}, Elide: 2, Width: render.Width}
		for _, e := range d.CExports {
			t.Rows = append(t.Rows, []string{e.Name, hex(e.Addr), e.Wrapper})
		}
		if err := t.Write(w, f); err != nil {
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
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nNotes")
		for _, n := range notes {
			fmt.Fprintln(w, "  -", n)
		}
	}
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

func (o *pluginOptions) writeExports(w io.Writer, pi *goplugin.Plugin) error {
	t := &render.Table{
		Title:  "\nExports (what plugin.Lookup finds; the type is reflect.TypeOf of its result)",
		Header: []string{"NAME", "KIND", "GO TYPE", "ADDRESS"},
		Elide:  2, Width: render.Width,
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
			methods = append(methods, fmt.Sprintf("  %s (%s): %s", e.Name, typ, strings.Join(names, "; ")))
		}
	}
	if len(t.Rows) == 0 {
		t.Rows = append(t.Rows, []string{"(none)", "", "", ""})
	}
	if len(methods) > 0 {
		t.Footer = "Method sets:\n" + strings.Join(methods, "\n")
	}
	return t.Write(w, render.FormatTable)
}

func (o *pluginOptions) writeInits(w io.Writer, pi *goplugin.Plugin) error {
	if len(pi.InitTasks) == 0 {
		return nil
	}
	t := &render.Table{
		Title:  "\nInit tasks (plugin.Open runs them in this order; a task the host already ran is skipped)",
		Header: []string{"PACKAGE", "FUNCS", "FUNCTIONS"},
		Right:  []int{1}, Elide: 2, Wrap: true, Width: render.Width,
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
	return t.Write(w, render.FormatTable)
}

// shortFunc drops the package path from a function name: the PACKAGE
// column already says it.
func shortFunc(name, pkg string) string {
	if rest, ok := strings.CutPrefix(name, pkg+"."); ok {
		return rest
	}
	return name
}

func (o *pluginOptions) writeBuild(w io.Writer, bi *elfinspect.BuildInfo) error {
	rows := [][2]string{{"go", bi.GoVersion}, {"path", bi.Path}}
	if bi.Main.Path != "" {
		rows = append(rows, [2]string{"main module", modString(bi.Main)})
	}
	for _, s := range bi.Settings {
		if o.deps || keySettings[s.Key] {
			rows = append(rows, [2]string{s.Key, s.Value})
		}
	}
	if err := render.Fields(w, render.FormatTable, "\nBuild", rows); err != nil {
		return err
	}
	if len(bi.Deps) == 0 {
		return nil
	}
	if !o.deps {
		_, err := fmt.Fprintf(w, "%s (--deps lists them with every build setting)\n", count(len(bi.Deps), "module dependency", "module dependencies"))
		return err
	}
	t := &render.Table{Title: "\nModule dependencies", Header: []string{"MODULE", "VERSION", "SUM"}, Elide: 2, Width: render.Width}
	for _, m := range bi.Deps {
		t.Rows = append(t.Rows, []string{m.Path, modVersion(m), m.Sum})
	}
	return t.Write(w, render.FormatTable)
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

func (o *pluginOptions) writeHashes(w io.Writer, pi *goplugin.Plugin) error {
	if !o.hashes {
		_, err := fmt.Fprintf(w, "\nPackage hashes: %s a link hash plugin.Open compares with the host's (--hashes lists them)\n", count(len(pi.PackageHashes), "package carries", "packages carry"))
		return err
	}
	t := &render.Table{
		Title:  "\nPackage hashes (plugin.Open fails unless each equals the host's for the same package)",
		Header: []string{"PACKAGE", "LINK HASH"}, Elide: 0, Width: render.Width,
	}
	for _, h := range pi.PackageHashes {
		t.Rows = append(t.Rows, []string{h.Package, h.Hash})
	}
	return t.Write(w, render.FormatTable)
}

func (o *pluginOptions) writeABI(w io.Writer, d *goplugin.Description) error {
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
			v += " (registers the module with the Go runtime)" + initArrayCode(o.path, e.Addr)
		}
		rows = append(rows, [2]string{fmt.Sprintf(".init_array[%d]", i), v})
	}
	return render.Fields(w, render.FormatTable, "\nDynamic linking", rows)
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }
