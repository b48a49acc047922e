//go:build race

package main

// raceEnabled lets tests that run the embedding model at volume go
// keyword-only under the race detector, which slows them tenfold.
const raceEnabled = true
