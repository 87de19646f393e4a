package dialogs

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"buurtloket/dialogs/flows"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestSchemaMatchesLoader keeps docs/flow.schema.json in step with what the
// loader accepts: the same kinds, and per kind the same keys.
func TestSchemaMatchesLoader(t *testing.T) {
	data, err := os.ReadFile("../docs/flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Definitions struct {
			Step struct {
				Properties map[string]json.RawMessage `json:"properties"`
				AllOf      []struct {
					If struct {
						Properties struct {
							Kind struct {
								Const string `json:"const"`
							} `json:"kind"`
						} `json:"properties"`
					} `json:"if"`
					Then struct {
						PropertyNames struct {
							Enum []string `json:"enum"`
						} `json:"propertyNames"`
					} `json:"then"`
				} `json:"allOf"`
			} `json:"step"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("docs/flow.schema.json is not valid JSON: %v", err)
	}
	step := schema.Definitions.Step
	var props []string
	for k := range step.Properties {
		props = append(props, k)
	}
	sort.Strings(props)
	want := slices.Clone(allStepKeys)
	sort.Strings(want)
	if !slices.Equal(props, want) {
		t.Errorf("schema step keys %v, loader %v", props, want)
	}
	seen := map[Kind]bool{}
	for _, rule := range step.AllOf {
		k := Kind(rule.If.Properties.Kind.Const)
		seen[k] = true
		got := slices.Clone(rule.Then.PropertyNames.Enum)
		want := append([]string{"id", "kind", "prompt", "next"}, stepKeys[k]...)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("kind %s: schema keys %v, loader %v", k, got, want)
		}
	}
	for _, k := range kinds {
		if !seen[k] {
			t.Errorf("the schema has no rule for kind %s", k)
		}
	}
}

// TestShippedFlowsMatchSchema validates every shipped flow against the
// published schema, and a few broken ones that it must refuse, so that an
// editor's completion and warnings agree with the checker.
func TestShippedFlowsMatchSchema(t *testing.T) {
	f, err := os.Open("../docs/flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("flow.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("flow.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	asJSON := func(t *testing.T, data []byte) any {
		t.Helper()
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	names, _ := fs.Glob(flows.FS, "*.yaml")
	for _, n := range names {
		data, _ := fs.ReadFile(flows.FS, n)
		if err := schema.Validate(asJSON(t, data)); err != nil {
			t.Errorf("%s does not match the schema: %v", n, err)
		}
	}
	for name, broken := range map[string]string{
		"unknown key":       demoHead + strings.Replace(pickStep, "prompt:", "promt:", 1),
		"key of other kind": demoHead + strings.Replace(pickStep, "next: send", "max_length: 3", 1),
		"unknown kind":      demoHead + strings.Replace(pickStep, "kind: choice", "kind: chioce", 1),
		"http link":         demoHead + "  - id: i\n    kind: info\n    prompt: a.b\n    text: a.b\n    actions: [{label: a.b, link: \"http://x.nl\"}]\n",
		"no steps":          "id: demo\ntitle: demo.title\nstart: pick\n",
	} {
		if err := schema.Validate(asJSON(t, []byte(broken))); err == nil {
			t.Errorf("the schema accepts a flow with %s", name)
		}
	}
}
