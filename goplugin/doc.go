// Package goplugin reads the anatomy of Go plugins (-buildmode=plugin)
// statically, from an elfinspect.File: what plugin.Open would learn without
// loading or running anything. Read gives a plugin's identity (pluginpath),
// its exports with their Go types exactly as reflect prints them, the init
// tasks plugin.Open runs, the link-time package hashes it is checked by,
// and its dynamic-linking facts. Describe gives an honest account of any
// ELF file; CExports lists a c-shared library's //export'ed functions;
// PackageHashes lists the hashes a host program exports to its plugins.
//
// The runtime's module data (runtime.moduledata) changes layout between Go
// releases: each release the package reads is described in its own file,
// moduledata_go1_NN.go (see SupportedGoReleases). A plugin of another
// release is read in a degraded way, from its dynamic symbols, and the
// result says so.
//
// The readers share one memory image per file with package plugincheck:
// reading the same File twice reads its tables once. Malformed input gives
// an error or a note, never a panic, a hang or unbounded memory. An error
// names the file once, as an *elfinspect.Error wrapping what is wrong
// (ErrNotPlugin, ErrNoPackageHashes, an *elfinspect.FormatError).
package goplugin
