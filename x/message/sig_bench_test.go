package message_test

import (
	"testing"

	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/x/message"
)

// BenchmarkVerifySignature is the ecrecover ceiling of admission.
func BenchmarkVerifySignature(b *testing.B) {
	m, err := client.Sign(keys.FromSeed("sig-bench"), client.Post("TEST", "note", "x", ""))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := message.VerifySignature(m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
