// Package render turns soinspect's data into output: tables for people
// (tablewriter), plain one-record-a-line text for grep and awk, Markdown for
// slides, and JSON for scripts. Every command renders through it, so the
// table and the JSON of a command come from the same struct.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is an output format.
type Format string

// The output formats every command understands.
const (
	FormatTable    Format = "table"    // boxed table for people
	FormatPlain    Format = "plain"    // one record a line, space-separated, no header
	FormatMarkdown Format = "markdown" // a Markdown table, for slides and notes
	FormatJSON     Format = "json"     // one JSON object a line
)

// Formats lists the valid formats, for flag help.
var Formats = []Format{FormatTable, FormatPlain, FormatMarkdown, FormatJSON}

// ParseFormat parses a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, ", "))
}

// JSON writes v as one line of JSON, followed by a newline: a command that
// reports on several files writes one object per file, one per line.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Options say how a command's output is rendered. Commands pass them in;
// the package keeps no settings of its own.
type Options struct {
	// Format is the output format.
	Format Format
	// Width is the number of columns tables and prose lines fit in; 0
	// means no limit.
	Width int
	// Terminal is set when the output goes to a terminal: the plain
	// format, which otherwise passes names through byte for byte as nm
	// does, then makes them visible too.
	Terminal bool
}
