// Package probe runs soinspect's loading experiments, each in a child
// process: loading a file runs its code (C constructors, Go inits) and
// cannot be undone, and a call may crash, so none of it happens in the
// CLI's own process.
//
// For the raw way (cdl: dlopen, dlsym, a C call) the parent re-executes
// the soinspect binary in a hidden mode (ChildCommand, handled by
// ChildMain). The Go way (plugin.Open, Lookup, a call through reflect) runs
// in a probe host instead, a program of its own built from the source in
// probehost/ with the plugin's toolchain and settings (ChooseHost, cached
// as hostcache.go says), so that soinspect itself links no package plugin.
// Either child reports each step as one line of JSON on fd 3: one message
// type per experiment, RawMsg and GoMsg. What the loaded code
// prints goes to separate pipes for the load and call phases. The parent
// enforces a timeout by killing the child's process group, reaps it, and
// reads the Go runtime's crash report from its stderr (Crash).
//
// Raw, Go and Compare are the experiments. Static holds what the parent
// knows of the file without loading it (elfinspect), to resolve short
// names and to name addresses. Package probe never prints.
package probe
