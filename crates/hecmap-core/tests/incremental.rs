//! The validator's incremental updates equal a recount, for every measure a
//! rule reads: after any sequence of moves on a small synthetic state, the
//! live validator's report (tallies, perimeters and hulls kept up to date,
//! per-HEC findings cached, per-town findings re-run for moved towns) is
//! the report of a validator built afresh on the same plan. The report
//! holds every figure the rules compute (population, Medicare, need,
//! compactness from perimeter and hull, contiguity pieces, enclaves,
//! cherry-picked tracts, town splits, gaps, overlaps), so a stale cache or
//! a wrong update shows up as a difference.

use hecmap_core::plan::Plan;
use hecmap_core::rules::Details;
use hecmap_core::synthetic::TownGrid;
use hecmap_core::units::Level;
use hecmap_core::validate::Validator;
use proptest::prelude::*;
use serde_json::Value;

/// A 4 x 4 grid of towns of 3 x 3 tracts (144 tracts), with high-need
/// tracts and a rural town, so that every rule has something to find.
fn grid() -> TownGrid {
    let mut grid = TownGrid::new(4, 4, 3);
    for (x, y) in [(4, 4), (5, 7), (10, 1), (1, 10), (7, 7)] {
        grid.set_high_need(grid.tract_at(x, y));
    }
    grid.set_rural(grid.town_at(3, 3));
    grid
}

/// Equal JSON, numbers to 1e-9 relative (sums updated move by move add
/// in another order than a recount).
fn assert_same(a: &Value, b: &Value, path: &str) -> Result<(), TestCaseError> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            prop_assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "{path}: {x} != {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            prop_assert_eq!(x.len(), y.len(), "{}: lengths", path);
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_same(x, y, &format!("{path}[{i}]"))?;
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            prop_assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{}",
                path
            );
            for (k, v) in x {
                assert_same(v, &y[k], &format!("{path}.{k}"))?;
            }
        }
        _ => prop_assert_eq!(a, b, "{}", path),
    }
    Ok(())
}

/// One edit: tracts (one, or a whole town) to an HEC or to none.
#[derive(Debug, Clone)]
enum Edit {
    Tract(u32, Option<u32>),
    Town(u32, Option<u32>),
}

fn edit() -> impl Strategy<Value = Edit> {
    let to = prop::option::weighted(0.9, 0u32..4);
    prop_oneof![
        4 => (0u32..144, to.clone()).prop_map(|(t, r)| Edit::Tract(t, r)),
        1 => (0u32..16, to).prop_map(|(t, r)| Edit::Town(t, r)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn incremental_reports_equal_a_recount(
        edits in prop::collection::vec(edit(), 1..40),
        check_every in 1usize..6,
    ) {
        let grid = grid();
        let data = grid.build().unwrap();
        let rules = grid.rules();
        // Four HECs of town columns, the second and third overlapping on
        // one column of tracts.
        let mut plan = Plan::empty("grid", "test", Level::Tract, grid.tract_count());
        let hecs: Vec<u32> = ["W", "CW", "CE", "E"].iter().map(|n| plan.region_named(n)).collect();
        for t in 0..grid.tract_count() as u32 {
            let (x, _) = grid.tract_xy(t);
            plan.claim(t, hecs[x / 3]);
            if x == 5 {
                plan.claim(t, hecs[2]);
            }
        }
        let mut live = Validator::new(&data, rules.clone(), plan, None).unwrap();
        let _ = live.report();
        for (i, e) in edits.iter().enumerate() {
            match *e {
                Edit::Tract(t, r) => live.assign(&[t], r),
                Edit::Town(town, r) => live.assign_town(town, r),
            }
            // Sometimes several moves between reports, as a solver does.
            if (i + 1) % check_every == 0 || i + 1 == edits.len() {
                let incremental = serde_json::to_value(live.report()).unwrap();
                let fresh = Validator::new(&data, rules.clone(), live.plan().clone(), None)
                    .unwrap()
                    .report();
                assert_same(&incremental, &serde_json::to_value(fresh).unwrap(), &format!("after edit {i}"))?;
            }
        }
    }
}

/// A finding's bulky details are rendered when a report asks, once, and
/// read as null until then; a render that fails says so.
#[test]
fn deferred_details_render_once_and_read_null_until_then() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RENDERED: AtomicUsize = AtomicUsize::new(0);
    let data = TownGrid::new(1, 1, 1).build().unwrap();
    let details = Details::later(|data| {
        RENDERED.fetch_add(1, Ordering::SeqCst);
        serde_json::json!({ "tracts": data.tracts.units.len() })
    });
    let shared = details.clone();
    assert_eq!(*details, serde_json::Value::Null);
    assert_eq!(
        serde_json::to_value(&details).unwrap(),
        serde_json::Value::Null
    );
    details.render(&data);
    shared.render(&data);
    // Rendered once, seen through every copy.
    assert_eq!(RENDERED.load(Ordering::SeqCst), 1);
    assert_eq!(shared["tracts"], 1);
    let given = Details::from(serde_json::json!({ "min": 8 }));
    given.render(&data);
    assert_eq!(given["min"], 8);
    let failing = Details::later(|_| panic!("no such tract"));
    failing.render(&data);
    assert_eq!(failing["error"], "details could not be computed");
}
