//go:build race

package retrieval

// raceEnabled lets heavy numeric tests skip under the race detector, which
// slows them about fifteenfold without finding anything they could show.
const raceEnabled = true
