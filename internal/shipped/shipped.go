// Package shipped is the content buurtloket ships: the flows, the texts,
// the facts and the pictograms embedded in the binary, as one
// dialogs.Source. serve starts from it; the channels' tests load it.
package shipped

import (
	"buurtloket/dialogs"
	"buurtloket/dialogs/flows"
	"buurtloket/facts"
	"buurtloket/locales"
	"buurtloket/pictograms"
)

// Source is the shipped content.
func Source() dialogs.Source {
	return dialogs.Source{
		Flows: flows.FS, FlowsDir: "dialogs/flows",
		Locales: locales.FS, LocalesDir: "locales",
		Facts: facts.FS, FactsFile: facts.Shipped, FactsDir: "facts",
		Pictograms: pictograms.Names(),
	}
}
