package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// schemaTypes maps each schema of openapi.json to its Go type.
var schemaTypes = map[string]reflect.Type{
	"PushRequest":    reflect.TypeFor[PushRequest](),
	"PushMessage":    reflect.TypeFor[PushMessage](),
	"ServiceRequest": reflect.TypeFor[ServiceRequest](),
	"PushResponse":   reflect.TypeFor[PushResponse](),
	"PushResult":     reflect.TypeFor[PushResult](),
	"PullResponse":   reflect.TypeFor[PullResponse](),
	"Job":            reflect.TypeFor[Job](),
	"Device":         reflect.TypeFor[Device](),
	"CPLEntry":       reflect.TypeFor[CPLEntry](),
	"WANCoverage":    reflect.TypeFor[WANCoverage](),
	"Removed":        reflect.TypeFor[Removed](),
	"JobStatus":      reflect.TypeFor[JobStatus](),
	"MessageStatus":  reflect.TypeFor[MessageStatus](),
	"Problem":        reflect.TypeFor[Problem](),
	"SealKey":        reflect.TypeFor[SealKey](),
}

type schema struct {
	Type       string             `json:"type"`
	Format     string             `json:"format"`
	Ref        string             `json:"$ref"`
	Required   []string           `json:"required"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
	MaxItems   *int               `json:"maxItems"`
	MaxLength  *int               `json:"maxLength"`
}

type document struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

func loadDoc(t *testing.T) document {
	t.Helper()
	var d document
	if err := json.Unmarshal(OpenAPI, &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return d
}

// TestOpenAPIMatchesGoTypes checks that openapi.json and the Go types name
// the same fields, mark the same ones required (no omitempty), give them
// compatible types, and state the main limits of this package.
func TestOpenAPIMatchesGoTypes(t *testing.T) {
	d := loadDoc(t)
	if d.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", d.OpenAPI)
	}
	for name := range d.Components.Schemas {
		if schemaTypes[name] == nil {
			t.Errorf("schema %s has no Go type", name)
		}
	}
	for name, typ := range schemaTypes {
		s := d.Components.Schemas[name]
		if s == nil {
			t.Errorf("Go type %s has no schema", name)
			continue
		}
		var fields, required []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "" || tag == "-" {
				t.Errorf("%s.%s has no JSON name", name, f.Name)
				continue
			}
			fields = append(fields, tag)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, tag)
			}
			p := s.Properties[tag]
			if p == nil {
				continue
			}
			if want := jsonType(f.Type); want != p.Type+p.Ref {
				t.Errorf("%s.%s: schema says %q, Go type %s means %q", name, tag, p.Type+p.Ref, f.Type, want)
			}
			if f.Type.Kind() == reflect.Slice && f.Type != reflect.TypeFor[json.RawMessage]() {
				if p.Items == nil || p.Items.Type+p.Items.Ref != jsonType(f.Type.Elem()) {
					t.Errorf("%s.%s: items do not match %s", name, tag, f.Type.Elem())
				}
			}
		}
		var props []string
		for p := range s.Properties {
			props = append(props, p)
		}
		sort.Strings(fields)
		sort.Strings(props)
		if !slices.Equal(fields, props) {
			t.Errorf("%s: Go fields %v, schema properties %v", name, fields, props)
		}
		sort.Strings(required)
		req := slices.Clone(s.Required)
		sort.Strings(req)
		if !slices.Equal(required, req) {
			t.Errorf("%s: Go requires %v (no omitempty), schema requires %v", name, required, req)
		}
	}
	limits := []struct {
		schema, prop string
		got          func(*schema) *int
		want         int
	}{
		{"PushRequest", "messages", maxItems, MaxBatch},
		{"PushResponse", "results", maxItems, MaxBatch},
		{"PushMessage", "idempotencyKey", maxLength, MaxKeyLen},
		{"PushMessage", "jobId", maxLength, MaxIDLen},
		{"PushMessage", "kind", maxLength, MaxKindLen},
		{"ServiceRequest", "xml", maxLength, MaxDUISBytes},
		{"PushResult", "duisResponse", maxLength, MaxDUISResponse},
		{"PullResponse", "jobs", maxItems, MaxPullItems},
		{"PullResponse", "devices", maxItems, MaxPullItems},
		{"PullResponse", "cpl", maxItems, MaxPullItems},
		{"PullResponse", "wanCoverage", maxItems, MaxPullItems},
		{"JobStatus", "messages", maxItems, MaxStatusItems},
	}
	for _, l := range limits {
		s := d.Components.Schemas[l.schema]
		if s == nil || s.Properties[l.prop] == nil {
			t.Errorf("%s.%s missing", l.schema, l.prop)
			continue
		}
		if got := l.got(s.Properties[l.prop]); got == nil || *got != l.want {
			t.Errorf("%s.%s: limit in openapi.json %v, in Go %d", l.schema, l.prop, got, l.want)
		}
	}
}

func maxItems(s *schema) *int  { return s.MaxItems }
func maxLength(s *schema) *int { return s.MaxLength }

// jsonType is the schema "type" (or "$ref") a Go type encodes as.
func jsonType(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "string"
	case t == reflect.TypeFor[json.RawMessage]():
		return "" // any JSON value
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Slice:
		return "array"
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.Struct:
		return "#/components/schemas/" + t.Name()
	}
	return "unknown " + t.String()
}

// TestOpenAPIPathsAndRefs checks that the document describes every endpoint
// of this package and that every $ref resolves.
func TestOpenAPIPathsAndRefs(t *testing.T) {
	d := loadDoc(t)
	for path, method := range map[string]string{PathPush: "post", PathChanges: "get", PathJobStatus: "get", PathBlob: "put", PathSealKey: "get"} {
		if _, ok := d.Paths[path][method]; !ok {
			t.Errorf("openapi.json has no %s %s", strings.ToUpper(method), path)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				name, found := strings.CutPrefix(r, "#/components/schemas/")
				if !found || d.Components.Schemas[name] == nil {
					t.Errorf("$ref %s does not resolve", r)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var all any
	json.Unmarshal(OpenAPI, &all)
	walk(all)
}
