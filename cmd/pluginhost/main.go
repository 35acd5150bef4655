// Command pluginhost is the classic Go plugin demo host: it opens
// plugin$PLUGIN_NUMBER.so with plugin.Open, looks up the exported Run,
// checks its type, calls it and prints the result.
//
// Usage:
//
//	pluginhost [-dir DIR] [-n N | PATH]
//
// The plugin number comes from -n, else from $PLUGIN_NUMBER, else 1.
// Every failure is one line on stderr and exit status 1.
package main

import (
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"plugin"
)

func main() {
	dir := flag.String("dir", "bin/plugins", "directory holding plugin<N>.so")
	num := flag.String("n", "", "plugin number (default $PLUGIN_NUMBER, else 1)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: pluginhost [-dir DIR] [-n N | PATH]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}

	path := flag.Arg(0)
	if path == "" {
		n := *num
		if n == "" {
			n = os.Getenv("PLUGIN_NUMBER")
		}
		if n == "" {
			n = "1"
		}
		path = filepath.Join(*dir, "plugin"+n+".so")
	}

	out, err := run(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pluginhost:", err)
		os.Exit(1)
	}
	fmt.Println(out)
}

// run opens the plugin at path and calls its Run.
func run(path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", err // "stat PATH: ...": it names the file
	}
	// plugin.Open aborts the whole process ("fatal error: runtime: no plugin
	// module data") when handed a C library or a Go c-shared library, so
	// look at the build info first: only -buildmode=plugin files go on.
	if err := isPlugin(path); err != nil {
		return "", err
	}
	p, err := plugin.Open(path)
	if err != nil {
		return "", errors.New(oneLine(err.Error())) // plugin.Open("PATH"): ...
	}
	sym, err := p.Lookup("Run")
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	runFn, ok := sym.(func() string)
	if !ok {
		return "", fmt.Errorf("%s: symbol Run has type %T, want func() string", path, sym)
	}
	return runFn(), nil
}

// isPlugin reports, without loading it, whether path is a Go plugin.
func isPlugin(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bi, err := buildinfo.Read(f) // ReadFile's errors would name the file again
	if err != nil {
		return fmt.Errorf("%s is not a Go plugin: %v", path, err)
	}
	for _, s := range bi.Settings {
		if s.Key == "-buildmode" && s.Value != "plugin" {
			return fmt.Errorf("%s is not a Go plugin: it was built with -buildmode=%s", path, s.Value)
		}
		if s.Key == "-buildmode" {
			return nil
		}
	}
	return fmt.Errorf("%s is not a Go plugin: it was built with the default -buildmode (an executable)", path)
}

// oneLine keeps the first line of a loader message: dlerror texts can be long.
func oneLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
