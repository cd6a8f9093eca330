//! The register views of a locality (`paicha::campaign::roster`) and the locality names of the
//! progress tree: on the fixture county, the views count exactly what the progress figures count
//! (every registered enterprise once; not self-inspected = registered - self-inspected, per
//! product too; open entries per enterprise as the ledger folds them), and licence states at a
//! day, the day before, on and after the end of a licence and of the plan's warning horizon.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::NaiveDate;
use paicha::campaign::*;
use paicha::ledger::{fold, Event};
use serde_json::Value;

fn plan() -> Plan {
    let (_, text) = paicha::campaign::plan::BUILTIN[0];
    serde_json::from_str(text).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Fixture {
    raw: Value,
    register: Vec<Registered>,
    submissions: Vec<SubmissionFact>,
    entries: Vec<EntryFact>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/campaign-fixtures/county.json"
    ))
    .unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    let events: Vec<Event> = serde_json::from_value(raw["events"].clone()).unwrap();
    let state = fold(&events);
    Fixture {
        register: serde_json::from_value(raw["register"].clone()).unwrap(),
        submissions: serde_json::from_value(raw["submissions"].clone()).unwrap(),
        entries: state.entries.iter().map(EntryFact::of).collect(),
        raw,
    }
}

#[test]
fn the_views_count_what_progress_counts() {
    let f = fixture();
    let p = plan();
    let today = day(f.raw["today"].as_str().unwrap());
    for (code, want) in f.raw["expected"].as_object().unwrap() {
        let rows = roster(&p, &f.register, &f.submissions, &f.entries, code, today);
        let t = &want["total"];
        let n = |k: &str| usize::try_from(t[k].as_u64().unwrap()).unwrap();
        let c = roster::counts(&rows);
        assert_eq!(c[0], (View::All, n("registered")), "{code} all");
        assert_eq!(
            c[2],
            (View::NoSelf, n("registered") - n("self_inspected")),
            "{code} not self-inspected"
        );
        assert_eq!(
            c[3],
            (View::NoOnsite, n("registered") - n("onsite_inspected")),
            "{code} not inspected on site"
        );
        // Per product: the rows offering the product and its flags.
        for (product, fig) in want["products"].as_object().unwrap() {
            let with: Vec<&RosterProduct> = rows
                .iter()
                .flat_map(|r| r.products.iter())
                .filter(|x| &x.product == product)
                .collect();
            assert_eq!(
                with.len() as u64,
                fig["registered"].as_u64().unwrap(),
                "{code} {product}"
            );
            let si = with.iter().filter(|x| x.self_inspected).count() as u64;
            assert_eq!(
                si,
                fig["self_inspected"].as_u64().unwrap(),
                "{code} {product} self"
            );
            let os = with.iter().filter(|x| x.onsite_inspected).count() as u64;
            assert_eq!(
                os,
                fig["onsite_inspected"].as_u64().unwrap(),
                "{code} {product} on site"
            );
        }
        // Every row is in the locality, once.
        assert!(rows
            .iter()
            .all(|r| r.region.starts_with(code.trim_end_matches('0'))));
        let mut ids: Vec<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "{code}: each enterprise once");
    }
    // Open entries per enterprise: the ledger's own open entries of registered enterprises.
    let rows = roster(&p, &f.register, &f.submissions, &f.entries, "520000", today);
    let registered: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.uscc.as_str()).collect();
    let open_of_registered = f
        .entries
        .iter()
        .filter(|e| e.is_open() && registered.contains(e.uscc.as_str()))
        .count() as u32;
    assert_eq!(
        rows.iter().map(|r| r.open_entries).sum::<u32>(),
        open_of_registered
    );
    assert!(
        open_of_registered > 0,
        "the fixture has open entries of registered enterprises"
    );
}

fn entry(uscc: &str, until: &[&str]) -> Registered {
    serde_json::from_value(serde_json::json!({
        "uscc": uscc, "name": format!("企业{uscc}"), "region": "520102",
        "products": [{"product": "electric-bicycle", "links": ["sales", "production", "sales"]},
                     {"product": "not-a-campaign-product", "links": ["sales"]}],
        "certificates": until.iter().enumerate().map(|(i, u)| serde_json::json!(
            {"kind": "ccc", "number": format!("C{i}"), "valid_until": u})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

#[test]
fn licence_states_and_the_expiring_view() {
    let p = plan();
    assert_eq!(p.risk.licence_expiring_days, 90);
    let register = vec![
        entry("91520102MA6DK4L2XN", &["2023-08-15"]),
        entry("91520102MA6DK4L3XP", &["2023-11-14", "2024-06-01"]),
        entry("91520102MA6DK4L4XQ", &["2023-11-15"]),
        entry("91520102MA6DK4L5XR", &[]),
    ];
    let rows = roster(&p, &register, &[], &[], "520102", day("2023-08-16"));
    assert_eq!(rows.len(), 4);
    let states = |i: usize| rows[i].licences.iter().map(|l| l.state).collect::<Vec<_>>();
    // Ended the day before: expired. The last day of the horizon (08-16 + 90 = 11-14): expiring;
    // the day after it: valid.
    assert_eq!(states(0), [LicenceState::Expired]);
    assert_eq!(states(1), [LicenceState::Expiring, LicenceState::Valid]);
    assert_eq!(states(2), [LicenceState::Valid]);
    assert!(states(3).is_empty());
    // Out-of-scope products are left out; links once each, production first.
    assert_eq!(rows[0].products.len(), 1);
    assert_eq!(
        rows[0].products[0].links,
        [
            paicha::template::Link::Production,
            paicha::template::Link::Sales
        ]
    );
    let expiring: Vec<&str> = roster::view(&rows, View::Expiring)
        .iter()
        .map(|r| r.uscc.as_str())
        .collect();
    assert_eq!(expiring, ["91520102MA6DK4L2XN", "91520102MA6DK4L3XP"]);
    // On the licence's last day it is still valid (expiring), not expired.
    let on = roster(&p, &register, &[], &[], "520102", day("2023-08-15"));
    assert_eq!(on[0].licences[0].state, LicenceState::Expiring);
    // Nothing inspected: every row in both "not yet" views.
    let c = roster::counts(&rows);
    assert_eq!(
        c,
        [
            (View::All, 4),
            (View::Expiring, 2),
            (View::NoSelf, 4),
            (View::NoOnsite, 4)
        ]
    );
    assert_eq!(View::parse("no_onsite"), Some(View::NoOnsite));
    assert_eq!(View::parse("nope"), None);
}

#[test]
fn the_progress_tree_names_its_localities() {
    let f = fixture();
    let p = plan();
    let inputs = Inputs {
        register: &f.register,
        submissions: &f.submissions,
        entries: &f.entries,
        spots: &[],
    };
    let now = chrono::DateTime::parse_from_rfc3339(f.raw["now"].as_str().unwrap()).unwrap();
    let tree = progress(&p, &inputs, "520000", now).root;
    assert_eq!(tree.name.as_deref(), Some("贵州省"));
    let names: Vec<(&str, Option<&str>)> = tree
        .children
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [("520100", Some("贵阳市")), ("520200", Some("六盘水市"))]
    );
    let county = &tree.children[0].children[0];
    assert_eq!(
        (county.code.as_str(), county.name.as_deref()),
        ("520102", Some("南明区"))
    );
    let lag = lagging(&tree);
    assert!(lag
        .iter()
        .any(|l| l.code == "520102" && l.name.as_deref() == Some("南明区")));
}

#[test]
fn the_breakdown_adds_up_to_the_progress_figures_and_each_cell_lists_its_records() {
    use paicha::campaign::breakdown::{count, records, trace, Traced};
    let f = fixture();
    let p = plan();
    let today = day(f.raw["today"].as_str().unwrap());
    // The entry facts as the summary tables keep them: stored as JSON and read back.
    let entries: Vec<EntryFact> =
        serde_json::from_str(&serde_json::to_string(&f.entries).unwrap()).unwrap();
    assert_eq!(entries, f.entries);
    assert!(entries.iter().any(|e| !e.measure_states.is_empty()));
    for (code, want) in f.raw["expected"].as_object().unwrap() {
        let t = &want["total"];
        let n = |k: &str| u32::try_from(t[k].as_u64().unwrap()).unwrap();
        let r = records(&p, &f.register, &f.submissions, &entries, code, today);
        let b = count(&r);
        let sum = |g: &dyn Fn(&BySeverity) -> u32| b.by_severity.iter().map(g).sum::<u32>();
        assert_eq!(
            sum(&|s| s.total),
            n("general") + n("major"),
            "{code} dangers"
        );
        assert_eq!(b.by_severity[0].total, n("general"), "{code} general");
        assert_eq!(b.by_severity[1].total, n("major"), "{code} major");
        assert_eq!(sum(&|s| s.open + s.rectified), n("open"), "{code} open");
        assert_eq!(sum(&|s| s.closed_out), n("closed_out"), "{code} closed out");
        assert_eq!(
            sum(&|s| s.closed),
            n("closed_other"),
            "{code} closed otherwise"
        );
        assert_eq!(
            sum(&|s| s.rectified + s.closed_out),
            n("rectified"),
            "{code} rectified"
        );
        assert_eq!(sum(&|s| s.overdue), n("overdue"), "{code} overdue");
        let m = |g: &dyn Fn(&ByMeasure) -> u32| b.by_measure.iter().map(g).sum::<u32>();
        assert_eq!(m(&|x| x.required), n("measures"), "{code} measures");
        assert_eq!(m(&|x| x.done), n("measures_done"), "{code} measures done");
        assert_eq!(m(&|x| x.done + x.declined + x.not_done), n("measures"));
        let l = |g: &dyn Fn(&ByLink) -> u32| b.by_link.iter().map(g).sum::<u32>();
        assert_eq!(
            l(&|x| x.dangers),
            n("general") + n("major"),
            "{code} dangers by link"
        );
        assert_eq!(l(&|x| x.open), n("open"), "{code} open by link");
        // Every enterprise is registered in at least one link, at most in both.
        assert!(l(&|x| x.registered) >= n("registered"));
        assert!(l(&|x| x.registered) <= 2 * n("registered"));
        // Every number of the breakdown is the length of the list behind it.
        let len = |c: Cell| trace(&r, &c).unwrap().len() as u32;
        for x in &b.by_link {
            for (fig, v) in [
                ("registered", x.registered),
                ("self_inspected", x.self_inspected),
                ("onsite_inspected", x.onsite_inspected),
                ("dangers", x.dangers),
                ("open", x.open),
                ("not_self_inspected", x.registered - x.self_inspected),
            ] {
                assert_eq!(
                    len(Cell::Link(x.link, fig.into())),
                    v,
                    "{code} {:?} {fig}",
                    x.link
                );
            }
        }
        for x in &b.by_severity {
            let s = x.severity.unwrap();
            for (fig, v) in [
                ("open", x.open),
                ("rectified", x.rectified),
                ("closed_out", x.closed_out),
                ("closed", x.closed),
                ("overdue", x.overdue),
                ("total", x.total),
            ] {
                assert_eq!(len(Cell::Severity(s, fig.into())), v, "{code} {s:?} {fig}");
            }
        }
        for x in &b.by_measure {
            let a = x.action.unwrap();
            for (fig, v) in [
                ("required", x.required),
                ("done", x.done),
                ("declined", x.declined),
                ("not_done", x.not_done),
            ] {
                assert_eq!(len(Cell::Measure(a, fig.into())), v, "{code} {a:?} {fig}");
            }
        }
        assert!(trace(
            &r,
            &Cell::Severity(paicha::policy::Severity::Major, "nonsense".into())
        )
        .is_none());
        if let Some(Traced::Danger(d)) = trace(
            &r,
            &Cell::Severity(paicha::policy::Severity::Major, "total".into()),
        )
        .unwrap()
        .first()
        {
            assert_eq!(d.severity, paicha::policy::Severity::Major);
        }
    }
    // Both link lines are there (with zeros where the fixture has none), measures both ways.
    let r = records(&p, &f.register, &f.submissions, &entries, "520000", today);
    let b = count(&r);
    let links: Vec<_> = b.by_link.iter().map(|x| x.link).collect();
    assert_eq!(
        links[..2],
        [
            Some(paicha::template::Link::Production),
            Some(paicha::template::Link::Sales)
        ]
    );
    // The fixture registers sales only, and records its dangers by hand (no submission cited):
    // they make the third line, with no link.
    assert_eq!(b.by_link[0].registered, 0);
    assert_eq!(b.by_link[1].registered, 250);
    assert_eq!(b.by_link.len(), 3);
    assert_eq!(b.by_link[2].link, None);
    assert!(b.by_link[2].dangers > 0);
    assert!(b.by_measure.iter().any(|x| x.done > 0) && b.by_measure.iter().any(|x| x.not_done > 0));
    // A danger's link is its fact's (which the server keeps from the submission it was found
    // in): one fact given the sales link moves from the hand-recorded line to the sales line.
    let mut linked = entries.clone();
    let moved = r.dangers[0].entry.clone();
    for f in linked.iter_mut().filter(|f| f.entry == moved) {
        f.link = Some(paicha::template::Link::Sales);
    }
    let again = count(&records(
        &p,
        &f.register,
        &f.submissions,
        &linked,
        "520000",
        today,
    ));
    assert_eq!(again.by_link[1].dangers, b.by_link[1].dangers + 1);
    assert_eq!(again.by_link[2].dangers, b.by_link[2].dangers - 1);
}

#[test]
fn a_danger_is_listed_under_the_name_its_entry_was_recorded_under_else_the_registers() {
    use paicha::campaign::breakdown::records;
    let f = fixture();
    let p = plan();
    let today = day(f.raw["today"].as_str().unwrap());
    let registered: std::collections::BTreeMap<&str, &str> = f
        .register
        .iter()
        .map(|r| (r.uscc.as_str(), r.name.as_str()))
        .collect();
    // The fixture's entries give no name: the register's.
    assert!(f.entries.iter().all(|e| e.name.is_none()));
    let r = records(&p, &f.register, &f.submissions, &f.entries, "520000", today);
    assert!(!r.dangers.is_empty());
    for d in &r.dangers {
        assert_eq!(d.name.as_deref(), registered.get(d.uscc.as_str()).copied());
    }
    // An entry recorded with a name (its `created` event's enterprise) keeps it, also for an
    // enterprise the register does not hold; the fact kept as JSON says so.
    let mut raw = f.raw["events"].as_array().unwrap().clone();
    let created = raw
        .iter_mut()
        .find(|e| e["kind"] == "created" && e["entry"] == r.dangers[0].entry.as_str())
        .unwrap();
    created["enterprise"]["name"] = "现场记录的名称".into();
    let events: Vec<Event> = serde_json::from_value(Value::Array(raw)).unwrap();
    let entries: Vec<EntryFact> = fold(&events).entries.iter().map(EntryFact::of).collect();
    let named = entries
        .iter()
        .find(|e| e.entry == r.dangers[0].entry)
        .unwrap();
    assert_eq!(named.name.as_deref(), Some("现场记录的名称"));
    let text = serde_json::to_string(named).unwrap();
    assert_eq!(&serde_json::from_str::<EntryFact>(&text).unwrap(), named);
    let again = records(&p, &f.register, &f.submissions, &entries, "520000", today);
    assert_eq!(again.dangers[0].name.as_deref(), Some("现场记录的名称"));
    let unregistered = records(&p, &[], &f.submissions, &entries, "520000", today);
    let d = unregistered
        .dangers
        .iter()
        .find(|d| d.entry == named.entry)
        .unwrap();
    assert_eq!(d.name.as_deref(), Some("现场记录的名称"));
    assert!(unregistered
        .dangers
        .iter()
        .filter(|d| d.entry != named.entry)
        .all(|d| d.name.is_none()));
}
