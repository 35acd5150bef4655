package cli

import (
	"bufio"
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/internal/render"
)

type disasmOptions struct {
	syntax string
	count  int
	source bool
	out    outputFlags
	syn    disasm.Syntax
}

// disasmShort is the line for disasm in the root's help and in completion.
const disasmShort = "Show the machine code of functions, annotated from the file: PLT and GOT names, the Go prologue, source lines"

func newDisasmCmd() *cobra.Command {
	o := &disasmOptions{}
	cmd := &cobra.Command{
		Use:   "disasm [--syntax gnu|intel|go] [--count N] [--source] [--format plain|table|markdown|json | --json] FILE SYMBOL|ADDRESS...",
		Short: disasmShort,
		Long: `Decode the machine code of each SYMBOL or ADDRESS of FILE, without loading it
(x86-64, 386 and AArch64, decoded with golang.org/x/arch).

A SYMBOL is found as symbols shows it: its raw name (with or without
@VERSION), its demangled C++ name (with or without the parameters), a Go name
by the last element of its package path (plugin1.Run), in a Go plugin a
name of the plugin's own package (Run, init.0; init means all of the plugin's
init functions in order), and a PLT stub as objdump names it (puts@plt). A symbol is decoded over its size; an ADDRESS
(0x1c58c0, or bare hex that names no symbol) to the end of the function
holding it, or 16 instructions.

Each instruction is annotated from the file: call and jump targets by symbol,
PLT stubs by the symbol they jump to (puts@plt), loads from the GOT by the
symbol ld.so writes there, PC-relative data by symbol, and the Go prologue
(the stack-guard check through R14 or X28, the call to runtime.morestack).
--source adds file:line, from the pclntab for Go code and from the DWARF line
tables for C where the file has them.

--format plain prints ADDRESS<TAB>INSTRUCTION a line (hex address without
0x, targets as <name>), so that it diffs against
objdump -d --no-show-raw-insn in the gnu syntax.`,
		Example: `  soinspect disasm bin/plugins/plugin1.so init
  soinspect disasm --count 4 bin/plugins/plugin1.so init.0
  soinspect disasm --source --format markdown bin/plugins/plugin1.so plugin1.Run
  soinspect disasm --format plain /lib/x86_64-linux-gnu/libc.so.6 puts`,
		Args: minArgs(2, "FILE and at least one SYMBOL or ADDRESS are required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(cmd); err != nil {
				return err
			}
			return o.run(cmd, args[0], args[1:])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.syntax, "syntax", "gnu", "assembly syntax: gnu (AT&T on x86, as objdump), intel, or go (as go tool objdump)")
	f.IntVar(&o.count, "count", 0, "decode `N` instructions (default: the whole symbol)")
	f.BoolVar(&o.source, "source", false, "show file:line of each instruction (pclntab for Go, DWARF for C)")
	o.out.add(cmd)
	return cmd
}

func (o *disasmOptions) validate(cmd *cobra.Command) error {
	if err := o.out.resolve(cmd); err != nil {
		return err
	}
	var err error
	if o.syn, err = disasm.ParseSyntax(o.syntax); err != nil {
		return usagef("--syntax: %v", err)
	}
	if o.count < 0 {
		return usagef("--count: want a positive number, not %d", o.count)
	}
	return nil
}

// disasmReport is one listing: the JSON object of `disasm --format json`.
type disasmReport struct {
	File  string `json:"file"`
	Query string `json:"query"`
	*disasm.Listing
}

// run decodes each query of one file. A query that fails is reported on
// stderr and the others go on; the command then exits 1.
func (o *disasmOptions) run(cmd *cobra.Command, path string, queries []string) error {
	f, err := openELF(cmd, path)
	if err != nil {
		return err // it names the file
	}
	defer f.Close()
	d, err := disasm.New(f)
	if err != nil {
		return fmt.Errorf("%s: %w", displayPath(path), err)
	}
	// A listing is garbage once written: collecting less often trades a
	// few megabytes for a third of the time of a whole-library run.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	bw := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	failed := 0
	name := displayPath(path)
	fail := func(q string, err error) {
		bw.Flush()
		warn(cmd, "%s: %s: %v", name, q, err)
		failed++
	}
	opt := disasm.Options{Syntax: o.syn, Count: o.count, Source: o.source}
	first := true
	for r := range o.decodeAll(d, queries, opt) {
		q, listings, err := r.query, r.listings, r.err
		if err != nil {
			fail(q, err)
			continue
		}
		for _, l := range listings {
			if err := o.write(bw, name, q, l, first); err != nil {
				return err
			}
			first = false
			if l.Stopped != "" {
				bw.Flush()
				warn(cmd, "%s: %s: %s", name, q, l.Stopped)
				if l.Truncated {
					failed++
				}
			}
		}
	}
	return flushFailed(bw, failed)
}

// decoded is the result of one query.
type decoded struct {
	query    string
	listings []*disasm.Listing
	err      error
	done     chan struct{}
}

// decodeAll decodes the queries on every core and yields the results in
// order, at most a window of them ahead of the writer.
func (o *disasmOptions) decodeAll(d *disasm.Disassembler, queries []string, opt disasm.Options) iter.Seq[*decoded] {
	return func(yield func(*decoded) bool) {
		results := make([]*decoded, len(queries))
		for i, q := range queries {
			results[i] = &decoded{query: q, done: make(chan struct{})}
		}
		window := make(chan struct{}, 256)
		next := make(chan int)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					r := results[i]
					r.listings, r.err = o.decode(d, r.query, opt)
					close(r.done)
				}
			}()
		}
		go func() {
			defer close(next)
			for i := range results {
				select {
				case window <- struct{}{}:
				case <-stop:
					return
				}
				select {
				case next <- i:
				case <-stop:
					return
				}
			}
		}()
		defer wg.Wait()
		defer close(stop)
		for i, r := range results {
			<-r.done
			<-window
			if !yield(r) {
				return
			}
			results[i] = nil // let written listings go
		}
	}
}

// decode resolves a query (a symbol, else an address) and decodes it.
func (o *disasmOptions) decode(d *disasm.Disassembler, q string, opt disasm.Options) ([]*disasm.Listing, error) {
	fns, lerr := d.Lookup(q)
	if lerr == nil {
		var out []*disasm.Listing
		for _, fn := range fns {
			l, err := d.Disassemble(fn, opt)
			if err != nil {
				return out, err
			}
			out = append(out, l)
		}
		return out, nil
	}
	addr, ok := parseAddress(q)
	if !ok {
		return nil, lerr
	}
	l, err := d.At(addr, opt)
	if err != nil {
		return nil, err
	}
	return []*disasm.Listing{l}, nil
}

// parseAddress reads 0x-prefixed or bare hex.
func parseAddress(s string) (uint64, bool) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if h == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(h, 16, 64)
	return v, err == nil
}

func (o *disasmOptions) write(w *bufio.Writer, path, q string, l *disasm.Listing, first bool) error {
	switch o.out.opts.Format {
	case render.FormatJSON:
		return render.JSON(w, disasmReport{File: path, Query: q, Listing: l})
	case render.FormatPlain:
		writePlainListing(w, l, o.source)
		return nil
	}
	doc := o.out.doc(w)
	if !first {
		doc.Blank()
	}
	t := &render.Table{Title: listingTitle(path, l), Header: []string{"ADDRESS", "INSTRUCTION", "NOTE"}, Right: []int{0},
		Kinds: []render.Kind{render.Fixed, render.Fixed, render.Prose}}
	if o.source {
		t.Header = append(t.Header, "SOURCE")
		t.Kinds = append(t.Kinds, render.Path)
	}
	for _, in := range l.Insts {
		row := []string{strconv.FormatUint(in.Addr, 16), in.Text, noteText(in)}
		if o.source {
			row = append(row, in.Source)
		}
		t.Rows = append(t.Rows, row)
	}
	if l.Stopped != "" {
		t.Footer = "stopped: " + l.Stopped
	}
	if err := doc.Table(t); err != nil {
		return err
	}
	return doc.Flush()
}

// listingTitle is "SYMBOL in FILE (ARCH, SECTION, 0x…–0x…, N instructions)".
func listingTitle(path string, l *disasm.Listing) string {
	what := fmt.Sprintf("%#x", l.Start)
	if l.Symbol != "" {
		what = render.Visible(l.Symbol)
		if l.Offset != 0 {
			what += fmt.Sprintf("+%#x", l.Offset)
		}
	}
	return fmt.Sprintf("%s in %s (%s, %s, %#x–%#x, %s)", what, render.Visible(path), l.Arch, render.Visible(l.Section), l.Start, l.End, count(len(l.Insts), "instruction", "instructions"))
}

// noteText joins what an instruction refers to and its role in the Go
// prologue.
func noteText(in disasm.Inst) string {
	switch {
	case in.Note != "" && in.Prologue != "":
		return in.Note + " — " + in.Prologue
	case in.Prologue != "":
		return in.Prologue
	}
	return in.Note
}

// writePlainListing writes ADDRESS<TAB>INSTRUCTION a line, the target
// named as objdump does (<puts@plt>, # 2000 <message>), with --source a
// third field FILE:LINE.
func writePlainListing(w *bufio.Writer, l *disasm.Listing, source bool) {
	var buf [16]byte
	for _, in := range l.Insts {
		w.Write(strconv.AppendUint(buf[:0], in.Addr, 16))
		w.WriteByte('\t')
		w.WriteString(in.Text)
		if in.Note != "" {
			if in.Target != 0 && strings.Contains(in.Text, "0x"+strconv.FormatUint(in.Target, 16)) {
				w.WriteString(" <" + in.Note + ">")
			} else {
				w.WriteString(" # " + strconv.FormatUint(in.Target, 16) + " <" + in.Note + ">")
			}
		}
		if source {
			w.WriteByte('\t')
			w.WriteString(render.Visible(in.Source))
		}
		w.WriteByte('\n')
	}
}
