package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
)

// webhookMAC is the HMAC-SHA256 of timestamp + "." + body. The timestamp
// is signed so a captured delivery cannot be replayed later under a new
// timestamp.
func webhookMAC(secret []byte, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// webhookSignature is the X-Baton-Signature value for timestamp and body.
func webhookSignature(secret []byte, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(webhookMAC(secret, timestamp, body))
}

// VerifyWebhook checks a delivery's signature headers against secret and
// rejects timestamps older than maxAge. Timestamps more than maxAge in the
// future are rejected too, so a clock skewed far ahead cannot stretch the
// replay window; maxAge <= 0 skips the age check. Errors wrap kb.ErrInvalid.
func VerifyWebhook(secret string, header http.Header, body []byte, maxAge time.Duration) error {
	ts := header.Get(headerTimestamp)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook timestamp %q is not unix seconds: %w", ts, kb.ErrInvalid)
	}
	hexSig, ok := strings.CutPrefix(header.Get(headerSignature), signaturePrefix)
	if !ok {
		return fmt.Errorf("webhook signature missing or not %s: %w", strings.TrimSuffix(signaturePrefix, "="), kb.ErrInvalid)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("webhook signature is not hex: %w", kb.ErrInvalid)
	}
	want := webhookMAC([]byte(secret), ts, body)
	// hmac.Equal compares in constant time, so response timing does not
	// reveal how much of a forged signature was right.
	if !hmac.Equal(got, want) {
		return fmt.Errorf("webhook signature does not match: %w", kb.ErrInvalid)
	}
	if maxAge > 0 {
		age := time.Since(time.Unix(unix, 0))
		if age > maxAge {
			return fmt.Errorf("webhook timestamp is %v old, over %v: %w", age.Truncate(time.Second), maxAge, kb.ErrInvalid)
		}
		if -age > maxAge {
			return fmt.Errorf("webhook timestamp is %v in the future: %w", (-age).Truncate(time.Second), kb.ErrInvalid)
		}
	}
	return nil
}
