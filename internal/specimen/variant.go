package specimen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Concurrent `go build`s do not share their work: each compiles whatever
// the build cache lacks. Cold, three plugins built at once compile the
// standard library for -buildmode=plugin three times. So the first build
// of each variant (the flags that change how the standard library is
// compiled: build mode, -trimpath, -race, -gcflags, GOARCH, the toolchain,
// cgo) runs alone, across all test processes; once one has succeeded, the
// builds of that variant run in parallel.

// variant returns the part of a go build's arguments and extra
// environment that changes the compilation of the standard library.
func variant(args, env []string) string {
	var v []string
	for _, a := range args {
		for _, p := range []string{"-buildmode=", "-trimpath", "-race", "-msan", "-asan", "-gcflags", "-tags", "-cover"} {
			if strings.HasPrefix(a, p) {
				v = append(v, a)
			}
		}
	}
	for _, e := range env {
		for _, p := range []string{"GOARCH=", "GOOS=", "GOAMD64=", "GOTOOLCHAIN=", "CGO_ENABLED=", "GOFLAGS=", "GOEXPERIMENT="} {
			if strings.HasPrefix(e, p) {
				v = append(v, e)
			}
		}
	}
	return strings.Join(v, " ")
}

// warmFirst runs build alone if it is the first of its variant in this
// cache key, with the others of the variant waiting for it, and
// concurrently with them otherwise.
func warmFirst(variant string, build func() error) error {
	key, err := keyDir()
	if err != nil {
		return err
	}
	base := filepath.Join(key, "variant-"+hashOf(variant))
	warm := base + ".warm"
	if _, err := os.Stat(warm); err == nil {
		return build()
	}
	lock, err := os.OpenFile(base+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %v", lock.Name(), err)
	}
	if _, err := os.Stat(warm); err == nil {
		syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		return build()
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if err := build(); err != nil {
		return err
	}
	return os.WriteFile(warm, nil, 0o644)
}

// GoBuild runs `go build args...` in dir with env added to the
// environment, as the harness runs its own builds: the first of each
// variant alone (see warmFirst). It returns the command's output.
func GoBuild(dir string, env []string, args ...string) ([]byte, error) {
	var output bytes.Buffer
	err := warmFirst(variant(args, env), func() error {
		cmd := exec.Command("go", append([]string{"build"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = &output, &output
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: go build %s: %v\n%s", dir, strings.Join(args, " "), err, output.Bytes())
		}
		return nil
	})
	return output.Bytes(), err
}
