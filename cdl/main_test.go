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
)

// Fixture paths, built once by TestMain.
var (
	fixDir  string // the temporary directory holding everything below
	libTest string // testdata/cdltest.c: ctor, versions, zero symbol, call shapes
	libLazy string // testdata/lazy.c: references an undefined function
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cdltest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixDir = dir
	err = buildFixtures(dir)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "cdl tests: building C fixtures:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func goEnvCC() (string, error) {
	out, err := exec.Command("go", "env", "CC").Output()
	if err != nil {
		return "", fmt.Errorf("go env CC: %v", err)
	}
	cc := strings.TrimSpace(string(out))
	if cc == "" {
		cc = "cc"
	}
	return cc, nil
}

func buildFixtures(dir string) error {
	cc, err := goEnvCC()
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
	libTest = filepath.Join(dir, "libcdltest.so")
	libLazy = filepath.Join(dir, "libcdllazy.so")
	builds := [][]string{
		{"-shared", "-fPIC", "-O1", "-o", libTest, filepath.Join(td, "cdltest.c"),
			"-Wl,--version-script=" + filepath.Join(td, "cdltest.map"), "-Wl,-rpath,$ORIGIN/deps"},
		{"-shared", "-fPIC", "-O1", "-Wl,-z,lazy", "-o", libLazy, filepath.Join(td, "lazy.c")},
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
