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
//	 "coverage":     "yes"}
//
// answers are keyed by the DUIS field names the flow's steps require.
type Answers struct {
	Answers      map[string]string `json:"answers,omitempty"`
	InstallCodes map[string]string `json:"installCodes,omitempty"`
	Coverage     string            `json:"coverage,omitempty"`
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
