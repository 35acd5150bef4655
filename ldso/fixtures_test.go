package ldso

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// Fixtures built once with gcc, in a shared temporary directory.
var (
	fixOnce sync.Once
	fixDir  string
	fixErr  error
)

func needTools(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the loader modelled is x86-64 glibc's")
	}
	for _, tool := range []string{"gcc", "ldd"} {
		specimen.NeedTool(t, tool)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.Exit(code)
}

type buildStep struct {
	dir  string // relative to the fixture directory
	args []string
}

// fixtures builds the specimens of the loader's rules:
//
//	d1/libx.so, d2/libx.so      two libraries of one name (RPATH, RUNPATH, LD_LIBRARY_PATH)
//	d3/liby.so -> libzq.so      a library whose dependency lives only in d3
//	bin/rpath, bin/runpath      need libx.so with DT_RPATH / DT_RUNPATH d1
//	bin/runpath-y, bin/rpath-y  need liby.so with DT_RUNPATH / DT_RPATH d3
//	bin/origin                  RUNPATH $ORIGIN/../lib: lib/libo.so, which has RUNPATH $ORIGIN/sub: lib/sub/libp.so
//	bin/interpose               needs libi1.so then libi2.so, both defining shared_fn
//	bin/interpose-sysv          the same with libs1.so and libs2.so, which have only a SysV DT_HASH
//	bin/missing                 needs libgone.so, deleted
//	bin/version                 needs version VER_2 of libv.so, rebuilt with VER_1 only
func fixtures(t *testing.T) string {
	needTools(t)
	fixOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ldso-fixtures-")
		if err != nil {
			fixErr = err
			return
		}
		fixDir = dir
		for _, d := range []string{"d1", "d2", "d3", "bin", "lib/sub", "src", "gone"} {
			os.MkdirAll(filepath.Join(dir, d), 0o755)
		}
		files := map[string]string{
			"src/x1.c":   "int x_which(void) { return 1; }\n",
			"src/x2.c":   "int x_which(void) { return 2; }\n",
			"src/z.c":    "int z(void) { return 3; }\n",
			"src/y.c":    "int z(void);\nint y(void) { return z(); }\n",
			"src/p.c":    "int p(void) { return 4; }\n",
			"src/o.c":    "int p(void);\nint o(void) { return p(); }\n",
			"src/i1.c":   "int shared_fn(void) { return 1; }\n",
			"src/i2.c":   "int shared_fn(void) { return 2; }\nint i2_only(void) { return 2; }\n",
			"src/gone.c": "int gone(void) { return 5; }\n",
			"src/v.c":    "int vf(void) { return 6; }\n",
			"src/v2.map": "VER_2 { global: vf; local: *; };\n",
			"src/v1.map": "VER_1 { global: vf; local: *; };\n",
			"src/mx.c":   "int x_which(void);\nint main(void) { return x_which(); }\n",
			"src/my.c":   "int y(void);\nint main(void) { return y(); }\n",
			"src/mo.c":   "int o(void);\nint main(void) { return o(); }\n",
			"src/mi.c":   "int shared_fn(void);\nint i2_only(void);\nint main(void) { return shared_fn() + i2_only(); }\n",
			"src/mg.c":   "int gone(void);\nint main(void) { return gone(); }\n",
			"src/mv.c":   "int vf(void);\nint main(void) { return vf(); }\n",
		}
		for p, s := range files {
			if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
				fixErr = err
				return
			}
		}
		so := func(out, src string, extra ...string) buildStep {
			return buildStep{"", append([]string{"-shared", "-fPIC", "-o", out, "-Wl,-soname," + filepath.Base(out), src}, extra...)}
		}
		exe := func(out, src string, extra ...string) buildStep {
			return buildStep{"", append([]string{"-o", out, src, "-Wl,--no-as-needed"}, extra...)}
		}
		steps := []buildStep{
			so("d1/libx.so", "src/x1.c"),
			so("d2/libx.so", "src/x2.c"),
			so("d3/libzq.so", "src/z.c"),
			so("d3/liby.so", "src/y.c", "-Ld3", "-lzq"),
			so("lib/sub/libp.so", "src/p.c"),
			so("lib/libo.so", "src/o.c", "-Llib/sub", "-lp", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/sub"),
			so("d1/libi1.so", "src/i1.c"),
			so("d1/libi2.so", "src/i2.c"),
			so("d1/libs1.so", "src/i1.c", "-Wl,--hash-style=sysv"),
			so("d1/libs2.so", "src/i2.c", "-Wl,--hash-style=sysv"),
			so("gone/libgone.so", "src/gone.c"),
			so("d2/libv.so", "src/v.c", "-Wl,--version-script=src/v2.map"),
			exe("bin/rpath", "src/mx.c", "-Ld1", "-lx", "-Wl,--disable-new-dtags,-rpath,"+dir+"/d1"),
			exe("bin/runpath", "src/mx.c", "-Ld1", "-lx", "-Wl,--enable-new-dtags,-rpath,"+dir+"/d1"),
			exe("bin/runpath-y", "src/my.c", "-Ld3", "-ly", "-Wl,-rpath-link,d3", "-Wl,--enable-new-dtags,-rpath,"+dir+"/d3"),
			exe("bin/rpath-y", "src/my.c", "-Ld3", "-ly", "-Wl,-rpath-link,d3", "-Wl,--disable-new-dtags,-rpath,"+dir+"/d3"),
			exe("bin/origin", "src/mo.c", "-Llib", "-lo", "-Wl,-rpath-link,lib/sub", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"),
			exe("bin/interpose", "src/mi.c", "-Ld1", "-li1", "-li2", "-Wl,-rpath,"+dir+"/d1"),
			exe("bin/interpose-sysv", "src/mi.c", "-Ld1", "-ls1", "-ls2", "-Wl,-rpath,"+dir+"/d1"),
			exe("bin/missing", "src/mg.c", "-Lgone", "-lgone", "-Wl,-rpath,"+dir+"/gone"),
			exe("bin/version", "src/mv.c", "-Ld2", "-lv", "-Wl,-rpath,"+dir+"/d2"),
		}
		for _, s := range steps {
			cmd := exec.Command("gcc", s.args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				fixErr = &buildError{strings.Join(s.args, " "), string(out), err}
				return
			}
		}
		os.Remove(filepath.Join(dir, "gone/libgone.so"))
		cmd := exec.Command("gcc", so("d2/libv.so", "src/v.c", "-Wl,--version-script=src/v1.map").args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			fixErr = &buildError{"libv.so VER_1", string(out), err}
		}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixDir
}

type buildError struct {
	what, out string
	err       error
}

func (e *buildError) Error() string { return "gcc " + e.what + ": " + e.err.Error() + "\n" + e.out }

var lddLine = regexp.MustCompile(`^\t(\S+)(?: => (.*?))?(?: \(0x[0-9a-f]+\))?$`)

// lddPairs runs ldd (with env) and returns its objects as "name => path"
// or "name => not found", without the vdso, and the other lines.
func lddPairs(t *testing.T, file string, env ...string) (pairs, other []string) {
	cmd := exec.Command("ldd", file)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.CombinedOutput()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		m := lddLine.FindStringSubmatch(line)
		switch {
		case m == nil:
			other = append(other, line)
		case strings.HasPrefix(m[1], "linux-vdso"):
		case m[2] == "":
			pairs = append(pairs, m[1]+" => "+m[1])
		default:
			pairs = append(pairs, m[1]+" => "+m[2])
		}
	}
	return pairs, other
}

func ourPairs(t *testing.T, res *Result) []string {
	var out []string
	for _, l := range res.Objects[1:] {
		p := l.Path
		if !l.Found() {
			p = "not found"
		}
		out = append(out, l.Name+" => "+p)
	}
	return out
}

func load(t *testing.T, file string, cfg Config) *Result {
	t.Helper()
	res, err := Load(file, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Close() })
	return res
}

// sameAsLdd loads file and compares its objects with ldd's.
func sameAsLdd(t *testing.T, file string, cfg Config, env ...string) *Result {
	t.Helper()
	res := load(t, file, cfg)
	want, _ := lddPairs(t, file, env...)
	got := ourPairs(t, res)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: objects differ from ldd's\nldd:\n  %s\nldso:\n  %s", file, strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
	return res
}

func find(res *Result, name string) *Loaded {
	for _, l := range res.Objects {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// wantVia fails t unless res found the object name the way via, and at
// path when path is not "".
func wantVia(t *testing.T, res *Result, name string, via Via, path string) {
	t.Helper()
	if l := find(res, name); l == nil || l.Via != via || path != "" && l.Path != path {
		want := "via " + string(via)
		if path != "" {
			want = path + " " + want
		}
		t.Errorf("%s: %+v, want %s", name, l, want)
	}
}

func TestRPathBeforeLibraryPath(t *testing.T) {
	dir := fixtures(t)
	llp := dir + "/d2"
	res := sameAsLdd(t, dir+"/bin/rpath", Config{LibraryPath: llp}, "LD_LIBRARY_PATH="+llp)
	wantVia(t, res, "libx.so", ViaRPath, dir+"/d1/libx.so")
}

func TestLibraryPathBeforeRunPath(t *testing.T) {
	dir := fixtures(t)
	llp := dir + "/d2"
	res := sameAsLdd(t, dir+"/bin/runpath", Config{LibraryPath: llp}, "LD_LIBRARY_PATH="+llp)
	wantVia(t, res, "libx.so", ViaLibPath, dir+"/d2/libx.so")
	res = sameAsLdd(t, dir+"/bin/runpath", Config{})
	wantVia(t, res, "libx.so", ViaRunPath, "")
}

func TestRunPathIsNotTransitive(t *testing.T) {
	dir := fixtures(t)
	res := sameAsLdd(t, dir+"/bin/runpath-y", Config{})
	if l := find(res, "libzq.so"); l == nil || l.Found() {
		t.Errorf("libzq.so: %+v, want not found (DT_RUNPATH applies to the program's own needs only)", l)
	} else if len(l.Tried) == 0 {
		t.Errorf("libzq.so: no paths tried recorded")
	}
	res = sameAsLdd(t, dir+"/bin/rpath-y", Config{})
	wantVia(t, res, "libzq.so", ViaRPath, "") // the program's DT_RPATH
}

func TestOriginInProgramAndLibrary(t *testing.T) {
	dir := fixtures(t)
	// Run from elsewhere: $ORIGIN is the file's directory, not the cwd.
	res := sameAsLdd(t, dir+"/bin/origin", Config{})
	o, p := find(res, "libo.so"), find(res, "libp.so")
	if o == nil || !o.Origin || o.Path != dir+"/bin/../lib/libo.so" {
		t.Errorf("libo.so: %+v", o)
	}
	if p == nil || !p.Origin || p.Path != dir+"/bin/../lib/sub/libp.so" {
		t.Errorf("libp.so: %+v", p)
	}
	// The setuid rules: $ORIGIN in a program's RUNPATH must expand into a
	// trusted directory, which this one is not.
	res = load(t, dir+"/bin/origin", Config{Secure: true})
	if o := find(res, "libo.so"); o == nil || o.Found() {
		t.Errorf("secure: libo.so %+v, want not found", o)
	}
}

func TestInterposition(t *testing.T) {
	dir := fixtures(t)
	t.Run("gnu-hash", func(t *testing.T) { testInterposition(t, dir, "interpose", "libi1.so", "libi2.so") })
	// Libraries with only the SysV hash table: ld.so walks its buckets
	// and chains, the model too.
	t.Run("sysv-hash", func(t *testing.T) { testInterposition(t, dir, "interpose-sysv", "libs1.so", "libs2.so") })
}

func testInterposition(t *testing.T, dir, prog, first, second string) {
	res := sameAsLdd(t, dir+"/bin/"+prog, Config{})
	bs, err := Bind(res, BindOptions{Shadowed: true})
	if err != nil {
		t.Fatal(err)
	}
	var got *Binding
	for i := range bs {
		if bs[i].From == res.Objects[0] && bs[i].Symbol == "shared_fn" {
			got = &bs[i]
		}
	}
	if got == nil || got.To == nil || filepath.Base(got.To.Path) != first {
		t.Fatalf("shared_fn binds to %+v, want %s", got, first)
	}
	if len(got.Shadow) != 1 || filepath.Base(got.Shadow[0].Path) != second {
		t.Errorf("shared_fn shadows %v, want %s", got.Shadow, second)
	}
	// The real loader agrees.
	cmd := exec.Command(dir + "/bin/" + prog)
	cmd.Env = []string{"LD_TRACE_LOADED_OBJECTS=1", "LD_WARN=yes", "LD_BIND_NOW=1", "LD_DEBUG=bindings"}
	out, _ := cmd.CombinedOutput()
	if !regexp.MustCompile("binding file \\S+/bin/" + prog + " \\[0\\] to \\S+/" + regexp.QuoteMeta(first) + " \\[0\\]: normal symbol `shared_fn'").Match(out) {
		t.Errorf("ld.so's trace does not bind shared_fn to %s:\n%s", first, out)
	}
}

func TestMissingLibrary(t *testing.T) {
	dir := fixtures(t)
	res := sameAsLdd(t, dir+"/bin/missing", Config{})
	l := find(res, "libgone.so")
	if l == nil || l.Found() {
		t.Fatalf("libgone.so: %+v", l)
	}
	if len(l.Tried) == 0 || l.Tried[0] != dir+"/gone/libgone.so" {
		t.Errorf("tried %v, want the RPATH directory first", l.Tried)
	}
}

func TestMissingVersion(t *testing.T) {
	dir := fixtures(t)
	res := sameAsLdd(t, dir+"/bin/version", Config{})
	mvs := CheckVersions(res)
	_, other := lddPairs(t, dir+"/bin/version")
	want := dir + "/bin/version: " + dir + "/d2/libv.so: version `VER_2' not found (required by " + dir + "/bin/version)"
	if len(mvs) != 1 || dir+"/bin/version: "+mvs[0].Error() != want {
		t.Errorf("versions: %v, want %q", mvs, want)
	}
	if len(other) == 0 || other[0] != want {
		t.Errorf("ldd says %q, want %q", other, want)
	}
}

// TestRootWithItsOwnCache builds a root file system whose program needs a
// library found only through the root's own ld.so.cache (written by
// `ldconfig -r`), and plants an absolute symbolic link and a ".." escape
// that must resolve inside the root.
func TestRootWithItsOwnCache(t *testing.T) {
	dir := fixtures(t)
	ldconfig, err := exec.LookPath("ldconfig")
	if err != nil {
		if _, err := os.Stat("/sbin/ldconfig"); err != nil {
			t.Skip("no ldconfig")
		}
		ldconfig = "/sbin/ldconfig"
	}
	root := t.TempDir()
	for _, d := range []string{"etc", "opt/lib", "usr/lib/real", "usr/bin", "lib64", "lib/x86_64-linux-gnu"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	cp := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		specimen.WriteFile(t, filepath.Join(root, dst), b, 0o755)
	}
	// libo.so (RUNPATH $ORIGIN/sub) lives in /opt/lib, known only to the
	// cache; its libp.so is an absolute link to /usr/lib/real/libp.so,
	// which must be the root's, not the host's.
	cp(dir+"/lib/libo.so", "opt/lib/libo.so")
	cp(dir+"/lib/sub/libp.so", "usr/lib/real/libp.so")
	os.MkdirAll(filepath.Join(root, "opt/lib/sub"), 0o755)
	if err := os.Symlink("/usr/lib/real/libp.so", filepath.Join(root, "opt/lib/sub/libp.so")); err != nil {
		t.Fatal(err)
	}
	// libc.so.6 in the root is a link climbing far above it: it must stop
	// at the root, where there is no such file.
	if err := os.Symlink("../../../../../../../../usr/lib/x86_64-linux-gnu/libc.so.6", filepath.Join(root, "lib/x86_64-linux-gnu/libc.so.6")); err != nil {
		t.Fatal(err)
	}
	cp(dir+"/bin/origin", "usr/bin/app")
	os.WriteFile(filepath.Join(root, "etc/ld.so.conf"), []byte("/opt/lib\n"), 0o644)
	if out, err := exec.Command(ldconfig, "-r", root, "-X").CombinedOutput(); err != nil {
		t.Skipf("ldconfig -r: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/ld.so.cache")); err != nil {
		t.Fatal("ldconfig -r wrote no cache")
	}
	res := load(t, "/usr/bin/app", Config{Root: root})
	wantVia(t, res, "libo.so", ViaCache, "/opt/lib/libo.so") // the root's cache
	if p := find(res, "libp.so"); p == nil || p.Path != "/opt/lib/sub/libp.so" || !p.Origin {
		t.Errorf("libp.so: %+v, want /opt/lib/sub/libp.so via $ORIGIN", p)
	}
	if c := find(res, "libc.so.6"); c == nil || c.Found() {
		t.Errorf("libc.so.6: %+v: the link escaping the root must not reach the host's libc", c)
	}
	if hp, err := HostPath(root, "/opt/lib/sub/libp.so"); err != nil || hp != filepath.Join(root, "usr/lib/real/libp.so") {
		t.Errorf("HostPath = %q, %v; want the root's /usr/lib/real/libp.so", hp, err)
	}
	// The same tree without its cache: libo.so is not found.
	os.Remove(filepath.Join(root, "etc/ld.so.cache"))
	res = load(t, "/usr/bin/app", Config{Root: root})
	if o := find(res, "libo.so"); o == nil || o.Found() {
		t.Errorf("without the cache libo.so: %+v, want not found", o)
	}
}

// TestCacheLookupMatchesLdconfig holds Cache.Lookup to `ldconfig -p`: for
// every name of the system cache, the first x86-64 entry it lists.
func TestCacheLookupMatchesLdconfig(t *testing.T) {
	needTools(t)
	b, err := os.ReadFile("/etc/ld.so.cache")
	if err != nil {
		t.Skip(err)
	}
	c, err := ParseCache(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/sbin/ldconfig", "-p").Output()
	if err != nil {
		t.Skip(err)
	}
	want := map[string]string{}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), " (")
		if !ok || !strings.Contains(rest, "x86-64") || strings.Contains(rest, "hwcap") {
			continue
		}
		_, path, _ := strings.Cut(rest, " => ")
		if _, seen := want[name]; !seen {
			want[name] = path
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		t.Skip("ldconfig -p lists nothing")
	}
	for _, n := range names {
		got, _, ok := c.Lookup(n, 1)
		if !ok || got != want[n] {
			t.Errorf("Lookup(%q) = %q, %v; ldconfig -p says %q", n, got, ok, want[n])
		}
	}
	if n := len(c.Entries()); n < len(names) {
		t.Errorf("%d entries, ldconfig lists %d names", n, len(names))
	}
}

// TestSetuidOrigin: a setuid program's $ORIGIN is not trusted. The real
// loader is the judge where it can be made secure (root can run a
// setuid-root copy as nobody): the copy fails to start for want of the
// library its RUNPATH names through $ORIGIN, the plain program starts.
func TestSetuidOrigin(t *testing.T) {
	dir := fixtures(t)
	suid := filepath.Join(dir, "bin/origin-suid")
	b, err := os.ReadFile(filepath.Join(dir, "bin/origin"))
	if err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, suid, b, 0o755)
	if err := os.Chmod(suid, 0o755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	res := load(t, suid, Config{})
	if !res.Secure {
		t.Fatal("a setuid file is not loaded with the secure rules")
	}
	if o := find(res, "libo.so"); o == nil || o.Found() {
		t.Errorf("setuid: libo.so %+v, want not found ($ORIGIN ignored)", o)
	}
	plain := load(t, filepath.Join(dir, "bin/origin"), Config{})
	if o := find(plain, "libo.so"); o == nil || !o.Found() {
		t.Errorf("plain: libo.so %+v, want found", o)
	}

	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("the real loader can be made secure only by root with setpriv")
	}
	// The fixture tree must be readable by nobody.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	asNobody := func(file string) (string, int) {
		cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", file)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	if out, code := asNobody(filepath.Join(dir, "bin/origin")); code != 4 {
		t.Skipf("the plain program does not run as nobody (exit %d): %s", code, out)
	}
	out, code := asNobody(suid)
	if code != 127 || !strings.Contains(out, "libo.so: cannot open shared object file") {
		t.Errorf("the setuid copy as nobody: exit %d, %q; want 127 and libo.so not found", code, out)
	}
}
