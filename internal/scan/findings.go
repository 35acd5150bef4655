package scan

import (
	"fmt"
	"slices"
	"strings"
)

// findings looks across files: pluginpaths under several files, and file
// names shared by different pluginpaths; and gathers single-file flags.
func findings(entries []Entry) []Finding {
	var out []Finding
	byPath := map[string][]int{}
	byName := map[string][]int{}
	var pps, names []string
	for i := range entries {
		e := &entries[i]
		if e.Class != ClassGoPlugin || e.PluginPath == "" {
			continue
		}
		if byPath[e.PluginPath] == nil {
			pps = append(pps, e.PluginPath)
		}
		byPath[e.PluginPath] = append(byPath[e.PluginPath], i)
		if byName[e.Name] == nil {
			names = append(names, e.Name)
		}
		byName[e.Name] = append(byName[e.Name], i)
	}
	slices.Sort(pps)
	slices.Sort(names)
	for _, pp := range pps {
		is := byPath[pp]
		if len(is) < 2 {
			continue
		}
		f := Finding{Code: FindingSharedPluginPath}
		distinct := map[string]bool{}
		for _, i := range is {
			f.Files = append(f.Files, entries[i].Path)
			distinct[entries[i].Name] = true
		}
		under := "files"
		if len(distinct) > 1 {
			under = "different file names"
		}
		f.Message = fmt.Sprintf("pluginpath %s is used by %d %s: one process can load only one of them; the others fail with \"plugin already loaded\"", pp, len(is), under)
		out = append(out, f)
		for _, i := range is {
			entries[i].Flags = append(entries[i].Flags, FindingSharedPluginPath)
		}
	}
	for _, n := range names {
		is := byName[n]
		seen := map[string]bool{}
		var distinct []string
		for _, i := range is {
			if pp := entries[i].PluginPath; !seen[pp] {
				seen[pp] = true
				distinct = append(distinct, pp)
			}
		}
		if len(distinct) < 2 {
			continue
		}
		f := Finding{Code: FindingSharedName,
			Message: fmt.Sprintf("file name %s is used by %d plugins with different pluginpaths (%s): a loader keyed on file names mixes them up", n, len(distinct), strings.Join(distinct, ", "))}
		for _, i := range is {
			f.Files = append(f.Files, entries[i].Path)
			entries[i].Flags = append(entries[i].Flags, FindingSharedName)
		}
		out = append(out, f)
	}
	for i := range entries {
		if slices.Contains(entries[i].Flags, FindingMisnamed) {
			out = append(out, Finding{Code: FindingMisnamed, Message: entries[i].Notes[len(entries[i].Notes)-1], Files: []string{entries[i].Path}})
		}
	}
	return out
}
