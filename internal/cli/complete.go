package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/render"
)

// flagValues lists, per flag name, the values its shell completion offers;
// every command with a flag of that name gets them. Where a library knows
// the values, they come from it.
var flagValues = [...]struct {
	name   string
	values func() []string
}{
	{"format", func() []string {
		var out []string
		for _, f := range render.Formats {
			out = append(out, string(f))
		}
		return out
	}},
	{"sort", func() []string {
		return []string{string(elfinspect.SortName), string(elfinspect.SortAddr), string(elfinspect.SortSize), string(elfinspect.SortNone)}
	}},
	{"lang", langNames},
	{"type", symTypeNames},
	{"demangle", func() []string { return []string{"auto", "none"} }},
	{"flags", dlopenFlagNames},
}

// dlopenFlagNames are the names call --flags accepts, from cdl's one
// table of flag names, in the lower case the command line uses.
func dlopenFlagNames() []string {
	return strings.Split(strings.ToLower(cdl.AllFlags.String()), "|")
}

// langNames are the languages --lang accepts, as elfinspect names them.
func langNames() []string { return enumNames(elfinspect.ParseLang) }

// symTypeNames are the ELF symbol types --type accepts, as elfinspect
// names them.
func symTypeNames() []string { return enumNames(elfinspect.ParseSymType) }

// enumNames lists the names of the first 16 values of an elfinspect enum
// that its parser reads back as the same value.
func enumNames[T interface {
	~uint8
	String() string
}](parse func(string) (T, error)) []string {
	var out []string
	for i := range 16 {
		v := T(i)
		name := v.String()
		if p, err := parse(name); err == nil && p == v {
			out = append(out, name)
		}
	}
	return out
}

// registerCompletions gives every flag named in flagValues its values, on
// c and every command below it that has it.
func registerCompletions(c *cobra.Command) {
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
	registerFlagCompletions(c)
}

// registerFlagCompletions gives c's own flags named in flagValues their
// values.
func registerFlagCompletions(c *cobra.Command) {
	for _, fv := range flagValues {
		name, values := fv.name, fv.values
		if c.Flags().Lookup(name) == nil {
			continue
		}
		list := name == "flags" // a comma-separated list: complete its last element
		c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			prefix := ""
			if list {
				if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
					prefix = toComplete[:i+1]
				}
			}
			var out []string
			for _, v := range values() {
				if strings.HasPrefix(prefix+v, toComplete) {
					out = append(out, prefix+v)
				}
			}
			directive := cobra.ShellCompDirectiveNoFileComp
			if list {
				directive |= cobra.ShellCompDirectiveNoSpace
			}
			return out, directive
		})
	}
}
