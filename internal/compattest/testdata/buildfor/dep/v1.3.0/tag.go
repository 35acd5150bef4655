//go:build soinspecttag

package dep

// Tagged exists only with -tags=soinspecttag.
func Tagged() bool { return true }
