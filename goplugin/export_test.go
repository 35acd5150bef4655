package goplugin

// ForgetLayoutForTest makes the moduledata layout of release unknown until
// the returned function is called, to exercise the degraded reading.
func ForgetLayoutForTest(release string) (restore func()) {
	layouts := moduledataLayouts()
	l := layouts[release]
	delete(layouts, release)
	return func() { layouts[release] = l }
}
