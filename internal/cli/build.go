package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/pluginbuild"
)

type buildOptions struct {
	host   string
	output string
	dryRun bool
	out    outputFlags
}

// buildShort is the line for build in the root's help and in completion.
const buildShort = "Build the plugin package PKG so that HOST's plugin.Open accepts it"

func newBuildCmd() *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build --for HOST [-o|--output OUT] [--dry-run] [--format F | --json] [PKG] [-- GO_BUILD_ARGS...]",
		Short: buildShort,
		Long: `Build the plugin package PKG (default ".", in its own module, as go build
resolves it) so that the program HOST loads it with plugin.Open.

From HOST's build information and function table, build derives the Go
toolchain (GOTOOLCHAIN=goX.Y.Z when it is not the local one), every build
setting that changes a package's link hash (-trimpath, -race, -msan, -asan,
-tags, -gcflags, -asmflags, -cover, -pgo, CGO_ENABLED, CGO_*FLAGS,
GOEXPERIMENT, GOFIPS140, GOOS/GOARCH, GOAMD64 and the like), and for every
module HOST links that the plugin's build uses, HOST's exact version or
replace. A newer version the plugin's module graph would select is excluded.

Your go.mod and go.sum are never written: the pins go into a temporary copy
passed to go build with -modfile.

After building, build checks the plugin against HOST as 'soinspect check'
does. What cannot be matched on this machine (a module cache or source
directory at another path in a host built without -trimpath, a replace to a
directory that is not here, a toolchain that cannot be fetched, a module the
plugin needs in a newer version than HOST links) is said with the way out.

--dry-run prints the recipe instead, to copy and paste: the environment, the
go mod edit with the pins, the one go build command, and what the plugin's
go.mod would need for good. --json prints the recipe (or the build's result)
as one JSON object; --format markdown puts the recipe in a code block.
Arguments after -- are added to go build.

Exit status: 0 when the plugin is built and HOST would load it (for
--dry-run: when nothing stands in the way), 1 otherwise, 2 for usage errors.`,
		Example: `  soinspect build --for ./bin/app -o greeter.so ./plugins/greeter
  soinspect build --for ./bin/app --dry-run
  soinspect build --for ./bin/app --json . -- -v`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			var extra []string
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				args, extra = args[:dash], args[dash:]
			}
			if o.host == "" {
				return usagef("--for HOST is required")
			}
			if len(args) > 1 {
				return usagef("one PKG at most (got %d): a plugin is one main package", len(args))
			}
			pkg := "."
			if len(args) == 1 {
				pkg = args[0]
			}
			return o.run(cmd, pkg, extra)
		},
	}
	cmd.Flags().StringVar(&o.host, "for", "", "the host program whose plugin.Open must accept the plugin")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "the plugin file to write (default: PKG's directory name with .so)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the recipe and build nothing")
	o.out.add(cmd)
	return cmd
}

func (o *buildOptions) run(cmd *cobra.Command, pkg string, extra []string) error {
	host, err := elfinspect.Open(o.host)
	if err != nil {
		warn(cmd, "%v", err)
		return failedError{1}
	}
	defer host.Close()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	recipe, err := pluginbuild.Derive(ctx, host, pluginbuild.Options{
		Package: pkg, Output: o.output, ExtraArgs: extra, NoFetch: o.dryRun,
	})
	if err != nil {
		warn(cmd, "%v", err)
		return failedError{1}
	}
	defer recipe.Close()
	bw := bufio.NewWriterSize(cmd.OutOrStdout(), 32<<10)
	defer bw.Flush()
	if o.dryRun {
		if o.out.isJSON() {
			err = render.JSON(bw, recipe)
		} else {
			md := o.out.opts.Format == render.FormatMarkdown
			if md {
				fmt.Fprintln(bw, "```sh")
			}
			err = writeRecipe(bw, recipe)
			if md {
				fmt.Fprintln(bw, "```")
			}
		}
		if err != nil {
			return err
		}
		if recipe.Fatal() {
			bw.Flush()
			warn(cmd, "%s stand in the way of a plugin %s loads", count(countFatal(recipe), "problem", "problems"), o.host)
			return failedError{1}
		}
		return nil
	}
	if !o.out.isJSON() {
		fmt.Fprintf(bw, "building %s for %s with %s", termSafe(recipe.Output), termSafe(o.host), termSafe(recipe.Toolchain))
		if !recipe.ToolchainCached {
			fmt.Fprint(bw, " (downloading it first)")
		}
		fmt.Fprintln(bw, " …")
		bw.Flush()
	}
	res, err := recipe.Build(ctx, host)
	if err != nil {
		warn(cmd, "%v", err)
		return failedError{1}
	}
	if o.out.isJSON() {
		err = render.JSON(bw, res)
	} else {
		err = writeResult(bw, o.out.doc(bw), res)
	}
	if err != nil {
		return err
	}
	if !res.Loadable {
		bw.Flush()
		warn(cmd, "%s would not load %s", o.host, recipe.Output)
		return failedError{1}
	}
	return nil
}

func countFatal(r *pluginbuild.Recipe) int {
	n := 0
	for _, p := range r.Problems {
		if p.Fatal {
			n++
		}
	}
	return n
}

// writeRecipe prints a recipe for people: what was derived, then the
// commands to paste.
func writeRecipe(w io.Writer, r *pluginbuild.Recipe) error {
	fmt.Fprintf(w, "# A plugin of %s that %s loads\n", termSafe(r.Package), termSafe(r.Host))
	fmt.Fprintf(w, "# host built by %s; the go command here is %s\n", termSafe(r.HostGoVersion), termSafe(r.LocalGoVersion))
	writeSettings(w, "# Environment", r.Env, func(s pluginbuild.Setting) string { return s.Name + "=" + s.Value })
	writeSettings(w, "# go build flags", r.Flags, pluginbuild.Setting.Arg)
	if len(r.Pins) > 0 {
		fmt.Fprintln(w, "#\n# Modules of the host, pinned in a temporary copy of go.mod (yours is not touched)")
		for _, p := range r.Pins {
			line := p.Module + " " + orNone(p.Version)
			if p.Replace != "" {
				line += " => " + p.Replace
			}
			fmt.Fprintf(w, "#   %s: %s\n", termSafe(line), termSafe(p.Why))
			if len(p.Exclude) > 0 {
				fmt.Fprintf(w, "#     excluded above it: %s\n", termSafe(strings.Join(p.Exclude, ", ")))
			}
		}
	}
	fmt.Fprintln(w, "#\n# The commands")
	for _, l := range r.Script() {
		fmt.Fprintln(w, termSafe(l))
	}
	if len(r.Permanent) > 0 {
		fmt.Fprintf(w, "\n# To build this way without -modfile, %s would need:\n", termSafe(r.GoMod))
		for _, l := range r.Permanent {
			fmt.Fprintf(w, "#   %s\n", termSafe(l))
		}
	}
	writeProblems(w, r)
	return nil
}

func writeSettings(w io.Writer, title string, ss []pluginbuild.Setting, show func(pluginbuild.Setting) string) {
	if len(ss) == 0 {
		return
	}
	fmt.Fprintf(w, "#\n%s\n", title)
	width := 0
	for _, s := range ss {
		width = max(width, len(show(s)))
	}
	for _, s := range ss {
		fmt.Fprintf(w, "#   %-*s  %s\n", width, termSafe(show(s)), termSafe(s.Why))
	}
}

func writeProblems(w io.Writer, r *pluginbuild.Recipe) {
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems")
		for _, p := range r.Problems {
			mark := "risk"
			if p.Fatal {
				mark = "FATAL"
			}
			fmt.Fprintf(w, "  %s %s: %s\n", mark, p.Code, termSafe(p.Message))
			fmt.Fprintf(w, "    way out: %s\n", termSafe(p.Remedy))
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes on the recipe")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  - %s\n", termSafe(n))
		}
	}
}

// writeResult prints what the build did and the check of its plugin (in
// doc, which writes to w).
func writeResult(w io.Writer, doc *render.Doc, res *pluginbuild.Result) error {
	r := res.Recipe
	if !res.Built && res.GoOutput == "" {
		fmt.Fprintln(w, "not built:")
		writeProblems(w, r)
		return nil
	}
	if !res.Built {
		fmt.Fprintf(w, "go build failed after %.1f s:\n%s\n", res.Seconds, indentBlock(termSafe(res.GoOutput)))
		writeProblems(w, r)
		return nil
	}
	var how []string
	for _, f := range r.Flags {
		how = append(how, f.Arg())
	}
	for _, p := range r.Pins {
		if p.PluginVersion != p.Version || p.Replace != "" {
			s := p.Module + "@" + orNone(p.Version)
			if p.Replace != "" {
				s += " => " + p.Replace
			}
			how = append(how, s)
		}
	}
	fmt.Fprintf(w, "built %s in %.1f s", termSafe(r.Output), res.Seconds)
	if len(how) > 0 {
		fmt.Fprintf(w, " (%s)", termSafe(strings.Join(how, ", ")))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	if res.Verdict != nil {
		if err := (&checkOptions{}).write(doc, res.Verdict, true); err != nil {
			return err
		}
		if err := doc.Flush(); err != nil {
			return err
		}
	}
	writeProblems(w, r)
	return nil
}

func orNone(v string) string {
	if v == "" {
		return "(devel)"
	}
	return v
}

func indentBlock(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// termSafe escapes control characters and invalid UTF-8, which a file's
// build info or paths could carry, line by line.
func termSafe(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = render.Visible(l)
	}
	return strings.Join(lines, "\n")
}
