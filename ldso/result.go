package ldso

// DefaultInterpreter is the x86-64 dynamic loader, which ldd runs
// libraries (and every file) through.
const DefaultInterpreter = "/lib64/ld-linux-x86-64.so.2"

// Config is the loader's environment: what the process would be given.
// The zero Config is this machine as it is, with an empty environment.
type Config struct {
	// Root, when not "" or "/", is a directory taken as the root of the
	// file system: the cache, the preload file and every library are read
	// inside it, and nothing outside it is ever read.
	Root string
	// LibraryPath is LD_LIBRARY_PATH (entries separated by ':' or ';').
	LibraryPath string
	// Preload is LD_PRELOAD: names or paths, separated by spaces or ':'.
	Preload string
	// NoPreloadFile skips /etc/ld.so.preload.
	NoPreloadFile bool
	// NoCache skips /etc/ld.so.cache (as --inhibit-cache).
	NoCache bool
	// ISALevel is the x86-64 ISA level (1-4) the glibc-hwcaps directories
	// are picked by; 0 means this machine's CPU.
	ISALevel int
	// Platform is $PLATFORM; "" means "x86_64".
	Platform string
	// Lib is $LIB; "" means Debian's "lib/x86_64-linux-gnu".
	Lib string
	// Interpreter is the loader used for a file without PT_INTERP; ""
	// means DefaultInterpreter.
	Interpreter string
	// Secure forces the secure-execution rules (AT_SECURE); without it
	// they apply when the main file is setuid or setgid.
	Secure bool
	// Pool, if not nil, shares the objects read with other loads.
	Pool *Pool
	// AsExecuted takes $ORIGIN of the main program from its real path,
	// as the kernel starts it, instead of from the path as given, as
	// ldd (which runs the file through the loader) does.
	AsExecuted bool
}

// Loaded is one object of the load set, or a library that was not found.
type Loaded struct {
	// Name is the name it was first asked for by (l_libname).
	Name string
	// Path is the file as the loader named it (l_name); "" if not found.
	Path string
	// Via says how it was found, Dir in which search directory (with
	// its trailing slash), Hwcaps in which glibc-hwcaps subdirectory.
	Via    Via
	Dir    string
	Hwcaps string
	// Origin is set when the directory came from $ORIGIN.
	Origin bool
	// NeededBy lists the objects (by index in Result.Objects) whose
	// DT_NEEDED named it, in load order.
	NeededBy []int
	// Needs holds, for each DT_NEEDED entry in order, the index in
	// Result.Objects of the object it resolved to (-1 when the load
	// stopped before it).
	Needs []int
	// Tried lists, for a library not found, every path considered.
	Tried []string
	// Object is the file's dynamic information; nil if not found.
	Object *Object

	names  []string
	deps   []*Loaded
	id     fileID
	hasID  bool
	loader *Loaded
	rpath  []searchDir
	runp   []searchDir
	rpDone bool
	index  int
	cwdRel bool
}

// Found reports whether the object was found.
func (l *Loaded) Found() bool { return l.Object != nil }

// IsInterpreter reports whether l is the dynamic loader itself.
func (l *Loaded) IsInterpreter() bool { return l.Via == ViaInterpreter }

// Result is what the loader makes of one file.
type Result struct {
	// File is the path as given; Interpreter the dynamic loader.
	File        string
	Interpreter string
	// Objects is the load set in the loader's list order, the file
	// itself first; libraries not found are among them where ld.so
	// records them. The interpreter appears where ld.so lists it, if
	// anything needs it.
	Objects []*Loaded
	// Static is set for a file with no DT_NEEDED: ldd's "statically
	// linked".
	Static bool
	// Secure is set when the secure-execution rules applied.
	Secure bool
	// Fatal is an error that stopped the loading (ld.so's "error while
	// loading shared libraries"), nil if none.
	Fatal *LoadError
	// Warnings are messages ld.so prints and goes on (a preload that
	// cannot be found).
	Warnings []string

	interp *Loaded
	ld     *loader
	rtldAt int // index of the first reference to the interpreter, or -1
}

// NotLoadableError says the file given to Load is no object ld.so can
// load (ldd's "not a dynamic executable").
type NotLoadableError struct {
	File string
	Msg  string
}

func (e *NotLoadableError) Error() string { return e.File + ": " + e.Msg }

// LoadError is a failure in ld.so's words: "NAME: MSG".
type LoadError struct {
	Name string
	Msg  string
}

func (e *LoadError) Error() string {
	if e.Name == "" {
		return e.Msg
	}
	return e.Name + ": " + e.Msg
}

// Missing returns the libraries that were not found, in load order.
func (r *Result) Missing() []*Loaded {
	var out []*Loaded
	for _, l := range r.Objects {
		if !l.Found() {
			out = append(out, l)
		}
	}
	return out
}
