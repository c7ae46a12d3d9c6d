package ethsync

import "context"

// Step is one poll of the background loop, for tests.
func Step(r *Reader, ctx context.Context) { r.step(ctx) }
