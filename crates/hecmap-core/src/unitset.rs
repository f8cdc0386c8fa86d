//! Queries on a set of tracts, in one place: the towns it touches (whole or
//! in part), the people and other counts in it, whether a figure over it is
//! an estimate, and the connected pieces of land no HEC claims (gaps). The
//! rules, the report and the negotiation all ask these, so they all say the
//! same thing.
//!
//! A set of tracts is a slice of [`UnitId`]s; it need not be sorted, and
//! the results do not depend on its order. Towns come back sorted by id.
//!
//! ```
//! use hecmap_core::dataset::Nesting;
//! use hecmap_core::unitset::{towns_of, whole_and_partial_towns};
//! // Two towns: 0 holds tracts 0 and 1, town 1 holds tract 2.
//! let nesting = Nesting {
//!     tract_town: vec![0, 0, 1],
//!     town_tracts: vec![vec![0, 1], vec![2]],
//!     straddles: Vec::new(),
//! };
//! assert_eq!(towns_of(&nesting, &[2, 0]), vec![0, 1]);
//! assert_eq!(whole_and_partial_towns(&nesting, &[2, 0]), (vec![1], vec![0]));
//! ```

use crate::attributes::{Attributes, Basis};
use crate::dataset::Nesting;
use crate::graph::AdjacencyGraph;
use crate::measures::keys;
use crate::plan::Claims;
use crate::units::UnitId;

/// The towns of a set of tracts, sorted and without repeats.
pub fn towns_of(nesting: &Nesting, tracts: &[UnitId]) -> Vec<UnitId> {
    let mut towns: Vec<UnitId> = tracts
        .iter()
        .map(|&t| nesting.tract_town[t as usize])
        .collect();
    towns.sort_unstable();
    towns.dedup();
    towns
}

/// The towns of a set of tracts split into (whole, partial): a whole town
/// has every one of its tracts in the set; a partial town only some.
pub fn whole_and_partial_towns(nesting: &Nesting, tracts: &[UnitId]) -> (Vec<UnitId>, Vec<UnitId>) {
    let mut set = tracts.to_vec();
    set.sort_unstable();
    towns_of(nesting, tracts).into_iter().partition(|&town| {
        nesting.town_tracts[town as usize]
            .iter()
            .all(|t| set.binary_search(t).is_ok())
    })
}

/// The sum of a count attribute over a set of tracts: tracts without a
/// value, or an attribute the data lacks, count as 0.
pub fn sum_of(attrs: &Attributes, key: &str, tracts: &[UnitId]) -> f64 {
    let Some(id) = attrs.id(key) else {
        return 0.0;
    };
    tracts
        .iter()
        .map(|&t| attrs.value(id, t).unwrap_or(0.0))
        .sum()
}

/// The people (2020 Census) in a set of tracts.
pub fn population_of(attrs: &Attributes, tracts: &[UnitId]) -> f64 {
    sum_of(attrs, keys::POPULATION, tracts)
}

/// True when the sum of attribute `key` over a set of tracts is an
/// estimate, as its provenance says: always for modelled values (and for
/// an attribute the data lacks), never for values counted per tract, and
/// for counts per town apportioned to tracts when the set splits a town.
pub fn is_estimate(attrs: &Attributes, nesting: &Nesting, key: &str, tracts: &[UnitId]) -> bool {
    let Some(id) = attrs.id(key) else {
        return true;
    };
    match attrs.def(id).provenance.basis {
        Basis::Counted => false,
        Basis::Estimated => true,
        // Apportioned town counts are exact for whole towns only.
        Basis::CountedPerTown => !whole_and_partial_towns(nesting, tracts).1.is_empty(),
    }
}

/// The gaps of a plan: the connected pieces of tracts no HEC claims
/// (`claims[t]` empty), each sorted, largest first (as
/// [`AdjacencyGraph::components`], water edges connecting).
pub fn unclaimed_components(graph: &AdjacencyGraph, claims: &[Claims]) -> Vec<Vec<UnitId>> {
    let n = claims.len() as UnitId;
    graph.components(0..n, |t| claims[t as usize].is_empty(), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::{AttrKind, AttributeDef, Provenance};
    use crate::graph::GraphOptions;
    use smallvec::smallvec;

    /// A 3x3 grid of 1 km squares, tract `3 * row + column`; each row is a
    /// town (town 0 is the bottom row).
    fn grid() -> (AdjacencyGraph, Nesting) {
        let squares = crate::geometry::square_grid(3);
        let graph = AdjacencyGraph::build(&squares, &squares, &GraphOptions::default());
        let nesting = Nesting {
            tract_town: (0..9).map(|t| t / 3).collect(),
            town_tracts: (0..3)
                .map(|town| (3 * town..3 * town + 3).collect())
                .collect(),
            straddles: Vec::new(),
        };
        (graph, nesting)
    }

    fn attributes(basis: Basis) -> Attributes {
        let mut attrs = Attributes::new(9);
        attrs.insert(
            AttributeDef::new(
                keys::POPULATION,
                "Population",
                AttrKind::Count,
                Provenance::counted("p.csv", "p", "test"),
            ),
            (0..9)
                .map(|t| (t != 4).then_some(100.0 * (t + 1) as f64))
                .collect(),
        );
        let mut provenance = Provenance::counted("m.csv", "m", "test");
        provenance.basis = basis;
        attrs.insert(
            AttributeDef::new(keys::MEDICARE, "Medicare", AttrKind::Count, provenance),
            vec![Some(10.0); 9],
        );
        attrs
    }

    #[test]
    fn towns_whole_and_partial() {
        let (_, nesting) = grid();
        // The bottom row and one tract of the top row, in any order.
        let set = [7, 2, 0, 1];
        assert_eq!(towns_of(&nesting, &set), vec![0, 2]);
        assert_eq!(whole_and_partial_towns(&nesting, &set), (vec![0], vec![2]));
        assert_eq!(whole_and_partial_towns(&nesting, &[]), (vec![], vec![]));
    }

    #[test]
    fn sums_count_missing_values_and_attributes_as_zero() {
        let attrs = attributes(Basis::Counted);
        // Tract 4 (the centre) has no population.
        assert_eq!(population_of(&attrs, &[3, 4, 5]), 400.0 + 600.0);
        assert_eq!(sum_of(&attrs, keys::MEDICARE, &[0, 1]), 20.0);
        assert_eq!(sum_of(&attrs, "no_such_attribute", &[0, 1]), 0.0);
        assert_eq!(population_of(&attrs, &[]), 0.0);
    }

    #[test]
    fn estimates_follow_the_provenance() {
        let (_, nesting) = grid();
        let whole_row = [3, 4, 5];
        let part_row = [3, 4];
        for (basis, whole, part) in [
            (Basis::Counted, false, false),
            (Basis::Estimated, true, true),
            (Basis::CountedPerTown, false, true),
        ] {
            let attrs = attributes(basis);
            let est = |ts: &[UnitId]| is_estimate(&attrs, &nesting, keys::MEDICARE, ts);
            assert_eq!(est(&whole_row), whole, "{basis:?}");
            assert_eq!(est(&part_row), part, "{basis:?}");
        }
        let attrs = attributes(Basis::Counted);
        assert!(is_estimate(&attrs, &nesting, "no_such_attribute", &[0]));
    }

    #[test]
    fn gaps_are_connected_unclaimed_pieces() {
        let (graph, _) = grid();
        // The middle column is claimed: the left and right columns are two
        // gaps of three tracts each, the left one (lowest id) first.
        let claims: Vec<Claims> = (0..9)
            .map(|t| {
                if t % 3 == 1 {
                    smallvec![0]
                } else {
                    smallvec![]
                }
            })
            .collect();
        assert_eq!(
            unclaimed_components(&graph, &claims),
            vec![vec![0, 3, 6], vec![2, 5, 8]]
        );
        // A tract claimed twice is not a gap; claiming everything leaves none.
        let all: Vec<Claims> = (0..9).map(|_| smallvec![0, 1]).collect();
        assert!(unclaimed_components(&graph, &all).is_empty());
        // Only the centre is claimed: the ring around it is one piece.
        let ring: Vec<Claims> = (0..9)
            .map(|t| if t == 4 { smallvec![0] } else { smallvec![] })
            .collect();
        assert_eq!(
            unclaimed_components(&graph, &ring),
            vec![vec![0, 1, 2, 3, 5, 6, 7, 8]]
        );
    }
}
