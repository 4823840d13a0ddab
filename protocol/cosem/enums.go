package cosem

import "fmt"

// ControlState is attribute 3 of Disconnect control (class 70;
// PROTOCOLS.md §7).
type ControlState uint8

// Disconnect control states.
const (
	Disconnected         ControlState = 0
	Connected            ControlState = 1
	ReadyForReconnection ControlState = 2
)

func (s ControlState) String() string {
	switch s {
	case Disconnected:
		return "disconnected"
	case Connected:
		return "connected"
	case ReadyForReconnection:
		return "ready for reconnection"
	}
	return fmt.Sprintf("control state %d", uint8(s))
}

// ImageTransferStatus is attribute 6 of Image transfer (class 18).
type ImageTransferStatus uint8

var imageStatusNames = [...]string{"transfer not initiated", "transfer initiated", "verification initiated",
	"verification successful", "verification failed", "activation initiated", "activation successful", "activation failed"}

func (s ImageTransferStatus) String() string {
	if int(s) < len(imageStatusNames) {
		return imageStatusNames[s]
	}
	return fmt.Sprintf("image transfer status %d", uint8(s))
}

// AssociationStatus is attribute 8 of Association LN (class 15).
type AssociationStatus uint8

func (s AssociationStatus) String() string {
	switch s {
	case 0:
		return "non-associated"
	case 1:
		return "association pending"
	case 2:
		return "associated"
	}
	return fmt.Sprintf("association status %d", uint8(s))
}

// Baud is the baud-rate enumeration of IEC local port setup (class 19,
// attributes 3 and 4) and IEC HDLC setup (class 23, attribute 2):
// 0 = 300 … 6 = 19200 … 9 = 115200 (PROTOCOLS.md §7, §12: n ↔ 300 << n
// up to 19200).
type Baud uint8

var baudRates = [...]int{300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}

// Rate returns the speed in bits per second, or 0 for an unknown code.
func (b Baud) Rate() int {
	if int(b) < len(baudRates) {
		return baudRates[b]
	}
	return 0
}

// BaudOf returns the code of a speed.
func BaudOf(rate int) (Baud, bool) {
	for i, r := range baudRates {
		if r == rate {
			return Baud(i), true
		}
	}
	return 0, false
}

func (b Baud) String() string {
	if r := b.Rate(); r != 0 {
		return fmt.Sprintf("%d Bd", r)
	}
	return fmt.Sprintf("baud code %d", uint8(b))
}
