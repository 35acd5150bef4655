package elfread

// The size limits of every reader in soinspect. A size or count read from a
// file never drives an allocation or a loop beyond these: each is far above
// what a toolchain writes, and low enough that a hostile file cannot
// exhaust memory or time.
const (
	// MaxSection bounds the bytes read from one section (or one read of
	// the image): a section larger than the file is malformed anyway.
	MaxSection = 1 << 30

	// MaxSymbolName bounds the length of one symbol name the plugin
	// readers copy: Go names of generic instantiations are long, but not
	// this long. The symbol listings share the string table's memory and
	// need no bound.
	MaxSymbolName = 1 << 20

	// stringBudget bounds the string bytes one reader copies out of the
	// image, each string counting stringCost more: the names of a large
	// plugin's exports, types and packages come to well under a megabyte,
	// and a corrupted table that repeats one name (even an empty one) a
	// million times runs out.
	stringBudget = 16 << 20
	stringCost   = 16

	// chunkSize is the unit in which the image caches section contents:
	// the readers touch a few scattered kilobytes of sections that can be
	// megabytes long.
	chunkSize = 32 << 10
)
