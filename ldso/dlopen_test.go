package ldso

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A failed dlopen leaves no trace in the process: the objects it mapped
// are unloaded, so a later dlopen by the name of one of them searches
// again instead of finding it. The judge is the real dlopen, from a small
// C program that dlopens its arguments in turn and prints dlerror.
func TestFailedDlopenForgetsItsObjects(t *testing.T) {
	dir := fixtures(t)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "dlopener.c")
	prog := filepath.Join(tmp, "dlopener")
	if err := os.WriteFile(src, []byte(`#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL);
		printf("%s\n", h ? "ok" : dlerror());
	}
	return 0;
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-o", prog, src, "-Wl,--disable-new-dtags,-rpath,"+dir+"/d1").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	// d3/liby.so needs libzq.so, which lies in d3 only: its dlopen fails
	// after liby.so is mapped. liby.so by its bare name is then nowhere
	// the program searches; libi1.so is, through its RPATH.
	args := []string{filepath.Join(dir, "d3/liby.so"), "liby.so", filepath.Join(dir, "d3/liby.so"), "libi1.so"}
	out, err := exec.Command(prog, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", prog, err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	res := load(t, prog, Config{NoPreloadFile: true})
	n := len(res.Objects)
	for i, a := range args {
		op, err := res.Dlopen(a, Now|Global)
		if err != nil {
			t.Fatal(err)
		}
		got := "ok"
		if op.Err != nil {
			got = op.Err.Error()
		}
		if i >= len(want) || got != want[i] {
			t.Errorf("dlopen(%s): %q, the real dlopen: %q", a, got, want[min(i, len(want)-1)])
		}
		if op.Err != nil && len(res.Objects) != n {
			t.Errorf("after the failed dlopen(%s): %d objects in the process, had %d", a, len(res.Objects), n)
		}
		n = len(res.Objects)
	}
}
