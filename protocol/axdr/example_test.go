package axdr_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

func ExampleDecode() {
	// scaler_unit {−3, Wh} followed by two bytes that belong to someone else
	in := []byte{0x02, 0x02, 0x0F, 0xFD, 0x16, 0x1E, 0x09, 0x0F}
	v, n, err := axdr.Decode(in)
	if err != nil {
		panic(err)
	}
	fmt.Println(v, "| surplus:", len(in)-n)
	js, _ := json.Marshal(v)
	fmt.Println(string(js))
	// Output:
	// structure{integer -3, enum 30} | surplus: 2
	// {"type":"structure","value":[{"type":"integer","value":-3},{"type":"enum","value":30}]}
}

func ExampleReader() {
	in := []byte{0x01, 0x02, // array of 2
		0x02, 0x02, 0x11, 0x01, 0x06, 0x00, 0x00, 0x30, 0x39, // {unsigned 1, double-long-unsigned 12345}
		0x02, 0x02, 0x11, 0x02, 0x06, 0x00, 0x00, 0x30, 0x3A}
	r := axdr.NewReader(in)
	n, _ := r.EnterArray()
	for range n {
		r.EnterStructure()
		status, _ := r.Uint8()
		value, _ := r.Uint32()
		fmt.Println(status, value)
	}
	// Output:
	// 1 12345
	// 2 12346
}

func ExampleDateTime_Time() {
	// 2020-03-16 00:00 local, deviation −60 (UTC+1): PROTOCOLS.md §6.3
	d, _ := axdr.ParseDateTime([]byte{0x07, 0xE4, 0x03, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00})
	t, _ := d.Time(nil, axdr.DeviationNormal)
	fmt.Println(d)
	fmt.Println(t.UTC().Format(time.RFC3339))
	// Output:
	// 2020-03-16 Mon 00:00:00.00 dev -60 status 00
	// 2020-03-15T23:00:00Z
}
