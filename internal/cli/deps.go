package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/ldso"
)

// depsOptions are the flags of `soinspect deps`.
type depsOptions struct {
	format      string
	json        bool
	bindings    bool
	root        string
	libraryPath string
	env         bool
	preload     string
	noPreload   bool
	noCache     bool
	isaLevel    int
	platform    string
	secure      bool
	asExecuted  bool
}

// depsShort is the line for deps in the root's help and in completion.
const depsShort = "Resolve shared library dependencies as glibc's ld.so would, without running anything"

func newDepsCmd() *cobra.Command {
	o := &depsOptions{}
	cmd := &cobra.Command{
		Use:   "deps [flags] FILE...",
		Short: depsShort,
		Long: `Resolve the libraries FILE needs the way glibc's dynamic loader does —
DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.cache with its
glibc-hwcaps subdirectories, the default directories, $ORIGIN, $LIB and
$PLATFORM, deduplication by soname and file identity — and say how each was
found. Nothing is loaded or run: the files are only read.

Formats: tree (default: each library with [how it was found], duplicates
folded), ldd (exactly what ldd prints, without load addresses), dot
(Graphviz), markdown, json (one object per file).

--bindings adds, for every undefined symbol, the object it binds to and the
version, the definitions it shadows, and the symbols left unresolved.

Exit status: 0 when everything resolves, 1 when something is missing, 2 for
usage errors.`,
		Example: `  soinspect deps /usr/bin/ls
  soinspect deps --format ldd /usr/lib/x86_64-linux-gnu/libgtk-3.so.0
  soinspect deps --bindings --json bin/plugins/plugin1.so
  soinspect deps --root ./rootfs /usr/bin/app   # FILE is a path inside the root
  soinspect deps --format dot /usr/bin/curl | dot -Tsvg > curl.svg`,
		Args: minArgs(1, "deps: at least one FILE is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.json {
				o.format = "json"
			}
			switch o.format {
			case "tree", "ldd", "dot", "markdown", "json":
			default:
				return usagef("deps: unknown format %q (want tree, ldd, dot, markdown or json)", o.format)
			}
			if o.isaLevel < 0 || o.isaLevel > 4 {
				return usagef("deps: --isa-level must be 1 to 4 (or 0 for this CPU)")
			}
			if o.env {
				if o.libraryPath == "" {
					o.libraryPath = os.Getenv("LD_LIBRARY_PATH")
				}
				if o.preload == "" {
					o.preload = os.Getenv("LD_PRELOAD")
				}
			}
			return o.run(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "tree", "output format: tree, ldd, dot, markdown or json")
	f.BoolVar(&o.json, "json", false, "same as --format json")
	f.BoolVar(&o.bindings, "bindings", false, "bind every undefined symbol and report where it binds")
	f.StringVar(&o.root, "root", "", "resolve inside `DIR` as a root file system (its own ld.so.cache); nothing outside it is read")
	f.StringVar(&o.libraryPath, "library-path", "", "LD_LIBRARY_PATH to assume (`DIRS`, colon-separated)")
	f.BoolVar(&o.env, "env", false, "take LD_LIBRARY_PATH and LD_PRELOAD from the environment")
	f.StringVar(&o.preload, "preload", "", "LD_PRELOAD to assume (`LIBS`, space- or colon-separated)")
	f.BoolVar(&o.noPreload, "no-preload-file", false, "ignore /etc/ld.so.preload")
	f.BoolVar(&o.noCache, "no-cache", false, "ignore /etc/ld.so.cache (as ld.so --inhibit-cache)")
	f.IntVar(&o.isaLevel, "isa-level", 0, "x86-64 ISA `LEVEL` (1-4) choosing glibc-hwcaps subdirectories; 0 for this CPU")
	f.StringVar(&o.platform, "platform", "", "$PLATFORM (default x86_64)")
	f.BoolVar(&o.secure, "secure", false, "apply the setuid rules ($ORIGIN and LD_LIBRARY_PATH restricted) whatever the file's mode")
	f.BoolVar(&o.asExecuted, "as-executed", false, "take $ORIGIN of the program from its real path, as when it is run (ldd uses the path as given)")
	return cmd
}

func (o *depsOptions) config() ldso.Config {
	return ldso.Config{
		Root: o.root, LibraryPath: o.libraryPath, Preload: o.preload,
		NoPreloadFile: o.noPreload, NoCache: o.noCache, ISALevel: o.isaLevel,
		Platform: o.platform, Secure: o.secure, AsExecuted: o.asExecuted,
	}
}

func (o *depsOptions) run(cmd *cobra.Command, files []string) error {
	incomplete, notDynamic := 0, 0
	cfg := o.config()
	// Libraries common to the files (libc, the loader) are read once.
	//
	// The last file's mappings and the pool's are not unmapped: the
	// process ends next, and its exit tears them all down at once, where
	// munmap from a process of several threads also stops the other
	// processors to flush their TLBs (2-3 ms after libLLVM's lookups).
	// Where Run does not end the process (tests), the collector unmaps
	// them (ldso's files have cleanups).
	cfg.Pool = ldso.NewPool(16)
	seen := 0
	err := eachFile(cmd, files, func(w io.Writer, path string) error {
		seen++
		res, err := ldso.Load(path, cfg)
		var nl *ldso.NotLoadableError
		if errors.As(err, &nl) && o.format == "ldd" {
			// ldd's own words, on stderr, for anything ld.so will not load.
			if len(files) > 1 {
				depsFileHeader(w, esc(path))
			}
			notDynamic++
			if bw, ok := w.(*bufio.Writer); ok {
				bw.Flush()
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "\tnot a dynamic executable")
			return nil
		}
		if err != nil {
			return err
		}
		if seen < len(files) {
			defer res.Close()
		}
		rep, err := newDepsReport(res, o.bindings)
		if err != nil {
			return err
		}
		if !rep.complete() {
			incomplete++
		}
		return rep.write(w, o.format, len(files) > 1)
	})
	if err != nil {
		return err
	}
	if incomplete+notDynamic > 0 {
		return failedError{incomplete + notDynamic}
	}
	return nil
}

// depsFileHeader is the "FILE:" line ldd prints before each of several files.
func depsFileHeader(w io.Writer, path string) {
	fmt.Fprintf(w, "%s:\n", path)
}

// openInRoot opens path, a path inside root when root is set (its links
// resolved inside root), keeping the path as given as the file's name:
// the loader model reads it inside the root again.
func openInRoot(root, path string) (*elfinspect.File, error) {
	if root == "" || root == "/" {
		return elfinspect.Open(path)
	}
	hp, err := ldso.HostPath(root, path)
	if err != nil {
		return nil, err
	}
	f, err := elfinspect.Open(hp)
	if err != nil {
		return nil, err
	}
	f.Path = path
	return f, nil
}
