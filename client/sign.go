package client

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// Seconds renders t as Aleph's float seconds with microsecond precision,
// without going through a float.
func Seconds(t time.Time) string {
	us := t.UnixMicro()
	return strconv.FormatInt(us/1_000_000, 10) + "." + fmt.Sprintf("%06d", us%1_000_000)
}

// Draft is an unsigned message: everything but the signature.
type Draft struct {
	Chain   string // default "ETH"
	Type    string
	Channel string
	Time    time.Time
	// Content is the item_content object; address and time are filled in
	// when missing.
	Content map[string]any
}

// Sign fills in address and time, encodes item_content, hashes it and signs
// the message with EIP-191 personal_sign, as Aleph's SDKs do.
func Sign(key *ecdsa.PrivateKey, d Draft) (*pb.AlephMessage, error) {
	if d.Chain == "" {
		d.Chain = "ETH"
	}
	if d.Time.IsZero() {
		d.Time = time.Now()
	}
	sender := crypto.PubkeyToAddress(key.PublicKey).Hex()
	content := map[string]any{}
	for k, v := range d.Content {
		content[k] = v
	}
	if _, ok := content["address"]; !ok {
		content["address"] = sender
	}
	if _, ok := content["time"]; !ok {
		content["time"] = json.Number(Seconds(d.Time))
	}
	item, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encode content: %w", err)
	}
	sum := sha256.Sum256(item)
	m := &pb.AlephMessage{
		Chain: d.Chain, Sender: sender, Type: d.Type, Channel: d.Channel,
		Time: Seconds(d.Time), ItemType: "inline", ItemHash: hex.EncodeToString(sum[:]),
		ItemContent: item,
	}
	if err := SignMessage(key, m); err != nil {
		return nil, err
	}
	return m, nil
}

// SignMessage sets m.Signature for its current fields.
func SignMessage(key *ecdsa.PrivateKey, m *pb.AlephMessage) error {
	sig, err := crypto.Sign(accounts.TextHash(message.SigningPayload(m)), key)
	if err != nil {
		return err
	}
	sig[64] += 27
	m.Signature = "0x" + hex.EncodeToString(sig)
	return nil
}

// Post drafts a POST.
func Post(channel, postType string, content any, ref string) Draft {
	c := map[string]any{"type": postType, "content": content}
	if ref != "" {
		c["ref"] = ref
	}
	return Draft{Type: message.TypePost, Channel: channel, Content: c}
}

// Aggregate drafts an AGGREGATE merging obj into key.
func Aggregate(channel, key string, obj map[string]any) Draft {
	return Draft{Type: message.TypeAggregate, Channel: channel, Content: map[string]any{"key": key, "content": obj}}
}

// Forget drafts a FORGET of message hashes and aggregate keys.
func Forget(channel string, hashes, aggregates []string, reason string) Draft {
	if hashes == nil {
		hashes = []string{}
	}
	c := map[string]any{"hashes": hashes}
	if len(aggregates) > 0 {
		c["aggregates"] = aggregates
	}
	if reason != "" {
		c["reason"] = reason
	}
	return Draft{Type: message.TypeForget, Channel: channel, Content: c}
}

// Store drafts a STORE of a file known by its sha256 or CID.
func Store(channel, fileHash, itemType string, size int64) Draft {
	c := map[string]any{"item_hash": fileHash, "item_type": itemType}
	if size > 0 {
		c["size"] = size
	}
	return Draft{Type: message.TypeStore, Channel: channel, Content: c}
}

// Endorse drafts an endorsement: the signer (or content.address) endorses
// channel with amount ALEPH (a decimal string), replacing what it endorsed
// there before; "0" withdraws. It is posted on the endorsed channel.
func Endorse(channel, amount string) Draft {
	return Post(channel, payment.DefaultParams().EndorsementPostType, map[string]any{"channel": channel, "amount": amount}, "")
}

// BalancesUpdate drafts an oracle's balance report in pyaleph's shape:
// the balances (decimal ALEPH) on chain at its height mainHeight.
func BalancesUpdate(channel, chain string, mainHeight uint64, balances map[string]string) Draft {
	b := map[string]any{}
	for addr, amount := range balances {
		b[addr] = json.Number(amount)
	}
	return Post(channel, balance.DefaultParams().UpdatePostType, map[string]any{"chain": chain, "main_height": mainHeight, "balances": b}, "")
}
