package goplugin

// ForgetLayoutForTest makes the moduledata layout of release unknown until
// the returned function is called, to exercise the degraded reading.
func ForgetLayoutForTest(release string) (restore func()) {
	l := moduledataLayouts[release]
	delete(moduledataLayouts, release)
	return func() { moduledataLayouts[release] = l }
}
