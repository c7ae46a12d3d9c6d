package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/x/message"
)

// Chain is what the pinner reads of the committed chain.
type Chain interface {
	// Height is the last committed height.
	Height(ctx context.Context) (int64, error)
	// StatusChanges are the status moves a block made (item_hash -> status).
	StatusChanges(ctx context.Context, height int64) ([]message.StatusChange, error)
	// MessageFile returns the type and hash of the file a message keeps
	// pinned while it is live: a processed STORE's file, or the content of
	// a non-inline message (item_type storage or ipfs), whose hash is the
	// item_hash. ok is false for any other message.
	MessageFile(ctx context.Context, itemHash string) (fileType, fileHash string, ok bool, err error)
	// FileHolders lists the live messages that keep a file: the STOREs of
	// it and the processed (or removing) non-inline message whose content
	// it is. content is that message's bytes as the state holds them, nil
	// when no such message is live.
	FileHolders(ctx context.Context, fileHash string) (holders []string, content []byte, err error)
	// Base is the lowest height whose block results are available: above
	// 1 on a chain started from an export or a node that state-synced.
	Base(ctx context.Context) (int64, error)
	// LiveFiles lists the files every live message keeps (hash -> type):
	// the STOREs' files and the non-inline messages' content, for a pinner
	// that cannot follow the blocks since it last looked.
	LiveFiles(ctx context.Context) (map[string]string, error)
}

// Pinner keeps pinned the files of live STOREs and the content of live
// non-inline messages.
type Pinner struct {
	f     *Fetcher
	chain Chain
	// state is the file holding the last height followed.
	state string
	// wanted are the files whose pins may need to change: those of STOREs
	// a followed block moved, until settled. Kept in wantedFile, saved
	// before the height, so a file this node could not fetch yet is still
	// wanted after a restart.
	wanted     map[string]string // hash -> type
	wantedFile string
	// GCEvery and GCGrace schedule garbage collection of unpinned content.
	GCEvery, GCGrace time.Duration
}

// NewPinner follows chain from the height saved in dir, with the files
// that were still wanted there.
func NewPinner(f *Fetcher, chain Chain, dir string) *Pinner {
	p := &Pinner{f: f, chain: chain, state: filepath.Join(dir, "pinned-height"), wanted: map[string]string{},
		wantedFile: filepath.Join(dir, "pinner-wanted.json"), GCEvery: 10 * time.Minute, GCGrace: time.Hour}
	if b, err := os.ReadFile(p.wantedFile); err == nil {
		_ = json.Unmarshal(b, &p.wanted) // unreadable: the blocks since the saved height still say it
	}
	return p
}

// Run follows the chain every poll until ctx ends.
func (p *Pinner) Run(ctx context.Context, poll time.Duration, logf func(msg string, kv ...any)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	lastGC := time.Now()
	for {
		if err := p.Step(ctx); err != nil && ctx.Err() == nil {
			logf("pinning stalled", "err", err)
		}
		if time.Since(lastGC) > p.GCEvery {
			lastGC = time.Now()
			if st, err := p.f.cfg.Store.GC(ctx, p.GCGrace); err != nil {
				logf("content GC failed", "err", err)
			} else if st.Files+st.Blocks > 0 {
				logf("content GC", "files", st.Files, "blocks", st.Blocks, "bytes", st.Bytes)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step follows every block committed since the last step.
func (p *Pinner) Step(ctx context.Context) error {
	last := p.followed()
	top, err := p.chain.Height(ctx)
	if err != nil {
		return err
	}
	if last < top {
		base, err := p.chain.Base(ctx)
		if err != nil {
			return err
		}
		if last+1 < base {
			// Blocks before base are not here (an exported chain, a
			// state sync): take every live message's file from state.
			files, err := p.chain.LiveFiles(ctx)
			if err != nil {
				return err
			}
			for file, typ := range files {
				p.wanted[file] = typ
			}
			if err := p.saveWanted(); err != nil {
				return err
			}
			if err := p.save(base - 1); err != nil {
				return err
			}
			last = base - 1
		}
	}
	for h := last + 1; h <= top; h++ {
		changes, err := p.chain.StatusChanges(ctx, h)
		if err != nil {
			return err
		}
		for _, c := range changes {
			switch c.Status {
			case "processed", "forgotten", "removed":
			default:
				continue
			}
			typ, file, ok, err := p.chain.MessageFile(ctx, c.Hash)
			if err != nil {
				return err
			}
			if ok {
				p.wanted[file] = typ // settled below, against the latest state
			}
		}
		if len(changes) > 0 {
			if err := p.saveWanted(); err != nil {
				return err
			}
		}
		if err := p.save(h); err != nil {
			return err
		}
	}
	return p.settle(ctx)
}

// settle pins the wanted files that live messages keep and unpins the
// others. A file this node cannot get yet stays wanted for the next step.
func (p *Pinner) settle(ctx context.Context) error {
	if len(p.wanted) == 0 {
		return nil
	}
	defer p.saveWanted() //nolint:errcheck // best effort: a file settled twice is harmless
	for file, typ := range p.wanted {
		holders, data, err := p.chain.FileHolders(ctx, file)
		if err != nil {
			return err
		}
		if len(holders) == 0 {
			if err := p.pin(ctx, typ, file, false); err != nil {
				return err
			}
			delete(p.wanted, file)
			continue
		}
		if data != nil {
			// The state holds a live message's content: a node that did
			// not fetch it (or whose uploaded copy was collected) writes
			// it from there rather than asking its peers. Bytes that do
			// not import as the hash (an ipfs CID built with another
			// chunker) leave the fetch below to find the file.
			_ = p.f.Keep(ctx, typ, file, data)
		}
		if _, err := p.f.Fetch(ctx, typ, file); err != nil {
			continue // not here yet: fetched and pinned at a later step
		}
		if err := p.pin(ctx, typ, file, true); err != nil {
			return err
		}
		delete(p.wanted, file)
	}
	return nil
}

func (p *Pinner) pin(ctx context.Context, typ, file string, pin bool) error {
	var err error
	if typ == "ipfs" {
		c, derr := cid.Decode(file)
		if derr != nil {
			return derr
		}
		if pin {
			err = p.f.cfg.IPFS.Pin(ctx, c)
		} else {
			err = p.f.cfg.IPFS.Unpin(ctx, c)
		}
	} else if pin {
		err = p.f.cfg.Store.Pin(file)
	} else {
		err = p.f.cfg.Store.Unpin(file)
	}
	if !pin && errors.Is(err, content.ErrNotFound) {
		return nil // never held here: nothing to let go
	}
	return err
}

func (p *Pinner) followed() int64 {
	b, err := os.ReadFile(p.state)
	if err != nil {
		return 0
	}
	h, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return h
}

// save records the height durably: a pin step replayed after a crash is
// harmless (pins are idempotent), a skipped one would not be.
func (p *Pinner) save(h int64) error {
	return content.WriteFileDurably(filepath.Dir(p.state), filepath.Base(p.state), []byte(fmt.Sprintln(h)))
}

// saveWanted records the wanted files durably, before the height that
// made them wanted.
func (p *Pinner) saveWanted() error {
	b, err := json.Marshal(p.wanted)
	if err != nil {
		return err
	}
	return content.WriteFileDurably(filepath.Dir(p.wantedFile), filepath.Base(p.wantedFile), b)
}
