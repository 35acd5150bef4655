package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/render"
)

// symbolsOptions are the flags of `soinspect symbols`.
type symbolsOptions struct {
	dynamic, static, all       bool
	debugSyms                  bool
	definedOnly, undefinedOnly bool
	match, pkg, lang, typ      string
	demangle, sort             string
	out                        outputFlags
	matchRE                    *regexp.Regexp
	langFilter                 *elfinspect.Lang
	typeFilter                 *elfinspect.SymType
	files                      int // how many files are listed: nm heads each with its name when several
}

// symbolsShort is the line for symbols in the root's help and in completion.
const symbolsShort = "List the symbols of ELF files, demangled, versioned and classified"

func newSymbolsCmd() *cobra.Command {
	o := &symbolsOptions{}
	cmd := &cobra.Command{
		Use:   "symbols [flags] FILE...",
		Short: symbolsShort,
		Long: `List the symbols of ELF files without loading them.

For a Go plugin the default view is a summary: the plugin's own package
symbols, then one line per other package with its symbol count (--all lists
every symbol). For other files the default is the dynamic symbol table — what
the loader sees — falling back to .symtab when there is none.

FILE - reads the ELF file from standard input (up to 4 GiB).`,
		Example: `  soinspect symbols bin/plugins/plugin1.so
  soinspect symbols --all --package runtime bin/plugins/plugin1.so
  soinspect symbols -D --match 'basic_string' /usr/lib/x86_64-linux-gnu/libstdc++.so.6
  soinspect symbols --format plain --demangle=none /lib/x86_64-linux-gnu/libc.so.6 | awk '$2 == "T"'`,
		Args: minArgs(1, "at least one FILE is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			o.files = len(args)
			return eachFile(cmd, args, func(w io.Writer, path string) error { return o.run(cmd, w, path) })
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.dynamic, "dynamic", "D", false, "list .dynsym only (what the dynamic loader sees)")
	f.BoolVar(&o.static, "static", false, "list .symtab only (the full static table)")
	f.BoolVar(&o.all, "all", false, "list every symbol (no Go plugin summary)")
	f.BoolVarP(&o.debugSyms, "debug-syms", "a", false, "include FILE and SECTION symbols, which nm also hides by default")
	f.BoolVar(&o.definedOnly, "defined-only", false, "only defined symbols")
	f.BoolVar(&o.undefinedOnly, "undefined-only", false, "only undefined symbols")
	f.StringVar(&o.match, "match", "", "only symbols whose raw or demangled name matches `REGEX`")
	f.StringVar(&o.pkg, "package", "", "only Go symbols of package `PKG` (import path)")
	f.StringVar(&o.lang, "lang", "", "only symbols of language `LANG`: c, c++, rust or go")
	f.StringVar(&o.typ, "type", "", "only symbols of ELF type `TYPE`: NOTYPE, OBJECT, FUNC, SECTION, FILE, COMMON, TLS, IFUNC")
	f.StringVar(&o.demangle, "demangle", "auto", "demangle C++ and Rust names: auto or none")
	f.StringVar(&o.sort, "sort", "name", "sort by name, addr, size, or none (table order)")
	o.out.add(cmd)
	return cmd
}

func (o *symbolsOptions) validate() error {
	if o.dynamic && o.static {
		return usagef("--dynamic and --static are exclusive")
	}
	if o.definedOnly && o.undefinedOnly {
		return usagef("--defined-only and --undefined-only are exclusive")
	}
	if o.match != "" {
		re, err := regexp.Compile(o.match)
		if err != nil {
			return usagef("--match: %v", err)
		}
		o.matchRE = re
	}
	if o.lang != "" {
		l, err := elfinspect.ParseLang(strings.ToLower(o.lang))
		if err != nil {
			return usagef("--lang: %v", err)
		}
		o.langFilter = &l
	}
	if o.typ != "" {
		t, err := elfinspect.ParseSymType(strings.ToUpper(o.typ))
		if err != nil {
			return usagef("--type: unknown symbol type %q; want %s", o.typ, orList(symTypeNames()))
		}
		o.typeFilter = &t
	}
	switch o.demangle {
	case "auto", "none":
	default:
		return usagef("--demangle: want auto or none, not %q", o.demangle)
	}
	if _, err := elfinspect.ParseSortKey(o.sort); err != nil {
		return usagef("--sort: %v", err)
	}
	return nil
}

// symbolsReport is one file's listing: the JSON object of `symbols --json`
// and the data behind its table.
type symbolsReport struct {
	File       string              `json:"file"`
	Kind       elfinspect.Kind     `json:"kind"`
	Class      string              `json:"class"`
	Endian     string              `json:"endian"`
	Machine    string              `json:"machine"`
	Type       string              `json:"type"`
	PluginPath string              `json:"pluginpath,omitempty"`
	Warning    string              `json:"warning,omitempty"` // the file's Damage
	Symbols    []elfinspect.Symbol `json:"symbols"`

	table    elfinspect.Table
	total    int            // symbols in the table before filtering
	packages []packageCount // the summary view's other packages; nil when listing all
}

// packageCount is one line of the Go plugin summary.
type packageCount struct {
	pkg   string
	count int
}

func (o *symbolsOptions) run(cmd *cobra.Command, w io.Writer, path string) error {
	// Like readelf, list what the dynamic segment still says when the
	// section headers are damaged, with a warning.
	f, err := openELFWith(cmd, path, elfinspect.OpenUsingDynamic)
	if err != nil {
		return err
	}
	defer f.Close()
	path = displayPath(path)
	if f.Damage != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "soinspect symbols: %s: warning: %s\n", path, f.Damage)
	}

	rep := &symbolsReport{File: path, Kind: f.Kind(), Class: f.Class(), Endian: f.Endian(), Machine: f.Machine(), Type: f.Type(), Warning: f.Damage}
	// The pluginpath heads the table and the JSON; plain output, made for
	// scripts and timed against nm, has no header and skips the work.
	if rep.Kind == elfinspect.KindGoPlugin && o.out.opts.Format != render.FormatPlain {
		if pi, err := goplugin.Read(f); err == nil {
			rep.PluginPath = pi.PluginPath
		}
	}

	syms, table, err := o.load(f)
	if err != nil {
		return err
	}
	rep.table, rep.total = table, len(syms)
	syms = o.filter(syms)

	summary := rep.PluginPath != "" && !o.all && o.pkg == "" && o.matchRE == nil && o.out.opts.Format != render.FormatJSON
	if summary {
		syms, rep.packages = splitOwnPackage(syms, rep.PluginPath)
	}
	// Demangle only what will be shown, in parallel. The plain listing
	// demangles while it prints (see plainSymbols) unless --match needs the
	// demangled names first.
	streamed := o.out.opts.Format == render.FormatPlain && o.matchRE == nil
	if !streamed {
		roomForListing()
	}
	if o.demangle == "auto" && !streamed {
		elfinspect.Demangle(syms)
	}
	if o.matchRE != nil {
		syms = slices.DeleteFunc(syms, func(s elfinspect.Symbol) bool {
			return !o.matchRE.MatchString(s.Name) && (s.Demangled == "" || !o.matchRE.MatchString(s.Demangled))
		})
	}
	elfinspect.SortSymbols(syms, elfinspect.SortKey(o.sort))
	rep.Symbols = syms
	if o.out.opts.Format == render.FormatPlain {
		if o.files > 1 {
			// nm's header for each of several files, byte for byte.
			name := path
			if o.out.opts.Terminal {
				name = render.Visible(name)
			}
			fmt.Fprintf(w, "\n%s:\n", name)
		}
		return plainSymbols(w, rep, o.demangle == "auto" && streamed, o.out.opts.Terminal)
	}
	return o.write(w, rep)
}

// load reads the table the flags ask for: .dynsym, .symtab, or by default
// .dynsym falling back to .symtab.
func (o *symbolsOptions) load(f *elfinspect.File) ([]elfinspect.Symbol, elfinspect.Table, error) {
	switch {
	case o.dynamic:
		s, err := f.DynamicSymbols()
		return s, elfinspect.TableDynsym, err
	case o.static:
		s, err := f.StaticSymbols()
		return s, elfinspect.TableSymtab, err
	}
	s, err := f.DynamicSymbols()
	if err == nil && len(s) > 0 {
		return s, elfinspect.TableDynsym, nil
	}
	if err != nil && !errors.Is(err, elfinspect.ErrNoSymbols) {
		return nil, 0, err
	}
	s, err = f.StaticSymbols()
	if errors.Is(err, elfinspect.ErrNoSymbols) {
		// Named once, as elfinspect names the file in its own errors.
		return nil, 0, &elfinspect.Error{Op: "read symbols", Path: f.Path, Err: fmt.Errorf("%w (neither .dynsym nor .symtab)", elfinspect.ErrNoSymbols)}
	}
	return s, elfinspect.TableSymtab, err
}

// filter applies every filter that does not need demangled names, in place.
func (o *symbolsOptions) filter(syms []elfinspect.Symbol) []elfinspect.Symbol {
	return slices.DeleteFunc(syms, func(s elfinspect.Symbol) bool {
		switch {
		case !o.debugSyms && o.typeFilter == nil && (s.Type == elfinspect.TypeFile || s.Type == elfinspect.TypeSection),
			o.definedOnly && !s.Defined,
			o.undefinedOnly && s.Defined,
			o.langFilter != nil && s.Lang != *o.langFilter,
			o.typeFilter != nil && s.Type != *o.typeFilter,
			o.pkg != "" && (s.Go == nil || s.Go.Package != o.pkg):
			return true
		}
		return false
	})
}

// splitOwnPackage keeps the symbols of the plugin's own package and counts
// the others by package ("(c)" for symbols that are not Go's, "(linker)"
// for linker-generated Go names of no package).
func splitOwnPackage(syms []elfinspect.Symbol, pluginpath string) ([]elfinspect.Symbol, []packageCount) {
	counts := map[string]int{}
	own := syms[:0]
	for _, s := range syms {
		switch {
		case s.Go != nil && s.Go.Package == pluginpath:
			own = append(own, s)
		case s.Go != nil && s.Go.Package != "":
			counts[s.Go.Package]++
		case s.Go != nil:
			counts["(linker-generated)"]++
		default:
			counts["(non-Go: "+s.Lang.String()+")"]++
		}
	}
	pkgs := make([]packageCount, 0, len(counts))
	for p, n := range counts {
		pkgs = append(pkgs, packageCount{p, n})
	}
	slices.SortFunc(pkgs, func(a, b packageCount) int {
		return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.pkg, b.pkg))
	})
	return own, pkgs
}

func (o *symbolsOptions) write(w io.Writer, rep *symbolsReport) error {
	if o.out.opts.Format == render.FormatJSON {
		return render.JSON(w, rep)
	}

	var head []string
	// A title's lines are split at newlines: one in a name shows as ^J.
	head = append(head, fmt.Sprintf("%s: %s, %s %s-endian %s %s", render.Visible(rep.File), rep.Kind, rep.Class, rep.Endian, rep.Machine, rep.Type))
	if rep.PluginPath != "" {
		head = append(head, "pluginpath: "+render.Visible(rep.PluginPath))
	}
	shown := fmt.Sprintf("%d of %s in .%s", len(rep.Symbols), count(rep.total, "symbol", "symbols"), rep.table)
	if rep.packages != nil {
		shown = fmt.Sprintf("%s in .%s; %d of them in the plugin's own package, named below as %s.…",
			count(rep.total, "symbol", "symbols"), rep.table, len(rep.Symbols), shortPkg(rep.PluginPath))
	}
	head = append(head, shown)

	t := &render.Table{
		Title:  strings.Join(head, "\n"),
		Header: []string{"ADDRESS", "SIZE", "T", "BIND", "VERSION", "NAME"},
		Kinds:  []render.Kind{render.Fixed, render.Fixed, render.Fixed, render.Fixed, render.Name, render.Name},
		Right:  []int{1},
	}
	// People read addresses, not zero padding: pad to the widest shown.
	addrWidth := 8
	var maxSize uint64
	verWidth := 0
	for i := range rep.Symbols {
		s := &rep.Symbols[i]
		addrWidth = max(addrWidth, (bits.Len64(s.Value)+3)/4)
		maxSize = max(maxSize, s.Size)
		if s.Version != "" {
			verWidth = max(verWidth, len(versionSuffix(s)))
		}
	}
	// On a narrow line the version goes back after the name, as nm
	// writes it, and BIND goes (the letter says it: T global, t local,
	// W weak, u unique), so that the name keeps room to be read.
	sizeWidth := max(len(strconv.FormatUint(maxSize, 10)), 4)
	narrow := o.out.opts.Width > 0 && 3*6+1+addrWidth+sizeWidth+1+6+max(verWidth, 7)+24 > o.out.opts.Width
	if narrow {
		t.Header = []string{"ADDRESS", "SIZE", "T", "NAME"}
		t.Kinds = []render.Kind{render.Fixed, render.Fixed, render.Fixed, render.Name}
	}
	ncols := len(t.Header)
	cells := make([]string, len(rep.Symbols)*ncols) // one allocation for every row
	t.Rows = make([][]string, 0, len(rep.Symbols))
	for i := range rep.Symbols {
		s := &rep.Symbols[i]
		row := cells[i*ncols : i*ncols : (i+1)*ncols]
		addr := ""
		if s.Defined || s.Value != 0 {
			addr = hex0(s.Value, addrWidth)
		}
		ver := versionSuffix(s)
		name := s.DisplayName()
		if rep.packages != nil {
			// The header names the pluginpath; the rows need only its last element.
			if rest, ok := strings.CutPrefix(name, rep.PluginPath+"."); ok {
				name = shortPkg(rep.PluginPath) + "." + rest
			}
		}
		if narrow {
			t.Rows = append(t.Rows, append(row, addr, strconv.FormatUint(s.Size, 10), s.Letter.String(), name+ver))
			continue
		}
		t.Rows = append(t.Rows, append(row, addr, strconv.FormatUint(s.Size, 10), s.Letter.String(), s.Bind.String(), ver, name))
	}
	if len(t.Rows) == 0 {
		t.Rows = append(t.Rows, make([]string, len(t.Header)))
		t.Rows[0][len(t.Header)-1] = "(no symbols match)"
	}
	// Go symbols carry no versions: an empty VERSION column is only noise.
	if !narrow && !slices.ContainsFunc(t.Rows, func(r []string) bool { return r[4] != "" }) {
		t.Header = slices.Delete(t.Header, 4, 5)
		t.Kinds = slices.Delete(t.Kinds, 4, 5)
		for i := range t.Rows {
			t.Rows[i] = slices.Delete(t.Rows[i], 4, 5)
		}
	}
	if err := t.Write(w, o.out.opts); err != nil {
		return err
	}
	if rep.packages == nil {
		return nil
	}
	pt := &render.Table{
		Title:  "\nOther packages (--all lists their symbols, --package PKG one of them)",
		Header: []string{"PACKAGE", "SYMBOLS"},
		Kinds:  []render.Kind{render.Path, render.Fixed},
		Right:  []int{1},
	}
	for _, p := range rep.packages {
		pt.Rows = append(pt.Rows, []string{p.pkg, strconv.Itoa(p.count)})
	}
	return pt.Write(w, o.out.opts)
}

// plainSymbols writes an nm-like listing: value (blank when undefined),
// letter, name with @VER or @@VER — byte for byte what nm prints, so that
// scripts written for nm work unchanged. With demangle, it demangles the
// symbols in parallel as it prints them, part by part, and drops each
// part's demangled names once printed: the listing starts at once and the
// names are never all in memory.
//
// On a terminal (visible), names are made visible instead (see
// render.Visible): a name may hold escape sequences.
func plainSymbols(w io.Writer, rep *symbolsReport, demangle, visible bool) error {
	addrWidth := 16
	if rep.Class == "ELF32" {
		addrWidth = 8
	}
	p := render.NewPlain(w)
	print := func(part []elfinspect.Symbol) error {
		for i := range part {
			s := &part[i]
			p.Hex(s.Value, addrWidth, !s.Defined && s.Value == 0)
			p.Field(s.Letter.String())
			if visible {
				p.Field(render.Visible(s.DisplayName()))
				p.Append(render.Visible(versionSuffix(s)))
			} else {
				p.Field(s.DisplayName())
				p.Append(versionSuffix(s))
			}
			p.End()
			if demangle {
				s.Demangled = ""
			}
		}
		return nil
	}
	var err error
	if demangle {
		err = elfinspect.DemangleInOrder(rep.Symbols, print)
	} else {
		err = print(rep.Symbols)
	}
	if err != nil {
		return err
	}
	return p.Flush()
}

// shortPkg is the last element of an import path, as Go code names a package.
func shortPkg(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// versionSuffix is the "@VER" or "@@VER" nm prints after a name, or "":
// @VER for a hidden or required version, @@VER for a default one, and no
// version for a version's own definition symbol (GLIBC_2.2.5 in .dynsym).
func versionSuffix(s *elfinspect.Symbol) string {
	switch {
	case s.Version == "" || s.Version == s.Name && s.Section == "ABS":
		return ""
	case s.Hidden || s.Library != "":
		return "@" + s.Version
	}
	return "@@" + s.Version
}

// hex0 formats v as lower-case hex, zero-padded to width digits.
func hex0(v uint64, width int) string {
	var buf [16]byte
	s := strconv.AppendUint(buf[:0], v, 16)
	if len(s) >= width {
		return string(s)
	}
	return strings.Repeat("0", width-len(s)) + string(s)
}
