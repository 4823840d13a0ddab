package duis_test

import (
	"fmt"

	"github.com/smetskit/smetskit/protocol/duis"
)

func ExampleBuild() {
	req, err := duis.Build("8.14.2", map[string]string{
		"originator":                   "90-B3-D5-1F-30-01-00-00",
		"counter":                      "1000",
		"DeviceID":                     "00-DB-12-34-56-78-90-A2",
		"CHFInstallType":               "CHF Install - no SM WAN",
		"MPxN":                         "1000999888",
		"AerialInstall":                "true",
		"CHFLocation":                  "Basement or Cellar",
		"PremiseType":                  "Terraced",
		"MetalObstructionCheck":        "false",
		"ConnectivityObstructionCheck": "false",
		"SharedObstructionCheck":       "false",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Header.RequestID, req.Header.CommandVariant, req.Body.BodyElement())
	fmt.Println(len(req.Validate()), "problems")
	// Output:
	// 90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000 8 CHFInstallSuccessNoSMWAN
	// 0 problems
}

func ExampleValidate() {
	doc := []byte(`<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1002</sr:RequestID>
    <sr:CommandVariant>8</sr:CommandVariant>
    <sr:ServiceReference>8.11</sr:ServiceReference>
    <sr:ServiceReferenceVariant>8.11</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:UpdateHANDeviceLog>
      <sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID>
      <sr:RequestType>Add</sr:RequestType>
      <sr:AddDeviceToCHFWhitelist>
        <sr:JoinTimePeriod>7200</sr:JoinTimePeriod>
        <sr:InstallCode>30313233343536373839414243444546</sr:InstallCode>
      </sr:AddDeviceToCHFWhitelist>
    </sr:UpdateHANDeviceLog>
  </sr:Body>
</sr:Request>`)
	for _, p := range duis.Validate(doc) {
		fmt.Println(p)
	}
	// Output:
	// error: Request/Header/CommandVariant: command variant 8 not allowed for 8.11 (allowed: [1 2 3])
	// error: Request/Body/UpdateHANDeviceLog/AddDeviceToCHFWhitelist/JoinTimePeriod: value 7200 outside 1..3600
}
