// Twin of nuts_versions.rq: the NUTS versions each region is valid in. smekg:nutsVersion is
// a node property holding one value or a sorted list of several.
//+ iris: region
MATCH (region:Resource)
WHERE region.nutsVersion IS NOT NULL
UNWIND CASE WHEN region.nutsVersion IS :: LIST<ANY> THEN region.nutsVersion
            ELSE [region.nutsVersion] END AS version
RETURN region.iri AS region, version
