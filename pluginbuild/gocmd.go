package pluginbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// goCommand runs the go command with env appended to the environment (a
// later value of a variable wins) and returns its standard output. A
// failure is an error quoting the first lines of its standard error.
func goCommand(ctx context.Context, goCmd, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return stdout.Bytes(), &goError{args: args, stderr: strings.TrimSpace(stderr.String())}
		}
		return nil, fmt.Errorf("%s %s: %w", goCmd, strings.Join(args, " "), err)
	}
	return stdout.Bytes(), nil
}

// goError is a go command that ran and failed.
type goError struct {
	args   []string
	stderr string
}

func (e *goError) Error() string {
	return fmt.Sprintf("go %s: %s", strings.Join(e.args, " "), firstLines(e.stderr, 6))
}

// firstLines returns the first n lines of s, saying how many more there are.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n(%d more lines)", len(lines)-n)
}

// goEnv is what the recipe needs of `go env`.
type goEnv struct {
	GOVERSION, GOROOT, GOMODCACHE, GOOS, GOARCH, GOFLAGS, GOEXPERIMENT, CC string
	CGO_CFLAGS, CGO_CPPFLAGS, CGO_CXXFLAGS, CGO_LDFLAGS                    string
}

// cgoFlag returns the go command's value of a CGO_*FLAGS variable.
func (e *goEnv) cgoFlag(k string) string {
	switch k {
	case "CGO_CFLAGS":
		return e.CGO_CFLAGS
	case "CGO_CPPFLAGS":
		return e.CGO_CPPFLAGS
	case "CGO_CXXFLAGS":
		return e.CGO_CXXFLAGS
	}
	return e.CGO_LDFLAGS
}

func readGoEnv(ctx context.Context, goCmd, dir string, env []string) (*goEnv, error) {
	out, err := goCommand(ctx, goCmd, dir, env, "env", "-json", "GOVERSION", "GOROOT", "GOMODCACHE", "GOOS", "GOARCH", "GOFLAGS", "GOEXPERIMENT", "CC",
		"CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS")
	if err != nil {
		return nil, err
	}
	var e goEnv
	if err := json.Unmarshal(out, &e); err != nil {
		return nil, fmt.Errorf("go env -json: %w", err)
	}
	return &e, nil
}

// withEnv returns base with the variables of add set, replacing any
// earlier value.
func withEnv(base []string, add ...string) []string {
	out := make([]string, 0, len(base)+len(add))
	drop := map[string]bool{}
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, add...)
}

// lookupEnv finds a variable in an environment list.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// findGoMod returns the go.mod governing dir: in dir or the nearest
// parent.
func findGoMod(dir string) (string, bool) {
	for {
		p := dir + string(os.PathSeparator) + "go.mod"
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
		parent := dir[:max(strings.LastIndexByte(dir, os.PathSeparator), 0)]
		if parent == dir || parent == "" {
			if dir != "/" {
				if st, err := os.Stat("/go.mod"); err == nil && st.Mode().IsRegular() {
					return "/go.mod", true
				}
			}
			return "", false
		}
		dir = parent
	}
}
