package plugincheck

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// parseCompatInput turns fuzz text into two build infos and hash lists.
// One item a line:
//
//	hv|pv VERSION        toolchain of host or plugin
//	hs|ps KEY=VALUE      build setting
//	hd|pd PATH VER [=> RPATH [RVER]]   module dependency
//	H|P|E PKG HASH       host, plugin (in order), earlier plugin hash
//	R NAME:TYPE          requirement
func parseCompatInput(s string) (hb, pb *elfinspect.BuildInfo, host, earlier map[string]string, plugin []goplugin.PackageHash, reqs []string) {
	hb, pb = &elfinspect.BuildInfo{}, &elfinspect.BuildInfo{}
	host, earlier = map[string]string{}, map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		tag, rest, _ := strings.Cut(line, " ")
		f := strings.Fields(rest)
		bi := hb
		if strings.HasPrefix(tag, "p") {
			bi = pb
		}
		switch tag {
		case "hv", "pv":
			bi.GoVersion = rest
		case "hs", "ps":
			k, v, _ := strings.Cut(rest, "=")
			bi.Settings = append(bi.Settings, elfinspect.BuildSetting{Key: k, Value: v})
		case "hd", "pd":
			if len(f) == 0 {
				continue
			}
			m := elfinspect.Module{Path: f[0]}
			if len(f) > 1 {
				m.Version = f[1]
			}
			if len(f) > 3 && f[2] == "=>" {
				m.Replace = &elfinspect.Module{Path: f[3]}
				if len(f) > 4 {
					m.Replace.Version = f[4]
				}
			}
			if bi.Main.Path == "" && len(f) == 1 {
				bi.Main = m
			} else {
				bi.Deps = append(bi.Deps, m)
			}
		case "H", "P", "E":
			if len(f) < 2 {
				continue
			}
			switch tag {
			case "H":
				host[f[0]] = f[1]
			case "E":
				earlier[f[0]] = f[1]
			default:
				plugin = append(plugin, goplugin.PackageHash{Package: f[0], Hash: f[1]})
			}
		case "R":
			reqs = append(reqs, rest)
		}
	}
	return
}

const compatSeed = `hv go1.26.8
pv go1.27.3
hs -buildmode=exe
ps -buildmode=plugin
ps -trimpath=true
hs -gcflags=
ps -gcflags=all=-N -l
hs CGO_ENABLED=1
ps CGO_ENABLED=1
hd example.com/compat
pd example.com/compat
hd example.com/dep v1.2.0 => ../dep12
pd example.com/dep v1.3.0 => ../dep13 (devel)
H runtime 0011223344556677
P runtime 0011223344556678
H example.com/dep 0102030405060708
P example.com/dep 0102030405060709
P example.com/dep/extra aaaaaaaaaaaaaaaa
E example.com/dep/extra aaaaaaaaaaaaaaab
P example.com/compat/plugin bbbbbbbbbbbbbbbb
R Run:func() string
R Count:*int`

// FuzzCompat feeds mutated build infos and hash lists to the comparison:
// no panic, every differing package listed once in the plugin's order,
// each with both hashes and a cause, and nothing listed that does not
// differ.
func FuzzCompat(f *testing.F) {
	f.Add(compatSeed)
	f.Add("")
	f.Add("H a x\nP a y\nP a y\nP b z")
	f.Add("hd example.com\npd example.com/x v1\nH example.com/x/y 1\nP example.com/x/y 2")
	f.Fuzz(func(t *testing.T, s string) {
		hb, pb, host, earlier, plugin, reqs := parseCompatInput(s)
		c := &checker{host: &hostFacts{bi: hb, hashes: host}}
		c.mapped = []*loaded{{name: "earlier.so", hashes: earlier}, {name: "self.so", hashes: map[string]string{}}}
		a := &analysis{hashes: plugin, ordered: true, bi: pb, info: &goplugin.Plugin{Exports: []goplugin.Export{{Name: "Run", Kind: "func", Type: "func() string"}}}}
		var v Verdict
		c.compareHashes(nil, &v, a)
		var want []string
		for _, h := range plugin {
			have, from := c.runtimeHash(h.Package)
			if from != "" && have != h.Hash {
				want = append(want, h.Package)
			}
		}
		got := v.Packages()
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("packages %q, want %q", got, want)
		}
		for _, r := range v.Reasons {
			if r.Code != ReasonPackageHash {
				continue
			}
			if r.HostHash == r.PluginHash || r.Cause == "" || r.HashFrom == "" {
				t.Fatalf("reason %+v: equal hashes, or no cause or origin", r)
			}
		}
		if len(want) > 0 && v.FirstPackage() != want[0] {
			t.Fatalf("first package %q, want %q", v.FirstPackage(), want[0])
		}
		v.MeetsRequirements = true
		for _, rs := range reqs {
			if r, err := ParseRequirement(rs); err == nil {
				c.checkRequirements(&v, a, []Requirement{r})
			}
		}
		_ = settingsDiffList(hb, pb, "host", "plugin")
		_ = normType(s)
		_ = v.OpenError(s)
	})
}

func TestNormType(t *testing.T) {
	for _, tt := range [][2]string{
		{"func() string", "func()string"},
		{"func(int, string) (bool, error)", "func(int,string)(bool,error)"},
		{"map[string] chan int", "map[string]chan int"},
		{"*main.Config", "*main.Config"},
	} {
		if got := normType(tt[0]); got != tt[1] {
			t.Errorf("normType(%q) = %q, want %q", tt[0], got, tt[1])
		}
	}
}

func TestCause(t *testing.T) {
	hb, pb, _, _, _, _ := parseCompatInput(compatSeed)
	c := newCauser(hb, pb)
	for pkg, want := range map[string]string{
		"example.com/dep":   "module example.com/dep: host v1.2.0 => ../dep12, plugin v1.3.0 => ../dep13",
		"runtime":           "toolchain go1.26.8 vs go1.27.3",
		"example.com/other": "-trimpath: host unset, plugin true",
	} {
		if got := c.cause(pkg); !strings.Contains(got, want) {
			t.Errorf("cause(%s) = %q, want it to contain %q", pkg, got, want)
		}
	}
}
