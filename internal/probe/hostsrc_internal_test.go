package probe

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"
)

// The probe host's copies of the message types must have the same JSON
// fields as the parent's.
func TestProbeHostMessagesInStep(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "probehost/main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		if st, ok := ts.Type.(*ast.StructType); ok {
			for _, fl := range st.Fields.List {
				if fl.Tag != nil {
					tags[ts.Name.Name] = append(tags[ts.Name.Name], strings.Trim(fl.Tag.Value, "`"))
				}
			}
		}
		return false
	})
	for host, parent := range map[string]reflect.Type{
		"goRequest": reflect.TypeFor[GoRequest](), "goMsg": reflect.TypeFor[GoMsg](), "goValue": reflect.TypeFor[GoValue](),
	} {
		var want []string
		for i := 0; i < parent.NumField(); i++ {
			want = append(want, string(parent.Field(i).Tag))
		}
		if !reflect.DeepEqual(tags[host], want) {
			t.Errorf("probehost's %s has the fields %q; probe.%s has %q", host, tags[host], parent.Name(), want)
		}
	}
}
