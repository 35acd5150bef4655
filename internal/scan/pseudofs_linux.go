package scan

import "golang.org/x/sys/unix"

// pseudoFilesystems are the kernel's filesystems that hold no files worth
// scanning and many that are slow, unreadable or endless to read: a table,
// not a map, so that nothing is built at every start of soinspect.
var pseudoFilesystems = [...]struct {
	magic int64
	name  string
}{
	{unix.PROC_SUPER_MAGIC, "proc"},
	{unix.SYSFS_MAGIC, "sysfs"},
	{unix.DEVPTS_SUPER_MAGIC, "devpts"},
	{unix.CGROUP_SUPER_MAGIC, "cgroup"},
	{unix.CGROUP2_SUPER_MAGIC, "cgroup2"},
	{unix.DEBUGFS_MAGIC, "debugfs"},
	{unix.TRACEFS_MAGIC, "tracefs"},
	{unix.SECURITYFS_MAGIC, "securityfs"},
	{unix.BPF_FS_MAGIC, "bpf"},
	{unix.PSTOREFS_MAGIC, "pstore"},
	{unix.EFIVARFS_MAGIC, "efivarfs"},
	{unix.BINFMTFS_MAGIC, "binfmt_misc"},
	{unix.SELINUX_MAGIC, "selinuxfs"},
	{unix.SMACK_MAGIC, "smackfs"},
	{unix.NSFS_MAGIC, "nsfs"},
}

// pseudoFS returns the name of the pseudo filesystem mounted at dir, or "".
func pseudoFS(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return ""
	}
	for _, fs := range pseudoFilesystems {
		if fs.magic == int64(st.Type) {
			return fs.name
		}
	}
	return ""
}
