package plugincheck

// HostLoads returns the times c has loaded its host's load set (the
// loader model's ldso.Load): 0 before any plugin needed it, 1 after.
func HostLoads(c *Checker) int { return c.load.loads }
