//go:build linux && cgo

package cdl_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// Fixture paths, built by TestMain once for the whole test run (see
// package specimen).
var (
	fixDir  string // the directory holding everything below
	libTest string // testdata/cdltest.c: ctor, versions, zero symbol, call shapes
	libLazy string // testdata/lazy.c: references an undefined function
)

func TestMain(m *testing.M) {
	dir, err := specimen.BuildDir("cdl-fixtures", buildFixtures)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cdl tests: building C fixtures:", err)
		os.Exit(1)
	}
	fixDir = dir
	libTest = filepath.Join(dir, "libcdltest.so")
	libLazy = filepath.Join(dir, "libcdllazy.so")
	os.Exit(m.Run())
}

// buildFixtures compiles the C fixtures into dir.
func buildFixtures(dir string) error {
	cc, err := specimen.CC()
	if err != nil {
		return err
	}
	td, err := filepath.Abs("testdata")
	if err != nil {
		return err
	}
	// deps exists so that the run path shows up in SearchPath.
	if err := os.Mkdir(filepath.Join(dir, "deps"), 0o755); err != nil {
		return err
	}
	builds := [][]string{
		{"-shared", "-fPIC", "-O1", "-o", filepath.Join(dir, "libcdltest.so"), filepath.Join(td, "cdltest.c"),
			"-Wl,--version-script=" + filepath.Join(td, "cdltest.map"), "-Wl,-rpath,$ORIGIN/deps"},
		{"-shared", "-fPIC", "-O1", "-Wl,-z,lazy", "-o", filepath.Join(dir, "libcdllazy.so"), filepath.Join(td, "lazy.c")},
	}
	for _, args := range builds {
		cmd := exec.Command(cc, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// copyLib copies src to a new file under t.TempDir(): a new inode, so the
// loader treats it as an object it has never loaded.
func copyLib(t testing.TB, src, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}
