package visit

import (
	"encoding/json"
	"fmt"
	"io"
)

// MaxAnswersBytes caps an answers file.
const MaxAnswersBytes = 1 << 20

// Answers is a scripted run's answers file (smetsctl commission --answers):
//
//	{"answers":      {"CHFLocation": "Indoors on external wall", ...},
//	 "installCodes": {"00-DB-12-34-56-78-90-A0": "3031...46"},
//	 "coverage":     "yes",
//	 "reads":        {"final/00-DB-12-34-56-78-90-8F": "12345.6"}}
//
// answers are keyed by the DUIS field names the flow's steps require; reads
// (register reads taken on site, for exchanges) by "kind/deviceID", kind
// "final" for the meter coming out and "initial" for the one going in.
type Answers struct {
	Answers      map[string]string `json:"answers,omitempty"`
	InstallCodes map[string]string `json:"installCodes,omitempty"`
	Coverage     string            `json:"coverage,omitempty"`
	Reads        map[string]string `json:"reads,omitempty"`
}

// DecodeAnswers reads an answers file of at most MaxAnswersBytes.
func DecodeAnswers(r io.Reader) (*Answers, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxAnswersBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	if len(b) > MaxAnswersBytes {
		return nil, fmt.Errorf("read answers: larger than %d bytes: %w", MaxAnswersBytes, ErrAnswers)
	}
	var a Answers
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode answers: %w: %w", ErrAnswers, err)
	}
	return &a, nil
}

// ReadRegister is the register a read of a device type records: the
// active import register for electricity (1-0:1.8.0, kWh), the volume
// register for gas (7-0:3.0.0, m3).
func ReadRegister(deviceType string) (register, unit string) {
	if deviceType == "GSME" {
		return "7-0:3.0.0", "m3"
	}
	return "1-0:1.8.0", "kWh"
}
