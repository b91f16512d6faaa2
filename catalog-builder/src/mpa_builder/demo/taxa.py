"""Morphotypes of the synthetic AUV surveys and their true abundance model.

The 2012 list (81 morphotypes) resolves taxa finely, the 2015 list (39) lumps many of them into
coarser groups and drops a few, as the real Haig Fras surveys did between annotation campaigns.
Each 2012 morphotype has a habitat preference, a density on its preferred substratum (a long
tail from ~0.6 ind m⁻² down to ~1·10⁻⁴ ind m⁻²: a few common taxa, many rare ones) and an
aggregation parameter k of its negative-binomial counts (small k: strongly clumped).

TRUE CHANGE 2012 → 2015 imposed on the expected densities (everything else unchanged, ×1.0):
    pentapora_foliacea     × 0.72  (−28 %)
    alcyonium_digitatum    × 0.75  (−25 %)
    eunicella_verrucosa    × 0.78  (−22 %)
    porifera_erect         × 0.80  (−20 %)
    munida_rugosa          × 1.40  (+40 %)
    ophiuroidea            × 1.30  (+30 %)
    scyliorhinus_canicula  × 1.25  (+25 %)
    galeus_melastomus      × 1.50  (+50 %, rare: hard to detect)
A 2015 group's expected density is the sum of its 2012 members' densities times its factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .seabed import SUBSTRATA

#: Relative density on (rock, coarse, mixed, sand) for each preference profile.
PREFERENCES: dict[str, tuple[float, float, float, float]] = {
    "rock": (1.0, 0.22, 0.08, 0.01),
    "rock_coarse": (1.0, 0.6, 0.25, 0.03),
    "mixed": (0.35, 0.9, 1.0, 0.3),
    "sediment": (0.04, 0.45, 0.8, 1.0),
    "mobile": (0.8, 1.0, 0.9, 0.6),
    "fish_demersal": (0.45, 0.8, 0.9, 1.0),
    "fish_reef": (1.0, 0.5, 0.3, 0.1),
}

# name 2012, preference, log10 density on preferred substratum (ind m⁻²), NB k, name 2015 (None: dropped)
MORPHOTYPES: list[tuple[str, str, float, float, str | None]] = [
    ("axinella_infundibuliformis", "rock", -1.9, 0.6, "porifera_erect"),
    ("axinella_dissimilis", "rock", -2.2, 0.6, "porifera_erect"),
    ("phakellia_ventilabrum", "rock", -2.0, 0.5, "porifera_erect"),
    ("stelligera_stuposa", "rock", -1.6, 0.6, "porifera_erect"),
    ("stelligera_rigida", "rock", -2.1, 0.6, "porifera_erect"),
    ("polymastia_boletiformis", "rock_coarse", -1.8, 0.7, "polymastia_spp"),
    ("polymastia_penicillus", "rock_coarse", -2.0, 0.7, "polymastia_spp"),
    ("cliona_celata", "rock", -1.5, 0.8, "cliona_celata"),
    ("tethya_citrina", "rock", -2.6, 0.7, "porifera_massive"),
    ("suberites_ficus", "mixed", -2.8, 0.8, "porifera_massive"),
    ("porifera_massive_white", "rock", -1.9, 0.7, "porifera_massive"),
    ("porifera_encrusting_orange", "rock", -0.9, 0.5, "porifera_encrusting"),
    ("porifera_encrusting_yellow", "rock", -1.1, 0.5, "porifera_encrusting"),
    ("porifera_encrusting_white", "rock", -1.4, 0.5, "porifera_encrusting"),
    ("alcyonium_digitatum", "rock", -0.8, 0.6, "alcyonium_digitatum"),
    ("alcyonium_glomeratum", "rock", -2.7, 0.5, None),
    ("eunicella_verrucosa", "rock", -1.7, 0.5, "eunicella_verrucosa"),
    ("caryophyllia_smithii", "rock", -0.2, 0.4, "caryophyllia_smithii"),
    ("corynactis_viridis", "rock", -1.0, 0.25, "corynactis_viridis"),
    ("actinothoe_sphyrodeta", "rock", -1.5, 0.3, "actiniaria"),
    ("sagartia_elegans", "rock", -2.2, 0.5, "actiniaria"),
    ("urticina_felina", "rock_coarse", -2.3, 0.8, "actiniaria"),
    ("metridium_dianthus", "rock", -2.5, 0.4, "actiniaria"),
    ("anthozoa_white_small", "rock", -1.2, 0.5, "actiniaria"),
    ("cerianthus_lloydii", "sediment", -1.6, 0.8, "cerianthus_lloydii"),
    ("pachycerianthus_multiplicatus", "sediment", -2.9, 1.0, None),
    ("parazoanthus_anguicomus", "rock", -2.6, 0.3, None),
    ("hydrozoa_turf", "rock_coarse", -0.4, 0.5, "hydrozoa"),
    ("nemertesia_antennina", "rock_coarse", -1.3, 0.6, "hydrozoa"),
    ("nemertesia_ramosa", "rock_coarse", -1.8, 0.6, "hydrozoa"),
    ("sertulariidae", "rock_coarse", -1.5, 0.6, "hydrozoa"),
    ("pentapora_foliacea", "rock_coarse", -1.3, 0.7, "pentapora_foliacea"),
    ("cellaria_spp", "rock_coarse", -1.9, 0.6, "bryozoa_erect"),
    ("omalosecosa_ramulosa", "rock", -2.3, 0.6, "bryozoa_erect"),
    ("porella_compressa", "rock", -2.6, 0.6, "bryozoa_erect"),
    ("bryozoa_encrusting", "rock", -1.1, 0.5, "bryozoa_encrusting"),
    ("salmacina_dysteri", "rock", -1.9, 0.3, "serpulidae"),
    ("serpulidae", "rock_coarse", -0.7, 0.6, "serpulidae"),
    ("filograna_implexa", "rock", -2.8, 0.3, "serpulidae"),
    ("bispira_volutacornis", "rock", -2.6, 0.6, "sabellidae"),
    ("sabella_pavonina", "mixed", -2.2, 0.6, "sabellidae"),
    ("pecten_maximus", "sediment", -2.6, 1.2, "pectinidae"),
    ("aequipecten_opercularis", "mixed", -2.0, 0.9, "pectinidae"),
    ("calliostoma_zizyphinum", "rock_coarse", -2.5, 1.2, "gastropoda"),
    ("nudibranchia", "rock", -2.7, 0.8, None),
    ("munida_rugosa", "rock_coarse", -1.4, 1.0, "munida_rugosa"),
    ("cancer_pagurus", "rock", -2.5, 1.5, "cancer_pagurus"),
    ("necora_puber", "rock", -2.7, 1.5, "decapoda_other"),
    ("paguridae", "mobile", -1.8, 1.2, "paguridae"),
    ("inachus_spp", "mixed", -2.4, 1.0, "decapoda_other"),
    ("homarus_gammarus", "rock", -3.4, 1.5, "decapoda_other"),
    ("palinurus_elephas", "rock", -3.5, 1.5, "palinurus_elephas"),
    ("echinus_esculentus", "rock_coarse", -1.6, 1.5, "echinus_esculentus"),
    ("asterias_rubens", "mobile", -2.0, 1.2, "asteroidea"),
    ("marthasterias_glacialis", "rock", -2.2, 1.2, "asteroidea"),
    ("henricia_spp", "rock", -2.1, 1.0, "asteroidea"),
    ("luidia_ciliaris", "sediment", -2.5, 1.2, "asteroidea"),
    ("porania_pulvillus", "rock", -2.4, 1.0, "asteroidea"),
    ("stichastrella_rosea", "mixed", -2.3, 1.0, "asteroidea"),
    ("ophiothrix_fragilis", "mixed", -0.6, 0.2, "ophiuroidea"),
    ("ophiocomina_nigra", "mixed", -1.2, 0.3, "ophiuroidea"),
    ("ophiura_ophiura", "sediment", -1.5, 0.5, "ophiuroidea"),
    ("antedon_bifida", "rock", -2.0, 0.3, "antedon_bifida"),
    ("holothuria_forskali", "mixed", -2.9, 0.8, "holothuroidea"),
    ("ascidia_mentula", "rock", -2.1, 0.6, "ascidiacea"),
    ("polycarpa_spp", "rock", -2.4, 0.6, "ascidiacea"),
    ("diazona_violacea", "rock", -2.6, 0.5, "ascidiacea"),
    ("clavelina_lepadiformis", "rock", -2.3, 0.3, "ascidiacea"),
    ("didemnidae", "rock", -1.7, 0.5, "ascidiacea"),
    ("galeus_melastomus", "fish_demersal", -3.2, 2.0, "galeus_melastomus"),
    ("scyliorhinus_canicula", "fish_demersal", -2.4, 2.0, "scyliorhinus_canicula"),
    ("callionymus_lyra", "fish_demersal", -2.3, 2.0, "callionymus_lyra"),
    ("trisopterus_minutus", "fish_reef", -2.0, 0.5, "gadidae"),
    ("molva_molva", "fish_reef", -3.3, 2.0, "gadidae"),
    ("lophius_piscatorius", "fish_demersal", -3.4, 2.0, "lophius_piscatorius"),
    ("pleuronectiformes", "fish_demersal", -2.3, 1.5, "pleuronectiformes"),
    ("labrus_mixtus", "fish_reef", -2.5, 1.5, "labridae"),
    ("ctenolabrus_rupestris", "fish_reef", -2.3, 1.5, "labridae"),
    ("gobiidae", "fish_demersal", -2.0, 1.0, "gobiidae"),
    ("raja_clavata", "fish_demersal", -3.3, 2.0, "rajidae"),
    ("conger_conger", "fish_reef", -3.4, 2.0, None),
]

#: Multiplicative change of expected density from 2012 to 2015, by 2015 name (default 1.0).
TRUE_CHANGE_2012_2015: dict[str, float] = {
    "pentapora_foliacea": 0.72,
    "alcyonium_digitatum": 0.75,
    "eunicella_verrucosa": 0.78,
    "porifera_erect": 0.80,
    "munida_rugosa": 1.40,
    "ophiuroidea": 1.30,
    "scyliorhinus_canicula": 1.25,
    "galeus_melastomus": 1.50,
}


@dataclass(frozen=True)
class AbundanceModel:
    """True expected densities (ind m⁻²) per taxon × substratum, plus aggregation k per taxon."""

    names: list[str]
    density: np.ndarray  # (n_taxa, 4) in SUBSTRATA order
    k: np.ndarray  # (n_taxa,)
    patchiness: np.ndarray  # (n_taxa,) std of log-density across space


def model_2012(rng: np.random.Generator) -> AbundanceModel:
    """Realised 2012 model: the table above with seeded lognormal jitter (the 'true' values)."""
    names = [m[0] for m in MORPHOTYPES]
    pref = np.array([PREFERENCES[m[1]] for m in MORPHOTYPES])
    log10d = np.array([m[2] for m in MORPHOTYPES])
    # stretch the rare end: real tile tables have a long tail of singletons and doubletons
    log10d = log10d - 0.4 * np.clip(-2.4 - log10d, 0.0, None) + rng.normal(0.0, 0.12, len(names))
    k = np.array([m[3] for m in MORPHOTYPES]) * rng.lognormal(0.0, 0.15, len(names))
    sessile = np.array([not m[1].startswith(("fish", "mobile")) for m in MORPHOTYPES])
    patchiness = np.where(sessile, 0.5, 0.25)
    return AbundanceModel(names, (10.0**log10d)[:, None] * pref, k, patchiness)


def groups_2015() -> dict[str, list[int]]:
    """2015 name -> indices of the 2012 morphotypes it lumps together (table order)."""
    out: dict[str, list[int]] = {}
    for i, m in enumerate(MORPHOTYPES):
        if m[4] is not None:
            out.setdefault(m[4], []).append(i)
    return out


def substratum_index(values) -> np.ndarray:
    lookup = {s: i for i, s in enumerate(SUBSTRATA)}
    return np.array([lookup[v] for v in values])
