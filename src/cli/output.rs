//! Rendering engine results for the terminal and for files.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use hecmap_core::dataset::Dataset;
use hecmap_core::features;
use hecmap_core::summary::Summary;
use hecmap_core::units::Level;
use serde_json::Value;

use hecmap_core::plan::{Plan, read_plan};
use hecmap_core::profile::FigureKind;
use hecmap_core::repair::{self, Repair, SuggestOptions};
use hecmap_core::report::{HecReport, Report, Verdict};
use hecmap_core::rules::{RulesConfig, Severity};
use hecmap_core::validate::Validator;

use super::{ExamplePlanKind, PlanArgs, TextOrJson, TomlOrJson, UnitFormat};

fn write_out(path: Option<&Path>, text: &str) -> Result<(), String> {
    match path {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("{}: cannot write: {e}", p.display()))
        }
        None => match std::io::stdout().write_all(text.as_bytes()) {
            // A reader that stops early (`| head`) is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| format!("cannot write to standard output: {e}")),
        },
    }
}

pub fn summary(data: &Dataset, format: TextOrJson) -> Result<ExitCode, String> {
    let s = Summary::of(data);
    let text = match format {
        TextOrJson::Json => serde_json::to_string_pretty(&s).expect("summary serialises") + "\n",
        TextOrJson::Text => summary_text(&s),
    };
    write_out(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn summary_text(s: &Summary) -> String {
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(format!("Connecticut data from {}", s.data_dir));
    line(format!(
        "  {} tracts, {} towns, {:.0} km2 of land",
        s.tracts, s.towns, s.land_area_km2
    ));
    line("State totals:".into());
    for t in &s.totals {
        let value = match t.value {
            Some(v) if v.abs() >= 100.0 => format!("{v:>14.0}"),
            Some(v) => format!("{v:>14.4}"),
            None => format!("{:>14}", "n/a"),
        };
        let flag = if t.estimate {
            format!(" ({})", hecmap_core::medicare::ESTIMATE_FLAG)
        } else {
            String::new()
        };
        line(format!(
            "  {:<44}{value}{flag}   [{}]",
            t.label, t.provenance.source
        ));
        if let Some(method) = &t.provenance.method {
            line(format!("      {method}"));
        }
    }
    line("2020 population by county:".into());
    for (county, pop) in &s.county_population {
        line(format!("  {county:<12}{pop:>10.0}"));
    }
    line(format!("Adjacency (water gap {} m):", s.water_gap_m));
    for (level, g) in &s.graphs {
        line(format!(
            "  {level:<6} {} units, {} land and {} water edges, {} connected piece(s) ({} on land alone)",
            g.units, g.land_edges, g.water_edges, g.components, g.components_land_only
        ));
    }
    for st in &s.straddling_tracts {
        let shares: Vec<String> = st
            .shares
            .iter()
            .map(|(town, share)| format!("{town} {:.1}%", share * 100.0))
            .collect();
        line(format!(
            "Tract {} straddles {} (counted in {}, population {})",
            st.tract,
            shares.join(", "),
            st.assigned_town,
            st.population.map(|p| p.to_string()).unwrap_or_default()
        ));
    }
    line("Joins:".into());
    for j in &s.joins {
        let unmatched: Vec<String> = j
            .unmatched
            .iter()
            .map(|r| format!("row {} ({})", r.row, r.key))
            .collect();
        line(format!(
            "  {}: {} of {} rows matched on {}; {} units without a row{}",
            j.file,
            j.matched,
            j.rows,
            j.key_column,
            j.units_without_row,
            if unmatched.is_empty() {
                String::new()
            } else {
                format!("; unmatched: {}", unmatched.join(", "))
            }
        ));
    }
    out
}

pub fn units(
    data: &Dataset,
    level: Level,
    format: UnitFormat,
    output: Option<&Path>,
) -> Result<ExitCode, String> {
    let layer = data.layer(level);
    let records = layer.units.ids().map(|u| data.unit_properties(level, u));
    let text = match format {
        UnitFormat::Geojson => features::collection_json(
            records
                .zip(&layer.units.geometry)
                .map(|(r, g)| features::feature(r["id"].as_u64(), g, r))
                .collect(),
        ),
        UnitFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut header_written = false;
            for record in records {
                if !header_written {
                    w.write_record(record.keys()).map_err(|e| e.to_string())?;
                    header_written = true;
                }
                w.write_record(record.values().map(csv_cell))
                    .map_err(|e| e.to_string())?;
            }
            String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).expect("CSV is UTF-8")
        }
    };
    write_out(output, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        // Counts read as floats print as integers ("4677", not "4677.0").
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
        {
            format!("{}", n.as_f64().unwrap_or_default() as i64)
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn rules(rules: &RulesConfig, format: TomlOrJson) -> Result<ExitCode, String> {
    let text = match format {
        TomlOrJson::Toml => rules.to_documented_toml(),
        TomlOrJson::Json => serde_json::to_string_pretty(rules).expect("rules serialise") + "\n",
    };
    write_out(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads and validates a plan file: the plan as read and its report.
pub fn validate_plan(
    data: &Dataset,
    args: &PlanArgs,
    mut rules: RulesConfig,
) -> Result<(Plan, Report), String> {
    if args.name_field.is_some() {
        rules.polygons.name_field = args.name_field.clone();
    }
    let (mut plan, polygons) = read_plan(data, &args.plan, args.plan_format, &rules.polygons)
        .map_err(|e| e.to_string())?;
    plan.scope = args.scope;
    let mut validator = Validator::new(data, rules, plan, polygons).map_err(|e| e.to_string())?;
    let report = validator.report();
    Ok((validator.plan().clone(), report))
}

/// Prints the repair options of a plan's failing HECs (exit 0 when every
/// failing rule has an option, 1 when some has none, 2 unreadable input).
pub fn suggest(
    data: &Dataset,
    args: &PlanArgs,
    mut rules: RulesConfig,
    hec: Option<&str>,
    max_towns: usize,
    format: TextOrJson,
) -> Result<ExitCode, String> {
    if args.name_field.is_some() {
        rules.polygons.name_field = args.name_field.clone();
    }
    let (mut plan, polygons) = read_plan(data, &args.plan, args.plan_format, &rules.polygons)
        .map_err(|e| e.to_string())?;
    plan.scope = args.scope;
    let only = match hec {
        Some(name) => Some(plan.region_id(name).ok_or_else(|| {
            let names: Vec<&str> = plan.regions.iter().map(|r| r.name.as_str()).collect();
            format!(
                "the plan has no HEC {name:?}: its HECs are {}",
                names.join(", ")
            )
        })?),
        None => None,
    };
    let mut validator = Validator::new(data, rules, plan, polygons).map_err(|e| e.to_string())?;
    let options = SuggestOptions {
        max_towns,
        ..SuggestOptions::default()
    };
    let repairs = repair::suggest(&mut validator, only, &options).map_err(|e| e.to_string())?;
    let text = match format {
        TextOrJson::Json => {
            serde_json::to_string_pretty(&serde_json::json!({ "repairs": repairs }))
                .expect("repairs serialise")
                + "\n"
        }
        TextOrJson::Text => repairs_text(&repairs),
    };
    write_out(None, &text)?;
    let unrepaired = repairs.iter().any(|r| r.options.is_empty());
    Ok(if unrepaired {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn repairs_text(repairs: &[Repair]) -> String {
    if repairs.is_empty() {
        return "Nothing to repair: no HEC fails a rule that moving towns can fix.\n".into();
    }
    let mut out = String::new();
    for r in repairs {
        out.push_str(&format!("{} [{}]: {}\n", r.hec, r.rule, r.finding));
        for (i, o) in r.options.iter().enumerate() {
            out.push_str(&format!("  {}. {}\n", i + 1, o.summary));
            for e in &o.new_errors {
                out.push_str(&format!("     but: {e}\n"));
            }
        }
        if let Some(note) = &r.note {
            out.push_str(&format!("  {note}\n"));
        }
        if let Some(w) = &r.waiver_alternative {
            out.push_str(&format!("  Or: {w}\n"));
        }
        out.push('\n');
    }
    out
}

pub fn print_report(report: &Report, format: TextOrJson, profile: bool) -> Result<(), String> {
    let text = match format {
        TextOrJson::Json => serde_json::to_string_pretty(report).expect("report serialises") + "\n",
        TextOrJson::Text if profile => report_text(report) + &profiles_text(report),
        TextOrJson::Text => report_text(report),
    };
    write_out(None, &text)
}

/// Each HEC's needs profile as a table: the HEC's figure, the state's, and
/// the tracts with the highest values. Estimates are marked `*`.
fn profiles_text(r: &Report) -> String {
    let show = |kind: FigureKind, v: Option<f64>| match (kind, v) {
        (_, None) => "-".to_string(),
        (FigureKind::Count, Some(v)) => format!("{v:.0}"),
        (FigureKind::Rate, Some(v)) => format!("{:.1}%", v * 100.0),
    };
    let mut out = String::new();
    for h in &r.hecs {
        out.push_str(&format!("\nNeeds profile of {} (* an estimate):\n", h.name));
        out.push_str(&format!(
            "  {:<46}{:>11}{:>11}  {}\n",
            "measure", "HEC", "state", "highest tracts"
        ));
        for f in h.profile.iter() {
            let label = format!("{}{}", f.label, if f.estimate { " *" } else { "" });
            let spots: Vec<String> = f
                .hot_spots
                .iter()
                .map(|s| format!("{} {}", s.name, show(f.kind, Some(s.value))))
                .collect();
            out.push_str(&format!(
                "  {label:<46}{:>11}{:>11}  {}\n",
                show(f.kind, f.value),
                show(f.kind, f.state),
                spots.join("; ")
            ));
        }
    }
    if r.hecs.iter().any(|h| h.profile.iter().any(|f| f.estimate)) {
        out.push_str("\n* Estimates: Medicare (see `hecmap summary`), CDC PLACES (model-based small-area estimates).\n");
    }
    out
}

/// The plan's verdict: "PASSES", "BREAKS THE RULES" or "PENDING STAFF
/// DECISION", with what staff's ruling on pending waivers would change.
fn plan_verdict_text(r: &Report) -> String {
    let pending = r.hecs.iter().filter(|h| h.if_approved.is_some()).count();
    let waivers = if pending == 1 {
        "the pending waiver".to_string()
    } else {
        format!("the {pending} pending waivers")
    };
    match (r.verdict, r.if_approved) {
        (Verdict::Passes, _) => "PASSES".into(),
        (Verdict::Fails, Some(_)) => format!("BREAKS THE RULES (even if staff approve {waivers})"),
        (Verdict::Fails, None) => "BREAKS THE RULES".into(),
        (Verdict::Pending, _) => {
            format!(
                "PENDING STAFF DECISION (passes if staff approve {waivers}, fails if they refuse)"
            )
        }
    }
}

/// An HEC's status column: "ok", "FAILS" or "PENDING", "(rural)", and
/// what staff's ruling on its pending waiver would change.
fn hec_verdict_text(h: &HecReport) -> String {
    let word = match h.verdict {
        Verdict::Passes => "ok",
        Verdict::Fails => "FAILS",
        Verdict::Pending => "PENDING",
    };
    let rural = if h.rural { " (rural)" } else { "" };
    let ruling = match (h.verdict, h.if_approved) {
        (Verdict::Pending, _) => ": waiver awaits staff; passes if approved, fails if refused",
        (Verdict::Fails, Some(_)) => ": fails even if its pending waiver is approved",
        _ => "",
    };
    format!("{word}{rural}{ruling}")
}

fn report_text(r: &Report) -> String {
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(format!(
        "Plan {} ({}, {} level, {:?} scope): {}",
        r.plan.name,
        r.plan.source,
        r.plan.level,
        r.plan.scope,
        plan_verdict_text(r)
    ));
    let w = r
        .hecs
        .iter()
        .map(|h| h.name.chars().count())
        .max()
        .unwrap_or(3)
        .max(3)
        + 2;
    line(format!(
        "{:<w$}{:>11}{:>12}{:>8}{:>7}{:>9}{:>9}  {}",
        "HEC", "population", "Medicare*", "tracts", "towns", "km2", "need", "status"
    ));
    for h in &r.hecs {
        line(format!(
            "{:<w$}{:>11.0}{:>12.0}{:>8}{:>7}{:>9.0}{:>9}  {}",
            h.name,
            h.population,
            h.medicare.value,
            h.tracts,
            h.towns.len() + h.partial_towns.len(),
            h.area_km2,
            h.need_percentile
                .map(|n| format!("{n:.0}"))
                .unwrap_or_default(),
            hec_verdict_text(h),
        ));
    }
    if r.hecs.iter().any(|h| h.medicare.estimate) {
        line(format!(
            "* {}; see `hecmap summary` for the method.",
            hecmap_core::medicare::estimate_notice()
        ));
    }
    for severity in [
        Severity::Error,
        Severity::Unknown,
        Severity::Pending,
        Severity::Warning,
        Severity::Waived,
        Severity::Info,
    ] {
        let findings: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if findings.is_empty() {
            continue;
        }
        line(format!("\n{severity:?} ({}):", findings.len()));
        for f in findings {
            line(format!("  [{}] {}", f.rule, f.message));
        }
    }
    out
}

/// Times reading and validating a plan `runs` times; prints the median.
pub fn time_validation(
    data: &Dataset,
    args: &PlanArgs,
    rules: &RulesConfig,
    runs: usize,
) -> Result<(), String> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let start = std::time::Instant::now();
        std::hint::black_box(validate_plan(data, args, rules.clone())?);
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    eprintln!(
        "timing: validate median {:.3} ms over {} runs (read plan + validate every rule; data loaded once)",
        times[times.len() / 2],
        times.len()
    );
    Ok(())
}

pub fn example_plan(data: &Dataset, kind: ExamplePlanKind) -> Result<ExitCode, String> {
    let mut csv = String::new();
    match kind {
        ExamplePlanKind::Counties => {
            csv.push_str("geoid,hec\n");
            for t in data.tracts.units.ids() {
                csv.push_str(&format!(
                    "{},{}\n",
                    data.tracts.units.geoid[t as usize],
                    data.tract_county(t)
                ));
            }
        }
        ExamplePlanKind::PlanningRegions => {
            csv.push_str("town,hec\n");
            for t in data.towns.units.ids() {
                let (name, region) = (
                    &data.towns.units.name[t as usize],
                    &data.town_planning_region[t as usize],
                );
                csv.push_str(&format!("{name},{region}\n"));
            }
        }
    }
    write_out(None, &csv)?;
    Ok(ExitCode::SUCCESS)
}
