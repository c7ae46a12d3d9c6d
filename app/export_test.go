package app

import "github.com/alephd/alephd/state"

// LiveContentScan answers a PathLiveContent query reading at most scan
// records, so tests page without thousands of messages.
func LiveContentScan(kv state.KV, after string, scan int) ([]byte, error) {
	return liveContent(kv, after, scan)
}
