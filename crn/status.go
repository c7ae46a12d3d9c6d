package crn

import (
	"slices"
	"time"
)

// Status is what GET /status answers.
type Status struct {
	Node    string `json:"node"`
	ChainID string `json:"chain_id"`
	URL     string `json:"url"`
	// CCN is the CCN the node follows now, the first of CCNs that
	// answered its last request.
	CCN  string   `json:"ccn"`
	CCNs []string `json:"ccns"`
	// Height and Epoch are the CCN's committed height and its epoch at the
	// last sync.
	Height   int64         `json:"height"`
	Epoch    uint64        `json:"epoch"`
	Files    FileCounts    `json:"files"`
	Held     []FileState   `json:"held"`
	Missing  []FileState   `json:"missing"`
	Proofs   []ProofResult `json:"proofs"`
	LastSync time.Time     `json:"last_sync"`
	SyncErr  string        `json:"sync_error,omitempty"`
}

// FileCounts counts the files assigned, held and missing (assigned, not
// held), and their bytes.
type FileCounts struct {
	Assigned      int    `json:"assigned"`
	AssignedBytes uint64 `json:"assigned_bytes"`
	Held          int    `json:"held"`
	HeldBytes     uint64 `json:"held_bytes"`
	Missing       int    `json:"missing"`
	MissingBytes  uint64 `json:"missing_bytes"`
}

// FileState is one assigned file; Error says why a missing one's last
// fetch failed.
type FileState struct {
	Hash  string `json:"hash"`
	Type  string `json:"type"`
	Size  uint64 `json:"size"`
	Error string `json:"error,omitempty"`
}

// Status reports what the node holds and its last proofs, newest first.
func (n *Node) Status() Status {
	held := n.store.Held()
	n.mu.Lock()
	defer n.mu.Unlock()
	s := Status{Node: n.cfg.NodeHash, ChainID: n.chainID, URL: n.cfg.URL, CCN: n.ccn.Current(), CCNs: n.ccn.Bases, Height: n.height, Epoch: n.epoch,
		Held: []FileState{}, Missing: []FileState{}, Proofs: slices.Clone(n.proofs), LastSync: n.lastSync, SyncErr: n.syncErr}
	slices.Reverse(s.Proofs)
	if s.Proofs == nil {
		s.Proofs = []ProofResult{}
	}
	for _, f := range n.assigned {
		s.Files.Assigned++
		s.Files.AssignedBytes += f.Size
		fs := FileState{Hash: f.Hash, Type: f.Type, Size: f.Size}
		if _, ok := held[f.Hash]; ok {
			s.Files.Held++
			s.Files.HeldBytes += f.Size
			s.Held = append(s.Held, fs)
			continue
		}
		fs.Error = n.fetchErr[f.Hash]
		s.Files.Missing++
		s.Files.MissingBytes += f.Size
		s.Missing = append(s.Missing, fs)
	}
	return s
}
