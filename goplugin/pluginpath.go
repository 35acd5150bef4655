package goplugin

import (
	"debug/elf"
	"slices"
	"strconv"
	"strings"

	"github.com/soinspect/soinspect/internal/objabi"
)

// degrade lists exports by .dynsym prefix when the moduledata is unusable.
func (pr *pluginReader) degrade() {
	pi, im := pr.pi, pr.im
	if st := pr.symtab(); st != nil {
		for i := 1; i < st.N; i++ {
			s, _ := st.Sym(i)
			if string(st.NameBytes(s)) != "go:link.thispluginpath" {
				continue
			}
			if b, err := im.Bytes(s.Value, min(s.Size, maxGoString)); err == nil && len(b) > 0 {
				pi.PluginPath, pi.PluginPathSource = string(b), "symtab"
			}
			break
		}
	}
	if pi.PluginPath == "" && pi.Build.Path != "" && pi.Build.Path != "command-line-arguments" {
		pi.PluginPath, pi.PluginPathSource = objabi.PathToPrefix(pi.Build.Path), "buildinfo"
	}
	dyn, err := im.Dynsym()
	if err != nil {
		pr.note("no exports: %v", err)
		return
	}
	if pi.PluginPath == "" {
		// Built from files: the main package's init task names it.
		for i := 1; i < dyn.N; i++ {
			s, _ := dyn.Sym(i)
			n := dyn.NameBytes(s)
			if s.Defined() && strings.HasPrefix(string(n), "plugin/unnamed-") && strings.HasSuffix(string(n), "..inittask") {
				pi.PluginPath, pi.PluginPathSource = strings.TrimSuffix(string(n), "..inittask"), "dynsym"
				break
			}
		}
	}
	if pi.PluginPath == "" {
		pr.note("pluginpath not found")
		return
	}
	pi.ImportPath = objabi.PrefixToPath(pi.PluginPath)
	prefix := pi.PluginPath + "."
	for s, n := range prefixed(dyn, prefix) {
		if !isExportedIdent(n[len(prefix):]) {
			continue
		}
		sym, err := im.CopyString(n)
		if err != nil {
			pr.note("exports: %v", err)
			break
		}
		e := Export{Name: sym[len(prefix):], Kind: "var", Symbol: sym, Addr: s.Value, Size: s.Size}
		switch s.Type() {
		case elf.STT_FUNC:
			e.Kind = "func"
		case elf.STT_OBJECT:
		default:
			continue
		}
		pi.Exports = append(pi.Exports, e)
	}
	slices.SortFunc(pi.Exports, func(a, b Export) int { return strings.Compare(a.Name, b.Name) })
}

// isExportedIdent reports whether s is an exported Go identifier.
func isExportedIdent(s []byte) bool {
	if len(s) == 0 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80) {
			return false
		}
	}
	return true
}

// crossCheckPath compares the pluginpath with go:link.thispluginpath and
// the build info's main package path.
func (pr *pluginReader) crossCheckPath() {
	pi := pr.pi
	if pi.PluginPath == "" {
		return
	}
	switch bp := pi.Build.Path; {
	case bp == "command-line-arguments":
		if !strings.HasPrefix(pi.PluginPath, "plugin/unnamed-") {
			pr.note("built from files, but the pluginpath is %q, not plugin/unnamed-<hash>", pi.PluginPath)
		}
	case bp != "" && objabi.PathToPrefix(bp) != pi.PluginPath:
		pr.note("pluginpath %q does not match the build info's main package %q", pi.PluginPath, bp)
	}
}

// InitIndex numbers a package's init function symbols: -1 for "p.init",
// N for "p.init.N". Sorting by it puts "p.init" before "p.init.0" before
// "p.init.1", and "p.init.2" before "p.init.10". A name without ".init"
// is -1.
func InitIndex(sym string) int {
	i := strings.LastIndex(sym, ".init")
	if i < 0 {
		return -1
	}
	rest := strings.TrimPrefix(sym[i+len(".init"):], ".")
	if rest == "" {
		return -1
	}
	n, _ := strconv.Atoi(rest)
	return n
}
