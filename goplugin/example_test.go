package goplugin_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// ExampleRead lists a plugin's exports with their Go types. Run on the
// running program, which is no plugin, it shows the error instead; give it
// the path of a .so built with -buildmode=plugin to see exports.
func ExampleRead() {
	path, err := os.Executable() // or "plugin.so"
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := elfinspect.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	pi, err := goplugin.Read(f)
	var e *elfinspect.Error // err names the file: "/path/to/x: not a Go plugin: ..."
	if errors.Is(err, goplugin.ErrNotPlugin) && errors.As(err, &e) {
		fmt.Printf("%s: %v\n", e.Op, e.Err)
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pluginpath", pi.PluginPath)
	for _, e := range pi.Exports {
		fmt.Printf("%s %s %s\n", e.Kind, e.Name, e.Type)
	}
	// Output: read plugin: not a Go plugin: Go binary built with -buildmode=exe
}

// ExampleDescribe gives an account of any ELF file: here the running
// program, a Go executable with build information and no plugin anatomy.
func ExampleDescribe() {
	path, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := elfinspect.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	d, err := goplugin.Describe(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Kind, d.Build != nil, d.Plugin != nil)
	// Output: go-executable true false
}
