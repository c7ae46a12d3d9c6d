package content

import (
	"os"

	"golang.org/x/sys/unix"
)

// flatfsSync is off on Linux: flatfs would fsync every block file and its
// directory one by one (about 4 ms each on the development VM, capping
// ingest near 100 MB/s), while one syncfs(2) after the import makes all
// of it durable at once.
const flatfsSync = false

// syncFS flushes the file system holding dir: the data and the directory
// entries of every block written so far. It also flushes other files'
// dirty pages on that file system, which the node writes and fsyncs
// itself anyway.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = unix.Syncfs(int(d.Fd()))
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
