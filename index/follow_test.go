package index_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alephd/alephd/index"
)

// flakySource serves empty blocks up to height top, failing its first
// failures calls for the latest height.
type flakySource struct {
	mu       sync.Mutex
	failures int
	top      int64
}

func (s *flakySource) Latest(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return 0, errors.New("disk full")
	}
	return s.top, nil
}
func (s *flakySource) Base() int64 { return 1 }
func (s *flakySource) Block(_ context.Context, h int64) (index.Block, error) {
	return index.Block{Height: h, TimeUnixNano: h}, nil
}

// TestFollowRetriesAfterAFailure: the index reports a failure, keeps its
// last whole block, and goes on once the cause is gone.
func TestFollowRetriesAfterAFailure(t *testing.T) {
	x, err := index.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logged []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		x.Follow(ctx, &flakySource{failures: 3, top: 5}, time.Millisecond, func(msg string, _ ...any) {
			mu.Lock()
			logged = append(logged, msg)
			mu.Unlock()
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); x.Height() < 5; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the index stopped at height %d", x.Height())
		}
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(logged, "; "); got != "query index stalled; retrying; query index stalled; retrying; query index stalled; retrying; query index resumed" {
		t.Fatalf("logged: %s", got)
	}
}
