package report

import (
	"fmt"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/ldso"
)

// Deps is the load graph of the file as ld.so would build it (package
// ldso): the objects in load order, each with how it was found and what
// it needs. Nothing is loaded.
type Deps struct {
	Nodes []DepNode `json:"nodes"`
	// Static is true for a file with no DT_NEEDED.
	Static bool `json:"static,omitempty"`
	// Fatal is the error that would stop the load, "" if none.
	Fatal string `json:"fatal,omitempty"`
	// Omitted counts the objects beyond maxDepNodes, not drawn.
	Omitted int `json:"omitted,omitempty"`
}

// DepNode is one object of the load set, or a library not found.
type DepNode struct {
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	// Via is how ld.so found it ("cache", "runpath", "default", "not
	// found", ...), Dir in which directory.
	Via   string `json:"via"`
	Dir   string `json:"dir,omitempty"`
	Found bool   `json:"found"`
	// Needs are the indexes of the objects its DT_NEEDED entries resolved
	// to, in order.
	Needs []int `json:"needs,omitempty"`
	// Depth is the layer: the file is 0, what it needs 1, and so on.
	Depth int `json:"depth"`
	// Tried counts the paths tried for a library not found.
	Tried int `json:"tried,omitempty"`
}

// maxDepNodes bounds the objects drawn.
const maxDepNodes = 300

func buildDeps(f *elfinspect.File) (*Deps, string) {
	if f.Path == "" {
		return nil, ""
	}
	res, err := ldso.Load(f.Path, ldso.Config{})
	if err != nil {
		return nil, fmt.Sprintf("dependencies: %v", err)
	}
	defer res.Close()
	d := &Deps{Static: res.Static}
	if res.Fatal != nil {
		d.Fatal = res.Fatal.Error()
	}
	n := min(len(res.Objects), maxDepNodes)
	d.Omitted = len(res.Objects) - n
	for _, o := range res.Objects[:n] {
		dn := DepNode{Name: o.Name, Path: o.Path, Via: string(o.Via), Dir: o.Dir, Found: o.Found(), Tried: len(o.Tried), Depth: -1}
		for _, x := range o.Needs {
			if x >= 0 && x < n {
				dn.Needs = append(dn.Needs, x)
			}
		}
		d.Nodes = append(d.Nodes, dn)
	}
	// Layers: the shortest chain of DT_NEEDED from the file.
	if len(d.Nodes) > 0 {
		d.Nodes[0].Depth = 0
		queue := []int{0}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for _, j := range d.Nodes[i].Needs {
				if d.Nodes[j].Depth < 0 {
					d.Nodes[j].Depth = d.Nodes[i].Depth + 1
					queue = append(queue, j)
				}
			}
		}
		deepest := 0
		for _, nd := range d.Nodes {
			deepest = max(deepest, nd.Depth)
		}
		for i := range d.Nodes { // the interpreter, a preload: a layer of their own
			if d.Nodes[i].Depth < 0 {
				d.Nodes[i].Depth = deepest + 1
			}
		}
	}
	return d, ""
}
